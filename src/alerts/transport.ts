// Sending one message to one destination: HTTP POST (Slack, Teams, webhook) with undici,
// SMTP with nodemailer, or a line appended to a file. Each returns an Outcome that
// says whether to retry. Error texts never contain a URL, header or credential:
// they are built from status codes and error codes only.

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Agent } from 'undici';
import type { Transporter } from 'nodemailer';
import { describeNetworkError, envMs, parseRetryAfter, sleep } from '../http.js';

export { describeNetworkError, parseRetryAfter, sleep };

export type Outcome =
  | { ok: true }
  | {
    ok: false; permanent: boolean; error: string; retryAfterMs?: number;
    /** 410 Gone: the receiver wants nothing more from this sender (the destination is disabled). */
    gone?: true;
  };

/** One e-mail, as handed to the SMTP server. */
export interface Mail { from: string; to: string[]; subject: string; text: string; messageId: string }

export interface Tuning {
  /** Connect, headers and body timeouts (SLA_HTTP_TIMEOUT_MS, default 5000). */
  timeoutMs: number;
  /** Base of the in-run backoff (SLA_RETRY_BASE_MS, default 500). */
  retryBaseMs: number;
  /** Attempts per alert within one run. */
  inRunAttempts: number;
  /** Longest wait between two attempts within a run (longer Retry-After: left for a later run). */
  maxInRunWaitMs: number;
  /** Cap on Retry-After. */
  retryAfterCapMs: number;
  /** At most one message per this many ms per Slack webhook (SLA_SLACK_INTERVAL_MS, default 1000). */
  slackIntervalMs: number;
  /** How long a claimed alert stays reserved for the run that claimed it, on the real clock (SLA_LEASE_MS, default 60 s; renewed every third of it while the run works). */
  leaseMs: number;
}

export function tuningFromEnv(env: NodeJS.ProcessEnv): Tuning {
  return {
    timeoutMs: envMs(env, 'SLA_HTTP_TIMEOUT_MS', 5000),
    retryBaseMs: envMs(env, 'SLA_RETRY_BASE_MS', 500),
    inRunAttempts: 3,
    maxInRunWaitMs: 5000,
    retryAfterCapMs: 60_000,
    slackIntervalMs: envMs(env, 'SLA_SLACK_INTERVAL_MS', 1000),
    leaseMs: Math.max(100, envMs(env, 'SLA_LEASE_MS', 60_000)),
  };
}

function classifyStatus(status: number, body: string, retryAfterMs: number | null): Outcome {
  if (status >= 200 && status < 300) return { ok: true };
  // Slack answers with short error codes (invalid_payload, no_service …): safe to show.
  const detail = /^[a-z_]{1,60}$/.test(body.trim()) ? ` (${body.trim()})` : '';
  const error = `HTTP ${status}${detail}`;
  if (status === 410) return { ok: false, permanent: true, error: `HTTP 410 Gone${detail}`, gone: true };
  if (status === 429 || status === 408 || status >= 500) {
    return retryAfterMs === null ? { ok: false, permanent: false, error } : { ok: false, permanent: false, error, retryAfterMs };
  }
  return { ok: false, permanent: true, error };
}

export class Transport {
  private agent: Agent | null = null;
  private readonly lastPost = new Map<string, number>();
  private readonly mailers = new Map<string, Transporter>();

  constructor(readonly tuning: Tuning) {}

  private undici: typeof import('undici') | null = null;

  /** undici is loaded on the first delivery only: a run with nothing to send starts faster. */
  private async dispatcher(): Promise<{ agent: Agent; request: typeof import('undici').request }> {
    if (!this.undici) this.undici = await import('undici');
    if (!this.agent) {
      const t = this.tuning.timeoutMs;
      this.agent = new this.undici.Agent({ connect: { timeout: t }, headersTimeout: t, bodyTimeout: t, keepAliveTimeout: 2000 });
    }
    return { agent: this.agent, request: this.undici.request };
  }

  /** POST a JSON body; the body of the answer is always read to the end. */
  postJson(url: string, headers: Record<string, string>, body: unknown): Promise<Outcome> {
    return this.postJsonText(url, headers, JSON.stringify(body));
  }

  /** POST JSON already serialized (a signed body must be sent as the very bytes signed). */
  async postJsonText(url: string, headers: Record<string, string>, json: string): Promise<Outcome> {
    try {
      const { agent, request } = await this.dispatcher();
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'sla-monitor', ...headers },
        body: json,
        dispatcher: agent,
        headersTimeout: this.tuning.timeoutMs,
        bodyTimeout: this.tuning.timeoutMs,
      });
      const text = await res.body.text();
      const retryAfter = parseRetryAfter(res.headers['retry-after'], Date.now(), this.tuning.retryAfterCapMs);
      return classifyStatus(res.statusCode, text.slice(0, 200), retryAfter);
    } catch (err) {
      return describeNetworkError(err);
    }
  }

  /** Wait so that one Slack webhook gets at most one message per interval. */
  slackTurn(url: string): Promise<void> {
    return this.pace(url, this.tuning.slackIntervalMs);
  }

  /** Wait so that `url` gets at most one message per `intervalMs` (a webhook's documented rate). */
  async pace(url: string, intervalMs: number): Promise<void> {
    const last = this.lastPost.get(url);
    const wait = last === undefined ? 0 : last + intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    this.lastPost.set(url, Date.now());
  }

  async mail(smtpUrl: string, msg: Mail): Promise<Outcome> {
    try {
      let mailer = this.mailers.get(smtpUrl);
      if (!mailer) {
        const server = smtpServer(smtpUrl);
        if (server === null) return { ok: false, permanent: true, error: 'the SMTP URL is not smtp[s]://user:password@host[:port]' };
        const { default: nodemailer } = await import('nodemailer');
        const t = this.tuning.timeoutMs;
        mailer = nodemailer.createTransport({ ...server, connectionTimeout: t, greetingTimeout: t, socketTimeout: t * 2 } as never);
        this.mailers.set(smtpUrl, mailer);
      }
      await mailer.sendMail({ from: msg.from, to: msg.to, subject: msg.subject, text: msg.text, messageId: msg.messageId });
      return { ok: true };
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; command?: string };
      if (typeof e.responseCode === 'number') {
        const error = `SMTP ${e.responseCode}${e.command ? ` after ${e.command.split(' ')[0]}` : ''}`;
        return { ok: false, permanent: e.responseCode >= 500, error };
      }
      if (e.code === 'EAUTH') return { ok: false, permanent: true, error: 'SMTP login refused' };
      if (e.code === 'EENVELOPE') return { ok: false, permanent: true, error: 'SMTP refused the sender or recipients' };
      if (e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT' || e.code === 'ESOCKET' || e.code === 'EDNS') {
        return { ok: false, permanent: false, error: `SMTP ${e.code === 'ETIMEDOUT' ? 'timeout' : 'connection failed'}` };
      }
      const net = describeNetworkError(err);
      return net.ok ? net : { ...net, error: `SMTP ${net.error}` };
    }
  }

  appendLine(path: string, value: unknown): Outcome {
    try {
      // Alerts carry ticket facts (customer data): a new file is the owner's alone (0600, not
      // the database's 0640: only sla and whoever runs as its user read it), whatever the
      // umask; an existing file keeps the mode its owner gave it (a group added on purpose).
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      appendFileSync(path, JSON.stringify(value) + '\n', { mode: 0o600 });
      return { ok: true };
    } catch (err) {
      return { ok: false, permanent: false, error: `cannot append to the file (${(err as { code?: string }).code ?? 'error'})` };
    }
  }

  async close(): Promise<void> {
    const agent = this.agent;
    this.agent = null;
    if (agent) await agent.destroy().catch(() => undefined);
    for (const m of this.mailers.values()) m.close();
    this.mailers.clear();
  }
}


/**
 * nodemailer's options for an smtp:// or smtps:// URL, parsed here. Given the URL itself,
 * nodemailer parses it with Node's legacy url.parse, whose deprecation warning for a URL
 * with "#" or a backslash prints it whole, password included. The user and the password are
 * what comes before the last "@" (split at the first ":"), so "#", "@" or a backslash in a password
 * need no escaping; %XX escapes are decoded. Null when it is no such URL.
 */
export function smtpServer(url: string): { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } } | null {
  const m = /^(smtps?):\/\/(?:(.*)@)?([^@/?]+)\/?(\?.*)?$/i.exec(url.trim());
  if (!m) return null;
  const secure = m[1].toLowerCase() === 'smtps';
  const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(m[3]);
  if (!hostPort) return null;
  const host = hostPort[1].replace(/^\[(.*)\]$/, '$1');
  const port = hostPort[2] !== undefined ? Number(hostPort[2]) : secure ? 465 : 587;
  const decode = (x: string): string => { try { return decodeURIComponent(x); } catch { return x; } };
  if (m[2] === undefined) return { host, port, secure };
  const colon = m[2].indexOf(':');
  const user = decode(colon < 0 ? m[2] : m[2].slice(0, colon));
  const pass = colon < 0 ? '' : decode(m[2].slice(colon + 1));
  return { host, port, secure, auth: { user, pass } };
}
