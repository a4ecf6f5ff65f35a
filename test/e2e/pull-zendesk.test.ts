// `sla pull` from Zendesk, against a local server that answers as Zendesk's API reference
// documents (test/support/zendesk.ts cites the pages): the cursor-based incremental ticket export,
// ticket audits, users; 401 for a wrong token, 429 with Retry-After, 5xx, stalls, a refused cursor.
// The SLA numbers of the fixture are worked by hand in the comments (one 24×7 policy).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { alwaysConfig, project, type Project } from '../support/project.js';
import { histories, killedPulls } from '../support/pull.js';
import { TestServer } from '../support/servers.js';
import { FakeZendesk } from '../support/zendesk.js';

let zd: FakeZendesk;
beforeAll(async () => { zd = await FakeZendesk.start(); });
afterAll(async () => { await zd.close(); });

const REQ = 1; // Rae Customer (end-user)
const CC = 2; // Cal Colleague (end-user, copied on a ticket)
const ANA = 10; // agents
const BO = 11;
const NOW = '2026-11-10T00:00:00Z';

function config(over: Record<string, unknown> = {}): Record<string, unknown> {
  return alwaysConfig({
    priorityAliases: { normal: 'medium' },
    sources: { support: { type: 'zendesk', subdomain: 'acme', email: 'ops@acme.example', token: '$ZENDESK_TOKEN', url: zd.url } },
    ...over,
  });
}

function zendeskProject(over: Record<string, unknown> = {}): Project {
  return project({ config: config(over), env: { ZENDESK_TOKEN: zd.token } });
}

/** A project whose alerts all go to `hook` (answering 200). */
function hookedProject(hook: TestServer): Project {
  hook.respond({ status: 200, body: 'ok' });
  return zendeskProject({ alerts: { destinations: { hook: { type: 'webhook', url: hook.url('/sla') } }, routes: [{ to: ['hook'] }] } });
}

/**
 * The fixture (targets: urgent 1h / 4h, high 2h / 8h, medium 4h / 16h; pending pauses).
 * - 101 urgent, 09:00: Ana replies publicly at 09:20 and sets pending (first response 20 min);
 *   the customer answers at 11:20 (open again); Ana solves at 13:00. Resolution: 4h − 2h
 *   paused = 2h = 120 min, met.
 * - 102 high, 09:00: the customer adds a public comment at 10:00 (not a response), Bo writes
 *   a private note at 09:30 (not one either), a colleague of the customer comments publicly at
 *   10:30 (an end-user: not one), Bo replies publicly at 12:00: first response 3h > 2h, breached.
 * - 103 normal (= medium), 09:00; Ana raises it to urgent at 10:00 (the targets stay the
 *   medium ones: the priority at the start of the clock) and solves it at 11:00; the customer
 *   reopens it at 14:00; Ana solves it again at 15:00: resolved at 15:00; the resolution clock
 *   counts 09:00–11:00 and 14:00–15:00 (it stands still while the ticket is solved) = 180 min.
 * - 104 high, created by Ana for the customer (her comment is the request, not a reply), put on
 *   hold at 09:10 (hold is in_progress: the clock runs); first response none yet.
 * - 105: deleted in Zendesk: left out, counted.
 */
function fixture(): void {
  zd.tickets.clear();
  zd.audits.clear();
  zd.user(REQ, 'Rae Customer', 'end-user');
  zd.user(CC, 'Cal Colleague', 'end-user');
  zd.user(ANA, 'Ana Agent', 'agent');
  zd.user(BO, 'Bo Admin', 'admin');
  zd.create(101, '2026-11-02T09:00:00Z', { requester: REQ, priority: 'urgent', subject: 'Checkout down', organization: 501, tags: ['vip'] });
  zd.update(101, '2026-11-02T09:20:00Z', ANA, { comment: 'public', status: 'pending', assignee: ANA });
  zd.update(101, '2026-11-02T11:20:00Z', REQ, { comment: 'public', status: 'open' });
  zd.update(101, '2026-11-02T13:00:00Z', ANA, { comment: 'public', status: 'solved' });
  zd.create(102, '2026-11-02T09:00:00Z', { requester: REQ, priority: 'high' });
  zd.update(102, '2026-11-02T09:30:00Z', BO, { comment: 'private', status: 'open' });
  zd.update(102, '2026-11-02T10:00:00Z', REQ, { comment: 'public' });
  zd.update(102, '2026-11-02T10:30:00Z', CC, { comment: 'public' });
  zd.update(102, '2026-11-02T12:00:00Z', BO, { comment: 'public' });
  zd.create(103, '2026-11-03T09:00:00Z', { requester: REQ, priority: 'normal' });
  zd.update(103, '2026-11-03T10:00:00Z', ANA, { priority: 'urgent', status: 'open' });
  zd.update(103, '2026-11-03T11:00:00Z', ANA, { comment: 'public', status: 'solved' });
  zd.update(103, '2026-11-03T14:00:00Z', REQ, { comment: 'public', status: 'open' });
  zd.update(103, '2026-11-03T15:00:00Z', ANA, { status: 'solved' });
  zd.create(104, '2026-11-04T09:00:00Z', { requester: REQ, priority: 'high', by: ANA, status: 'open' });
  zd.update(104, '2026-11-04T09:10:00Z', ANA, { status: 'hold' });
  zd.create(105, '2026-11-04T10:00:00Z', { requester: REQ, priority: 'low' });
  zd.delete(105, '2026-11-04T11:00:00Z');
}

afterEach(() => {
  zd.maxPerPage = 1000;
  zd.overlap = 0;
  zd.delayMs = 0;
  zd.auditsPerPage = 100;
  zd.expiredCursors.clear();
});

describe('sla pull (Zendesk)', () => {
  it('pulls tickets with their history: first responses, pauses, reopens and priority changes give the hand-worked SLA numbers', async () => {
    fixture();
    const p = zendeskProject();
    const r = await p.slaAsync(['--at', NOW, 'pull', 'support', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ source: 'support', type: 'zendesk', status: 'ok', tickets: 4, ticketsNew: 4, firstPull: true });
    expect(s.skipped).toEqual({ 'tickets deleted in Zendesk (left as they are)': 1 });

    const t101 = p.show('101', NOW);
    expect(t101).toMatchObject({ status: 'resolved', priority: 'urgent', subject: 'Checkout down', customer: '501', assignee: 'Ana Agent', requester: 'rae.customer@example.com', tags: ['vip'], channel: 'web' });
    expect(t101.metrics.first_response).toMatchObject({ status: 'met', elapsed: 20 });
    expect(t101.metrics.resolution).toMatchObject({ status: 'met', elapsed: 120 });
    expect(t101.slaTotalPausedTime).toBe(120);

    const t102 = p.show('102', NOW);
    expect(t102.metrics.first_response).toMatchObject({ status: 'breached', elapsed: 180, stoppedAt: '2026-11-02T12:00:00Z' });
    expect(t102.status).toBe('open');

    const t103 = p.show('103', NOW);
    expect(t103).toMatchObject({ status: 'resolved', priority: 'urgent', resolvedAt: '2026-11-03T15:00:00Z' });
    expect(t103.metrics.first_response).toMatchObject({ status: 'met', elapsed: 120, target: 240 });
    expect(t103.metrics.resolution).toMatchObject({ status: 'met', elapsed: 180, target: 960 });

    const t104 = p.show('104', NOW);
    expect(t104.status).toBe('in_progress');
    expect(t104.firstResponseAt).toBeNull(); // the agent's own request is no reply
    expect(t104.metrics.first_response.status).toBe('breached');
    expect(p.sla(['show', '105']).code).not.toBe(0);
  });

  it('pulls only what changed since the cursor; a pull with nothing new reads one page; `sla runs --pulls` and `sla metrics` show the pulls', async () => {
    fixture();
    const p = zendeskProject();
    expect((await p.slaAsync(['--at', NOW, 'pull', 'support', '--quiet'])).code).toBe(0);
    zd.log.length = 0;
    zd.update(102, '2026-11-05T10:00:00Z', BO, { comment: 'public', status: 'solved' });
    const second = await p.slaAsync(['--at', NOW, 'pull', 'support', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ tickets: 1, ticketsUpdated: 1, ticketsNew: 0, firstPull: false, status: 'ok' });
    expect(zd.log.filter((l) => l.path.endsWith('/audits.json')).map((l) => l.path)).toEqual(['/api/v2/tickets/102/audits.json']);
    expect(p.show('102', NOW)).toMatchObject({ status: 'resolved', resolvedAt: '2026-11-05T10:00:00Z' });

    zd.log.length = 0;
    const third = await p.slaAsync(['--at', NOW, 'pull', 'support', '--json']);
    expect(JSON.parse(third.stdout)).toMatchObject({ tickets: 0, requests: 1, status: 'ok' });
    expect(zd.log).toHaveLength(1);

    const pulls = p.json(['runs', '--pulls']);
    expect(pulls.map((x: any) => x.status)).toEqual(['ok', 'ok', 'ok']);
    expect(pulls[1].cursorBefore).toBe(pulls[2].cursorAfter); // newest first: each starts where the last ended
    expect(pulls[0].cursorBefore).toBe(pulls[1].cursorAfter);
    expect(pulls[2]).toMatchObject({ tickets: 4, source: 'support' });
    expect(p.out(['runs', '--pulls'])).toMatch(/^\| 3 +\| support .*\| 1 +\| ok +\|$/m);
    const metrics = p.out(['metrics']);
    const age = /^sla_pull_cursor_age_seconds\{source="support"\} (\S+)$/m.exec(metrics);
    expect(age).not.toBeNull();
    expect(Number(age![1])).toBeLessThan(120); // real clock: the last pull was just now
  });

  it('rides out a 429 (Retry-After), a 500 and a stalled request mid-walk, pages that repeat and audits over several pages: the same tickets as a clean pull', async () => {
    fixture();
    const clean = zendeskProject();
    expect((await clean.slaAsync(['--at', NOW, 'pull', 'support'])).code).toBe(0);

    zd.maxPerPage = 2;
    zd.overlap = 1;
    zd.auditsPerPage = 1;
    zd.fault(/incremental.*cursor=/, { status: 500 });
    zd.fault(/audits\.json\?page=2/, { status: 429, retryAfter: '1' });
    zd.fault(/show_many/, 'stall');
    zd.log.length = 0;
    const p = zendeskProject();
    const r = await p.slaAsync(['--at', NOW, 'pull', 'support', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ status: 'ok', tickets: 4 });
    expect(s.rowsKnown).toBeGreaterThan(0); // the repeated tickets' rows, recognised
    const answers = zd.log.map((l) => l.status);
    expect(answers).toContain(500);
    expect(answers).toContain(429);
    expect(answers).toContain('stall');
    const at429 = zd.log.findIndex((l) => l.status === 429);
    expect(zd.log[at429 + 1]).toBeDefined();
    expect(histories(p)).toEqual(histories(clean));
  });

  it('a refused token, a wrong subdomain, a token in the file, an unknown source: one line each, saying what to check', async () => {
    fixture();
    const p = zendeskProject();
    const bad = await p.slaAsync(['pull', 'support'], { env: { ZENDESK_TOKEN: 'wrong' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/support: the helpdesk refused the credentials \(HTTP 401\) — check sources\.support\.email and the API token in \$ZENDESK_TOKEN/);
    expect(bad.stderr).not.toContain('wrong');
    expect(p.json(['runs', '--pulls'])[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('HTTP 401') });

    const lost = project({ config: config({ sources: { support: { type: 'zendesk', subdomain: 'acme', email: 'ops@acme.example', token: '$ZENDESK_TOKEN', url: `${zd.url}/nowhere` } } }), env: { ZENDESK_TOKEN: zd.token } });
    const r404 = await lost.slaAsync(['pull', 'support']);
    expect(r404.code).toBe(1);
    expect(r404.stderr).toMatch(/no such helpdesk account or endpoint \(HTTP 404\) — check sources\.support\.subdomain/);

    const literal = project({ config: config({ sources: { support: { type: 'zendesk', subdomain: 'acme', email: 'ops@acme.example', token: 'abc123' } } }) });
    const r2 = literal.sla(['pull', 'support']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/sources\.support\.token: an API token is a secret: write "\$ZENDESK_TOKEN" here/);
    expect(r2.stderr).not.toContain('abc123');

    const r3 = p.sla(['pull', 'helpdesk']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/no source "helpdesk" in the config — the config's sources: support/);

    const lint = p.sla(['config', 'check'], { env: { ZENDESK_TOKEN: '' } });
    expect(lint.stdout + lint.stderr).toMatch(/sources\.support\.token.*\$ZENDESK_TOKEN is not set here/);
  });

  it('a saved cursor the helpdesk no longer takes: a clear error, and --since starts over without duplicating anything', async () => {
    fixture();
    const p = zendeskProject();
    expect((await p.slaAsync(['--at', NOW, 'pull', 'support'])).code).toBe(0);
    const before = p.query('SELECT id, history FROM tickets ORDER BY id');
    const cursor = JSON.parse(p.json(['runs', '--pulls'])[0].cursorAfter).after;
    zd.expiredCursors.add(cursor);
    const r = await p.slaAsync(['--at', NOW, 'pull', 'support']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Zendesk refused the saved cursor .*sla pull support --since/);
    const again = await p.slaAsync(['--at', NOW, 'pull', 'support', '--since', '2026-11-01', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ticketsUnchanged: 4, events: 0 });
    expect(p.query('SELECT id, history FROM tickets ORDER BY id')).toEqual(before);
  });

  it('stops at --max-time (exit 1, the check waits) and the next pull resumes: the same tickets as one pull', async () => {
    fixture();
    const clean = zendeskProject();
    expect((await clean.slaAsync(['--at', NOW, 'pull', 'support'])).code).toBe(0);
    zd.maxPerPage = 1;
    zd.delayMs = 150;
    const p = zendeskProject();
    const r = await p.slaAsync(['--at', NOW, 'pull', 'support', '--max-time', '1s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/support: the helpdesk's changes are not all in yet \(the time budget ran out\); the next pull resumes/);
    const first = p.json(['runs', '--pulls'])[0];
    expect(first.status).toBe('partial');
    expect(first.tickets).toBeLessThan(4);
    zd.delayMs = 0;
    const rest = await p.slaAsync(['--at', NOW, 'pull', 'support', '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout).status).toBe('ok');
    expect(histories(p)).toEqual(histories(clean));
  });

  it('killed at 20 random moments, then pulled again: exactly the history of one uninterrupted pull', async () => {
    fixture();
    for (let i = 0; i < 12; i++) zd.create(200 + i, `2026-11-05T0${i % 10}:00:00Z`, { requester: REQ, priority: 'high' });
    for (let i = 0; i < 12; i++) zd.update(200 + i, `2026-11-06T0${i % 10}:30:00Z`, ANA, { comment: 'public', status: i % 2 ? 'pending' : 'solved' });
    const clean = zendeskProject();
    expect((await clean.slaAsync(['--at', NOW, 'pull', 'support'])).code).toBe(0);
    zd.maxPerPage = 2;
    zd.delayMs = 30;
    await killedPulls(zendeskProject(), clean, ['--at', NOW, 'pull', 'support'], zd);
  }, 60_000);

  it('maps custom fields (tier from a custom field, its words through values) and counts a mapped field no ticket has', async () => {
    fixture();
    zd.create(301, '2026-11-05T09:00:00Z', { requester: REQ, priority: 'urgent', custom: [{ id: 360, value: 'gold' }] });
    const p = project({
      config: config({
        sources: { support: {
          type: 'zendesk', subdomain: 'acme', email: 'ops@acme.example', token: '$ZENDESK_TOKEN', url: zd.url,
          mapping: { columns: { tier: 'custom_fields.360', 'custom.region': 'custom_fields.999' }, values: { tier: { gold: 'enterprise' } } },
        } },
        policies: [
          { name: 'enterprise', match: { tier: ['enterprise'] }, calendar: 'always', targets: { urgent: { firstResponse: '15m', resolution: '2h' } } },
          { name: 'p247', calendar: 'always', targets: { urgent: { firstResponse: '1h', resolution: '4h' }, high: { firstResponse: '2h', resolution: '8h' }, medium: { firstResponse: '4h', resolution: '16h' } } },
        ],
      }),
      env: { ZENDESK_TOKEN: zd.token },
    });
    const r = await p.slaAsync(['--at', NOW, 'pull', 'support']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tickets without the field "custom_fields\.999" \(mapped to custom\.region\): 5/);
    expect(p.show('301', NOW)).toMatchObject({ tier: 'enterprise', policy: 'enterprise' });
    expect(p.show('101', NOW)).toMatchObject({ tier: null, policy: 'p247' });
  });

  it('a mapping file for a source: its columns and values are used; keys a pull does not use are a config error', async () => {
    fixture();
    zd.create(301, '2026-11-05T09:00:00Z', { requester: REQ, priority: 'urgent', custom: [{ id: 360, value: 'gold' }] });
    const source = (mapping: string) => ({ sources: { support: { type: 'zendesk', subdomain: 'acme', email: 'ops@acme.example', token: '$ZENDESK_TOKEN', url: zd.url, mapping } } });
    const p = project({ config: config(source('zd.json')), env: { ZENDESK_TOKEN: zd.token } });
    p.write('zd.json', JSON.stringify({ description: 'tiers', columns: { tier: 'custom_fields.360' }, values: { tier: { gold: 'enterprise' } } }));
    const r = await p.slaAsync(['--at', NOW, 'pull', 'support']);
    expect(r.code, r.stderr).toBe(0);
    expect(p.show('301', NOW).tier).toBe('enterprise');
    p.write('events.json', JSON.stringify({ kind: 'events', columns: { tier: 'custom_fields.360' } }));
    const q = project({ config: config(source('events.json')), env: { ZENDESK_TOKEN: zd.token } });
    q.write('events.json', JSON.stringify({ kind: 'events', columns: { tier: 'custom_fields.360' } }));
    const bad = q.sla(['pull', 'support']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/sources\.support\.mapping: the mapping file events\.json has "kind", which a pull does not use/);
  });

  it('end to end: pull from the helpdesk, then check sends the breach to a webhook', async () => {
    fixture();
    const hook = await TestServer.start();
    try {
      const p = hookedProject(hook);
      expect((await p.slaAsync(['--at', '2026-11-04T09:30:00Z', 'pull', 'support'])).code).toBe(0);
      const c = await p.slaAsync(['--at', '2026-11-04T11:30:00Z', 'check']);
      expect(c.code, c.stderr).toBe(0);
      const sent = hook.on('/sla').map((x) => x.json);
      // 104 (high, created 09:00, no reply): first response due 11:00, breached by 11:30
      expect(sent.some((e) => e.ticketId === '104' && e.type === 'response_breached')).toBe(true);
      // 101 was answered within its hour: nothing about its first response
      expect(sent.some((e) => e.ticketId === '101' && String(e.type).startsWith('response'))).toBe(false);
    } finally {
      await hook.close();
    }
  });

  it('sla watch --pull: pulls before each check; a check waits while the helpdesk refuses, and watching goes on', async () => {
    fixture();
    const hook = await TestServer.start();
    try {
      const p = hookedProject(hook);
      const { child, done } = p.spawn(['watch', '--pull', 'support', '--schedule', '* * * * * *', '--at', '2026-11-04T11:30:00Z']);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const until = async (cond: () => boolean, what: string): Promise<void> => {
        const end = Date.now() + 15_000;
        while (!cond()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${out}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await until(() => /run \d+ ok: .* · pull: 4 tickets/.test(out), 'a run with its pull');
      await until(() => hook.on('/sla').some((x) => x.json?.ticketId === '104'), 'the breach of 104');
      // a new ticket arrives in Zendesk: the next run pulls it
      zd.create(106, '2026-11-04T09:00:00Z', { requester: REQ, priority: 'urgent' });
      await until(() => hook.on('/sla').some((x) => x.json?.ticketId === '106'), 'the breach of the new ticket 106');
      // the token stops working: runs fail (no check on stale data), watching goes on
      zd.token = 'rotated';
      await until(() => /run FAILED: support: the helpdesk refused the credentials \(HTTP 401\).*watching goes on/.test(out), 'a failed pull');
      child.kill('SIGTERM');
      const r = await done;
      expect(r.code, r.stderr).toBe(0);
    } finally {
      zd.token = 'zd-secret-token';
      await hook.close();
    }
  });

  it('pull --help gives the README\'s crontab line: pull, and check only when the pull got every change in', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => /^\*\/5 \* \* \* \* sla pull /.test(l));
    expect(line).toBe('*/5 * * * * sla pull support --quiet && sla check --quiet');
    expect(zendeskProject().out(['pull', '--help'])).toContain(line);
  });
});

