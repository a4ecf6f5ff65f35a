// What alerts say and where they go: Slack (escaping, links, limits, digest),
// webhook (event fields, stable id), e-mail over a real SMTP server on loopback,
// and redaction.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../support/cli.js';
import { compiledUrl } from '../support/compiled.js';
import { alwaysConfig, project } from '../support/project.js';
import { SmtpSink, TestServer } from '../support/servers.js';

let server: TestServer;
let smtp: SmtpSink;
beforeAll(async () => { [server, smtp] = await Promise.all([TestServer.start(), SmtpSink.start()]); });
afterAll(async () => { await Promise.all([server.close(), smtp.close()]); });

const T0 = '2025-11-03T10:00:00Z';
const on = (path: string) => server.requests.filter((r) => r.path.startsWith(path));

describe('alert messages', () => {
  it('Slack: ticket text cannot ping or forge links; webhook: event fields with a stable id; redaction applies to both', async () => {
    const nasty = '<!channel> call me <http://evil.example|click here> & <@U123>';
    const p = project({
      config: alwaysConfig({
        alerts: {
          destinations: {
            chat: { type: 'slack', url: '$CHAT_URL' },
            hook: { type: 'webhook', url: '$HOOK_URL' },
          },
          routes: [{ to: ['chat', 'hook'] }],
          ticketUrl: 'https://support.example.com/t/{id}',
          redact: ['requester'],
        },
      }),
      env: { CHAT_URL: server.url('/esc/chat'), HOOK_URL: server.url('/esc/hook') },
      tickets: [{ id: 'E1', subject: nasty, customer: 'Acme <Corp>', tier: 'gold', priority: 'high', status: 'open', assignee: 'ana', created_at: T0 }],
    });
    const r = await p.slaAsync(['check', '--at', '2025-11-03T12:30:00Z']); // first response (2h) overdue 30m
    expect(r.code, r.stderr).toBe(0);
    const chat = on('/esc/chat');
    expect(chat).toHaveLength(1);
    const body = chat[0].body;
    const msg = chat[0].json;
    for (const bad of ['<!channel>', '<http://evil.example|click here>', '<@U123>']) {
      expect(msg.text).not.toContain(bad);
      expect(JSON.stringify(msg.blocks)).not.toContain(JSON.stringify(bad).slice(1, -1));
    }
    expect(body).toContain('&lt;!channel&gt; call me &lt;http://evil.example|click here&gt; &amp; &lt;@U123&gt;');
    expect(msg.text).toMatch(/^🚨 SLA breached: #E1 high — first response overdue 30m/);
    const blocks = msg.blocks as any[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    const head = blocks[0].text.text as string;
    expect(head).toContain('<https://support.example.com/t/E1|#E1>');
    const fields = blocks[1].fields.map((f: any) => f.text).join('\n');
    expect(fields).toContain('Acme &lt;Corp&gt; (gold)');
    expect(fields).toContain('*Priority*\nhigh');
    expect(fields).toContain('*Metric*\nfirst response');
    expect(fields).toContain('*Deadline*\n2025-11-03 12:00 UTC');
    expect(fields).toContain('*Overdue*\n30m (business 30m)');
    expect(fields).toContain('*Assignee*\nana');
    expect(fields).toContain('*Policy*\np247');

    const hook = on('/esc/hook');
    expect(hook).toHaveLength(1);
    const ev = hook[0].json;
    expect(ev).toMatchObject({
      type: 'response_breached', level: 'breach', ticketId: 'E1', metric: 'first_response', at: '2025-11-03T12:00:00Z',
      deadline: '2025-11-03T12:00:00Z', subject: nasty, customer: 'Acme <Corp>', priority: 'high', policy: 'p247',
      wallMinutesLeft: -30, businessMinutesLeft: -30, destination: 'hook',
    });
    expect(ev.id).toMatch(/^sla_[0-9a-f]{24}$/);
    expect(hook[0].headers['idempotency-key']).toBe(ev.id);
    expect('requester' in ev).toBe(false); // redacted
    // The Slack message and the webhook carry the same event id (the slack text does not show it).
    const stored = p.query("SELECT payload FROM alerts WHERE destination = 'chat'")[0].payload;
    expect(JSON.parse(stored).id).toBe(ev.id);

    // Redacting the subject removes it everywhere, from then on.
    const p2 = project({
      config: alwaysConfig({ alerts: { destinations: { chat: { type: 'slack', url: '$CHAT_URL' }, hook: { type: 'webhook', url: '$HOOK_URL' } }, routes: [{ to: ['chat', 'hook'] }], redact: ['subject', 'customer'] } }),
      env: { CHAT_URL: server.url('/red/chat'), HOOK_URL: server.url('/red/hook') },
      tickets: [{ id: 'R1', subject: 'Top secret merger', customer: 'Hidden Inc', priority: 'high', status: 'open', created_at: T0 }],
    });
    expect((await p2.slaAsync(['check', '--at', '2025-11-03T12:30:00Z'])).code).toBe(0);
    expect(on('/red/chat')).toHaveLength(1);
    expect(on('/red/hook')).toHaveLength(1);
    for (const req of on('/red')) {
      expect(req.body).not.toContain('Top secret');
      expect(req.body).not.toContain('Hidden Inc');
    }
  });

  it('more than digestAbove alerts for one Slack destination in a run become one digest; a webhook still gets each', async () => {
    const p = project({
      config: alwaysConfig({
        alerts: {
          destinations: { chat: { type: 'slack', url: '$CHAT_URL' }, hook: { type: 'webhook', url: '$HOOK_URL' } },
          routes: [{ when: { type: ['response_breached'] }, to: ['chat', 'hook'] }],
          digestAbove: 10,
        },
      }),
      env: { CHAT_URL: server.url('/dig/chat'), HOOK_URL: server.url('/dig/hook') },
      tickets: Array.from({ length: 12 }, (_, i) => ({ id: `D${i + 1}`, subject: `Issue <${i}>`, priority: 'urgent', status: 'open', created_at: T0 })),
    });
    const r = await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.alerts).toMatchObject({ queued: 24, sent: 24, digests: 1, messages: 13 });
    const chat = on('/dig/chat');
    expect(chat).toHaveLength(1);
    const msg = chat[0].json;
    expect(msg.text).toMatch(/^12 SLA alerts \(12 breached\)/);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    const all = JSON.stringify(msg.blocks);
    for (let i = 1; i <= 12; i++) expect(all).toContain(`#D${i}`);
    expect(all).toContain('Issue &lt;3&gt;');
    for (const b of msg.blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(on('/dig/hook')).toHaveLength(12);
  });

  it('e-mail over SMTP: one message per alert, the subject says what happened, no credentials anywhere', async () => {
    const p = project({
      config: alwaysConfig({
        alerts: {
          destinations: { leads: { type: 'email', smtp: '$SLA_SMTP_URL', from: 'sla@example.com', to: ['leads@example.com', 'boss@example.com'] } },
          routes: [{ to: ['leads'] }],
        },
      }),
      env: { SLA_SMTP_URL: smtp.url() },
      tickets: [{ id: '1234', subject: 'VPN down', customer: 'Acme', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    const r = await p.slaAsync(['check', '--at', '2025-11-03T11:35:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(smtp.mails).toHaveLength(1); // the warning was overtaken by the breach: only the breach
    const m = smtp.mails[0];
    expect(m.subject).toBe('[SLA breached] #1234 urgent — first response overdue 35m');
    expect(m.to).toEqual(['<leads@example.com>', '<boss@example.com>']);
    expect(m.from).toContain('sla@example.com');
    expect(m.text).toMatch(/^Subject:\s+VPN down$/m);
    expect(m.text).toMatch(/^Overdue:\s+35m \(business 35m\)$/m);
    expect(m.text).toMatch(/^Assignee:\s+unassigned$/m);
    expect(r.stdout + r.stderr).not.toContain('secret-password');

    // A refused recipient (5xx) is permanent: reported, exit 1.
    smtp.rcptCode = 550;
    try {
      const r2 = await p.slaAsync(['check', '--at', '2025-11-03T14:05:00Z']);
      expect(r2.code).toBe(1);
      expect(r2.stderr).toMatch(/to "leads" failed: SMTP/);
      expect(r2.stderr).not.toContain('secret-password');
    } finally {
      smtp.rcptCode = 250;
    }
  });

  it('an SMTP password with "#", "@" and a backslash logs in as it is, and is printed nowhere (a Node warning printed the whole URL)', async () => {
    const secret = 'pa#ss@w\\rd';
    const p = project({
      config: alwaysConfig({
        alerts: {
          destinations: { leads: { type: 'email', smtp: '$SMTP_URL', from: 'sla@example.com', to: ['leads@example.com'] } },
          routes: [{ to: ['leads'] }],
        },
      }),
      env: { SMTP_URL: `smtp://sla:${secret}@127.0.0.1:${smtp.port}` },
      tickets: [{ id: 'S1', subject: 'VPN down', customer: 'Acme', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    const before = smtp.mails.length;
    const r = await p.slaAsync(['check', '--at', '2025-11-03T11:35:00Z', '--verbose']);
    expect(r.code, r.stderr).toBe(0);
    expect(smtp.mails.length).toBe(before + 1);
    expect(smtp.logins.at(-1)).toBe(`sla:${secret}`);
    const places = [r.stdout, r.stderr, ...readdirSync(p.dir).map((f) => readFileSync(join(p.dir, f)).toString('latin1'))];
    for (const text of places) for (const leak of ['pa#ss', encodeURIComponent(secret)]) expect(text).not.toContain(leak);
  });

  it('a warning a library prints with a URL shows it without its password', () => {
    // what nodemailer did with a URL holding "#" or a backslash: Node's url.parse warns with the whole URL
    const script = `import(${JSON.stringify(compiledUrl('cli.js'))}).then(async (m) => {
      await m.main(['node', 'sla', '--version']);
      (await import('node:url')).parse('smtp://sla:pa#ss\\\\x@127.0.0.1:25');
    });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: childEnv() });
    expect(r.stderr).toMatch(/^sla: warning: DeprecationWarning \[DEP0170\]: The URL smtp:\/\/sla:\*\*\*@127\.0\.0\.1:25 is invalid/m);
    expect(r.stderr).not.toContain('pa#ss');
  });

  it('an unset secret keeps alerts queued and says which variable (exit 1), then delivers once it is set', async () => {
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { chat: { type: 'slack', url: '$NOT_SET_URL' } }, routes: [{ to: ['chat'] }] } }),
      tickets: [{ id: 'S1', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    const r = await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\$NOT_SET_URL/);
    const ok = await p.slaAsync(['check', '--at', '2025-11-03T11:30:00Z'], { env: { NOT_SET_URL: server.url('/unset') } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(on('/unset')).toHaveLength(1);
  });
});
