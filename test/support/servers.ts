// Real local servers for the alert tests, on 127.0.0.1 with a free port:
// - TestServer: HTTP; records every request and answers as scripted — a status
//   (200, 400, 500, 429 with Retry-After …), after a delay, a stall that never
//   answers, or a dropped connection.
// - SmtpSink: just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to
//   receive mail from nodemailer.
// - fakeHelpdeskServer: the listening part of the fake helpdesks (./freshdesk.ts, ./jira.ts).
// The CLI under test runs as a child process: spawn it asynchronously (never
// spawnSync) so this process can answer (Project.slaAsync, ./project.ts).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Behavior =
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number }
  | 'stall'
  | 'drop';

export interface Recorded {
  n: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON body (undefined when not JSON). */
  json: any;
  at: number;
  /** What it was answered: a status, 'stall' or 'drop'. */
  answer: number | 'stall' | 'drop';
}

export class TestServer {
  readonly requests: Recorded[] = [];
  private queue: Behavior[] = [];
  private fallback: Behavior | ((r: Recorded) => Behavior) = { status: 200, body: 'ok' };
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];
  private readonly stalled = new Set<ServerResponse>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<TestServer> {
    let self: TestServer | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    server.keepAliveTimeout = 500;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new TestServer(server, (server.address() as AddressInfo).port);
    return self;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Answer the next requests with these, in order; then the default. */
  script(...behaviors: Behavior[]): void {
    this.queue.push(...behaviors);
  }

  /** The answer for every request once the script is used up. */
  respond(b: Behavior | ((r: Recorded) => Behavior)): void {
    this.queue = [];
    this.fallback = b;
  }

  /** Requests to a path (default: all). */
  on(path?: string): Recorded[] {
    return path === undefined ? this.requests : this.requests.filter((r) => r.path === path);
  }

  /** Resolves once `n` requests have arrived. */
  waitFor(n: number, timeoutMs = 20_000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${this.requests.length} of ${n} requests arrived`)), timeoutMs);
      this.waiters.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
    });
  }

  reset(): void {
    this.requests.length = 0;
    this.queue = [];
    this.fallback = { status: 200, body: 'ok' };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try { json = JSON.parse(body); } catch { json = undefined; }
      const rec: Recorded = {
        n: this.requests.length + 1, method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json,
        at: Date.now(), answer: 200,
      };
      const b = this.queue.length ? this.queue.shift()! : typeof this.fallback === 'function' ? this.fallback(rec) : this.fallback;
      rec.answer = typeof b === 'string' ? b : b.status;
      this.requests.push(rec);
      for (const w of [...this.waiters]) {
        if (this.requests.length >= w.n) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      if (b === 'drop') { req.socket.destroy(); return; }
      if (b === 'stall') { this.stalled.add(res); return; }
      const send = (): void => {
        res.writeHead(b.status, { 'content-type': 'text/plain', ...b.headers });
        res.end(b.body ?? (b.status < 300 ? 'ok' : 'error'));
      };
      if (b.delayMs) setTimeout(send, b.delayMs);
      else send();
    });
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.socket?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export interface Mail {
  from: string;
  to: string[];
  /** The raw message (headers and body as sent). */
  data: string;
  /** Subject, RFC 2047 encoded words decoded. */
  subject: string;
  /** Body, quoted-printable / base64 decoded. */
  text: string;
}

function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _cs: string, enc: string, text: string) => {
      if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    });
}

function decodeBody(data: string): string {
  const split = data.indexOf('\r\n\r\n');
  const head = split < 0 ? data : data.slice(0, split);
  const body = split < 0 ? '' : data.slice(split + 4);
  const cte = /^content-transfer-encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** A minimal SMTP receiver for nodemailer (no TLS, no auth required; AUTH PLAIN/LOGIN accepted). */
export class SmtpSink {
  readonly mails: Mail[] = [];
  /** Reply code for RCPT TO (e.g. 550 to test a permanent refusal). */
  rcptCode = 250;
  /** The credentials clients logged in with, as "user:password" (AUTH PLAIN and LOGIN, decoded). */
  readonly logins: string[] = [];

  private constructor(private readonly server: TcpServer, readonly port: number) {}

  static async start(): Promise<SmtpSink> {
    let self: SmtpSink | undefined;
    const server = createTcpServer((s) => self!.session(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new SmtpSink(server, (server.address() as AddressInfo).port);
    return self;
  }

  url(): string {
    return `smtp://user:secret-password@127.0.0.1:${this.port}`;
  }

  private session(s: Socket): void {
    let buf = '';
    let inData = false;
    let mail: Mail = { from: '', to: [], data: '', subject: '', text: '' };
    let authStep = 0;
    let authParts: string[] = [];
    const reply = (line: string): void => void s.write(line + '\r\n');
    reply('220 sink ESMTP');
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          mail.data = buf.slice(0, end).replace(/^\.\./gm, '.');
          const m = /^subject: (.*(?:\r\n[ \t].*)*)/im.exec(mail.data);
          mail.subject = m ? decodeWords(m[1].replace(/\r\n([ \t])/g, '$1')) : '';
          mail.text = decodeBody(mail.data);
          this.mails.push(mail);
          mail = { from: '', to: [], data: '', subject: '', text: '' };
          buf = buf.slice(end + 5);
          inData = false;
          reply('250 queued');
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const cmd = line.slice(0, 4).toUpperCase();
        if (authStep > 0) {
          authParts.push(Buffer.from(line, 'base64').toString('utf8'));
          authStep--;
          if (authStep === 0) this.login(authParts);
          reply(authStep === 0 ? '235 ok' : '334 UGFzc3dvcmQ6');
          continue;
        }
        if (cmd === 'EHLO') { s.write('250-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n'); }
        else if (cmd === 'HELO') reply('250 sink');
        else if (cmd === 'AUTH') {
          authParts = line.split(' ').slice(2).map((x) => Buffer.from(x, 'base64').toString('utf8'));
          if (/^AUTH PLAIN \S+/i.test(line)) { this.login(authParts); reply('235 ok'); }
          else if (/^AUTH PLAIN$/i.test(line)) { authStep = 1; reply('334 '); }
          else { authStep = /^AUTH LOGIN \S+/i.test(line) ? 1 : 2; reply('334 VXNlcm5hbWU6'); }
        }
        else if (cmd === 'MAIL') { mail.from = line.replace(/^MAIL FROM:\s*/i, ''); reply('250 ok'); }
        else if (cmd === 'RCPT') { mail.to.push(line.replace(/^RCPT TO:\s*/i, '')); reply(this.rcptCode === 250 ? '250 ok' : `${this.rcptCode} no such user`); }
        else if (cmd === 'DATA') { inData = true; reply('354 go ahead'); }
        else if (cmd === 'RSET') { mail = { from: '', to: [], data: '', subject: '', text: '' }; reply('250 ok'); }
        else if (cmd === 'NOOP') reply('250 ok');
        else if (cmd === 'QUIT') { reply('221 bye'); s.end(); return; }
        else reply('502 not implemented');
      }
    });
    s.on('error', () => undefined);
  }

  /** AUTH PLAIN's "\0user\0password", or AUTH LOGIN's user then password. */
  private login(parts: string[]): void {
    if (parts.length === 1 && parts[0].includes('\u0000')) this.logins.push(parts[0].split('\u0000').slice(1).join(':'));
    else if (parts.length === 2) this.logins.push(`${parts[0]}:${parts[1]}`);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/**
 * A fake helpdesk's HTTP server on a free loopback port: each request counted on arrival
 * (`counter().arrived`), then given to `handle` after the counter's `delayMs`.
 */
export async function fakeHelpdeskServer(
  counter: () => { arrived: number; delayMs: number }, handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const c = counter();
    c.arrived++;
    if (c.delayMs > 0) setTimeout(() => handle(req, res), c.delayMs);
    else handle(req, res);
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}
