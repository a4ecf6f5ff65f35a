// `sla check` end to end: the real CLI against a real local HTTP server, time via --at
// (leases are on the real clock: a later run is told by SLA_CLOCK_SKEW_MS).
// Exactly once (also under 10 concurrent checks), never lost (retries across runs,
// SIGKILL during delivery), permanent failures, --fail-on, crontab quiet, cron's env.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, slaAsync } from '../support/cli.js';
import { alwaysConfig, project } from '../support/project.js';
import { TestServer } from '../support/servers.js';

let server: TestServer;
beforeAll(async () => { server = await TestServer.start(); });
afterAll(async () => { await server.close(); });

const SECRET = 'T0KEN-9f8e7d6c5b4a';
const T0 = '2025-11-03T10:00:00Z';
const at = (hhmm: string, day = '2025-11-03'): string => `${day}T${hhmm}:00Z`;

/** Slack destinations for warnings and breaches (URLs from the environment), plus a webhook. */
function slackConfig(prefix: string): { config: Record<string, unknown>; env: NodeJS.ProcessEnv } {
  return {
    config: alwaysConfig({
      alerts: {
        destinations: {
          warnings: { type: 'slack', url: '$SLACK_WARN' },
          breaches: { type: 'slack', url: '${SLACK_BREACH}' },
        },
        routes: [
          { when: { type: ['response_warning', 'resolution_warning'] }, to: ['warnings'] },
          { when: { type: ['response_breached', 'resolution_breached'] }, to: ['breaches'] },
        ],
        ticketUrl: 'https://support.example.com/tickets/{id}',
      },
    }),
    env: { SLACK_WARN: server.url(`/${prefix}/warn/${SECRET}`), SLACK_BREACH: server.url(`/${prefix}/breach/${SECRET}`) },
  };
}

function webhookConfig(): Record<string, unknown> {
  return alwaysConfig({
    alerts: {
      destinations: { pager: { type: 'webhook', url: '$PAGER_URL', headers: { Authorization: 'Bearer $PAGER_TOKEN' } } },
      routes: [{ when: { type: ['response_breached', 'resolution_breached'] }, to: ['pager'] }],
    },
  });
}

const on = (path: string) => server.requests.filter((r) => r.path.startsWith(path));

describe('sla check', () => {
  it('announces the warning, then the breach, on later runs; says nothing when nothing is new; keeps secrets out', async () => {
    const { config, env } = slackConfig('seq');
    const p = project({ config, env, tickets: [{ id: '1001', subject: 'Printer on fire', customer: 'Acme', tier: 'gold', priority: 'urgent', status: 'open', created_at: T0 }] });

    const quiet = await p.slaAsync(['check', '--at', at('10:30')]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(on('/seq')).toHaveLength(0);

    const warn = await p.slaAsync(['check', '--at', at('10:50')]);
    expect(warn.code, warn.stderr).toBe(0);
    expect(warn.stdout).toMatch(/1 at risk · 1 alert sent/);
    expect(on('/seq/warn')).toHaveLength(1);
    const w = on('/seq/warn')[0];
    expect(w.method).toBe('POST');
    expect(w.json.text).toContain('⚠️');
    expect(w.json.text).toContain('#1001');
    expect(JSON.stringify(w.json.blocks)).toContain('<https://support.example.com/tickets/1001|#1001>');

    const again = await p.slaAsync(['check', '--at', at('10:55')]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(on('/seq')).toHaveLength(1);

    const breach = await p.slaAsync(['check', '--at', at('11:05')]);
    expect(breach.code, breach.stderr).toBe(0);
    expect(breach.stdout).toMatch(/1 breached/);
    expect(on('/seq/breach')).toHaveLength(1);
    const b = on('/seq/breach')[0].json;
    expect(b.text).toMatch(/^🚨 SLA breached: #1001 urgent — first response overdue 5m/);
    expect(JSON.stringify(b.blocks)).toMatch(/2025-11-03 11:00 UTC/);
    expect(JSON.stringify(b.blocks)).toMatch(/unassigned/);

    // What was recorded: events at their own instants (a breach at dueAt), one run per check.
    const events = p.show('1001').slaEvents.map((e: any) => ({ type: e.type, dueAt: e.dueAt, announced: e.announced }));
    expect(events).toEqual([
      { type: 'response_warning', dueAt: at('10:48'), announced: true },
      { type: 'response_breached', dueAt: at('11:00'), announced: true },
    ]);
    const runs = JSON.parse((await p.slaAsync(['runs', '--format', 'json'])).stdout);
    expect(runs).toHaveLength(4);
    expect(runs.map((r: any) => [r.events, r.alertsSent, r.status])).toEqual([[1, 1, 'ok'], [0, 0, 'ok'], [1, 1, 'ok'], [0, 0, 'ok']]);
    const alerts = JSON.parse((await p.slaAsync(['alerts', '--format', 'json'])).stdout);
    expect(alerts.map((a: any) => [a.type, a.destination, a.status])).toEqual([
      ['response_breached', 'breaches', 'sent'], ['response_warning', 'warnings', 'sent'],
    ]);

    // Secrets: resolved at delivery only; never in the database or the output.
    expect(p.stored()).not.toContain(SECRET);
    for (const r of [quiet, warn, again, breach]) expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('catches up after a gap: the warning is recorded, only the breach is announced', async () => {
    const { config, env } = slackConfig('gap');
    const p = project({ config, env, tickets: [{ id: 'G1', priority: 'urgent', status: 'open', created_at: T0 }] });
    const r = await p.slaAsync(['check', '--at', at('11:30'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.events.map((e: any) => [e.type, e.announced, e.at])).toEqual([
      ['response_warning', false, '2025-11-03T10:48:00Z'], ['response_breached', true, '2025-11-03T11:00:00Z'],
    ]);
    expect(on('/gap/warn')).toHaveLength(0);
    expect(on('/gap/breach')).toHaveLength(1);
  });

  it('fires each alert exactly once under 10 concurrent checks', async () => {
    const p = project({
      config: webhookConfig(), env: { PAGER_URL: server.url('/many'), PAGER_TOKEN: 'tok' },
      tickets: Array.from({ length: 6 }, (_, i) => ({ id: `C${i}`, priority: 'urgent', status: 'open', created_at: T0 })),
    });
    const runs = await Promise.all(Array.from({ length: 10 }, () => p.slaAsync(['check', '--at', at('11:10')])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const got = on('/many');
    expect(got).toHaveLength(6);
    expect(new Set(got.map((g) => g.json.id)).size).toBe(6);
    expect(new Set(got.map((g) => g.json.ticketId))).toEqual(new Set(['C0', 'C1', 'C2', 'C3', 'C4', 'C5']));
    expect(got.every((g) => g.headers.authorization === 'Bearer tok')).toBe(true);
    // 6 warnings (silent) + 6 breaches
    expect(['C0', 'C1', 'C2', 'C3', 'C4', 'C5'].map((id) => p.show(id).slaEvents.map((e: any) => e.type)))
      .toEqual(Array.from({ length: 6 }, () => ['response_warning', 'response_breached']));
    // Only the run that recorded the events reports them; another run may have delivered some.
    expect(runs.filter((r) => /6 breached/.test(r.stdout))).toHaveLength(1);
    expect(runs.filter((r) => /breached/.test(r.stdout))).toHaveLength(1);
    const sent = runs.reduce((n, r) => n + Number(/(\d+) alerts? sent/.exec(r.stdout)?.[1] ?? 0), 0);
    expect(sent).toBe(6);
  });

  it('keeps undelivered alerts through a long outage and delivers each once when the server is back', async () => {
    let phase = 'down';
    server.respond((r) => (!r.path.startsWith('/outage') ? { status: 200 } : phase === 'down' ? { status: 500 } : { status: 200 }));
    try {
      const p = project({
        config: webhookConfig(), env: { PAGER_URL: server.url('/outage'), PAGER_TOKEN: 'tok' },
        tickets: [{ id: 'O1', priority: 'urgent', status: 'open', created_at: T0 }, { id: 'O2', priority: 'urgent', status: 'open', created_at: T0 }],
      });
      const first = await p.slaAsync(['check', '--at', at('11:05')]);
      expect(first.code, first.stderr).toBe(0); // a passing failure is not a failed run
      expect(first.stderr).toMatch(/2 alerts? to "pager" not delivered yet: HTTP 500/);
      expect(on('/outage')).toHaveLength(3); // 3 attempts within the run; the other alert waits with it
      const pending = JSON.parse((await p.slaAsync(['alerts', '--pending', '--format', 'json'])).stdout);
      expect(pending.map((a: any) => a.status)).toEqual(['pending', 'pending']);

      const tooSoon = await p.slaAsync(['check', '--at', at('11:05')]); // backing off: not yet
      expect(tooSoon.code).toBe(0);
      expect(on('/outage')).toHaveLength(3);
      const second = await p.slaAsync(['check', '--at', at('12:00')]);
      expect(second.code).toBe(0);
      expect(on('/outage')).toHaveLength(6);

      phase = 'up';
      server.script('drop', { status: 429, headers: { 'retry-after': '1' } });
      const third = await p.slaAsync(['check', '--at', at('13:00')]);
      expect(third.code, third.stderr).toBe(0);
      expect(third.stdout).toMatch(/2 alerts sent/);
      const reqs = on('/outage');
      const answered = reqs.filter((r) => r.answer === 200);
      expect(answered.map((r) => r.json.ticketId).sort()).toEqual(['O1', 'O2']);
      // Retry-After: 1 was honoured before the next attempt.
      const i429 = reqs.findIndex((r) => r.answer === 429);
      expect(reqs[i429 + 1].at - reqs[i429].at).toBeGreaterThanOrEqual(900);

      const after = await p.slaAsync(['check', '--at', at('13:30')]);
      expect(after.code).toBe(0);
      expect(on('/outage').filter((r) => r.answer === 200)).toHaveLength(2); // nothing sent twice
      const all = JSON.parse((await p.slaAsync(['alerts', '--format', 'json'])).stdout);
      expect(all.filter((a: any) => a.type === 'response_breached').map((a: any) => a.status)).toEqual(['sent', 'sent']);
    } finally {
      server.reset();
    }
  });

  it('a permanent 4xx is reported with exit 1, not retried, and re-queued by `alerts --retry`', async () => {
    server.respond((r) => (r.path.startsWith('/perm') ? { status: 400, body: 'invalid_payload' } : { status: 200 }));
    try {
      const p = project({
        config: webhookConfig(), env: { PAGER_URL: server.url('/perm'), PAGER_TOKEN: 'tok' },
        tickets: [{ id: 'P1', priority: 'urgent', status: 'open', created_at: T0 }],
      });
      const r = await p.slaAsync(['check', '--at', at('11:05')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/1 alert to "pager" failed: HTTP 400 \(invalid_payload\) — .*--retry/);
      expect(r.stderr).not.toContain(server.url('/perm'));
      expect(on('/perm')).toHaveLength(1);

      const later = await p.slaAsync(['check', '--at', at('12:05')]);
      expect(later.code).toBe(0);
      expect(on('/perm')).toHaveLength(1);
      const failed = JSON.parse((await p.slaAsync(['alerts', '--failed', '--format', 'json'])).stdout);
      expect(failed).toHaveLength(1);
      expect(failed[0].lastError).toBe('HTTP 400 (invalid_payload)');

      server.respond({ status: 200 });
      const retry = await p.slaAsync(['alerts', '--retry', '--at', at('12:10')]);
      expect(retry.stdout).toMatch(/re-queued 1 failed alert/);
      const again = await p.slaAsync(['check', '--at', at('12:10')]);
      expect(again.code, again.stderr).toBe(0);
      expect(on('/perm').filter((x) => x.answer === 200)).toHaveLength(1);
    } finally {
      server.reset();
    }
  });

  it('after a SIGKILL during delivery the next run sends what was not acknowledged (only the in-flight one twice)', async () => {
    server.respond((r) => (r.path.startsWith('/kill') ? 'stall' : { status: 200 }));
    try {
      const p = project({
        config: webhookConfig(), env: { PAGER_URL: server.url('/kill'), PAGER_TOKEN: 'tok', SLA_HTTP_TIMEOUT_MS: '30000' },
        tickets: ['K1', 'K2', 'K3'].map((id) => ({ id, priority: 'urgent', status: 'open', created_at: T0 })),
      });
      const { child, done } = p.spawn(['check', '--at', at('11:05')]);
      await server.waitFor(server.requests.length + 1);
      child.kill('SIGKILL');
      const killed = await done;
      expect(killed.signal).toBe('SIGKILL');
      const inFlight = on('/kill')[0].json.ticketId;

      server.respond({ status: 200 });
      // The dead run's lease (60 s, on the real clock, not --at) still holds its claims:
      // a run right away, even at a later --at, leaves them alone.
      const soon = await p.slaAsync(['check', '--at', at('11:20')], { env: { SLA_CLOCK_SKEW_MS: '30000' } });
      expect(soon.code, soon.stderr).toBe(0);
      expect(on('/kill')).toHaveLength(1);
      const next = await p.slaAsync(['check', '--at', at('11:06')], { env: { SLA_CLOCK_SKEW_MS: '70000' } }); // 70 s later: the lease ran out
      expect(next.code, next.stderr).toBe(0);
      const byTicket = new Map<string, number>();
      for (const r of on('/kill')) byTicket.set(r.json.ticketId, (byTicket.get(r.json.ticketId) ?? 0) + 1);
      expect([...byTicket.keys()].sort()).toEqual(['K1', 'K2', 'K3']);
      for (const [id, n] of byTicket) expect(n).toBe(id === inFlight ? 2 : 1);
      // The dead run is visible as such.
      const runs = JSON.parse((await p.slaAsync(['runs', '--format', 'json'])).stdout);
      expect(runs.map((r: any) => r.status)).toEqual(['ok', 'ok', 'running']);
    } finally {
      server.reset();
    }
  });

  it('--fail-on breach|at-risk exits 3 while tickets are in that state; --dry-run records nothing', async () => {
    const p = project({ config: alwaysConfig(), tickets: [{ id: 'F1', priority: 'urgent', status: 'open', created_at: T0 }] });
    expect((await p.slaAsync(['check', '--at', at('10:30'), '--fail-on', 'at-risk'])).code).toBe(0);
    const dry = await p.slaAsync(['check', '--at', at('10:50'), '--dry-run', '--fail-on', 'at-risk']);
    expect(dry.code).toBe(3);
    expect(dry.stdout).toMatch(/dry run .*1 at risk/);
    expect(p.show('F1').slaEvents).toEqual([]);
    expect(p.json(['runs'])).toHaveLength(1);
    const risk = await p.slaAsync(['check', '--at', at('10:50'), '--fail-on', 'breach']);
    expect(risk.code).toBe(0);
    const breach = await p.slaAsync(['check', '--at', at('11:05'), '--fail-on', 'breach']);
    expect(breach.code).toBe(3);
    expect(breach.stderr).toMatch(/1 open ticket is breached/);
    // Without a route, alerts are kept as 'unrouted' (not lost) and shown by `sla alerts`.
    const list = await p.slaAsync(['alerts']);
    expect(list.stdout).toMatch(/\(no route\).*unrouted/);
    const bad = await p.slaAsync(['check', '--fail-on', 'late']);
    expect(bad.code).toBe(2);
  });

  it('from cron with --quiet: alerts fire and nothing is printed (cron would mail it); check --help gives the README\'s crontab line', async () => {
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { log: { type: 'file', path: 'alerts.ndjson' } }, routes: [{ to: ['log'] }] } }),
      tickets: [{ id: 'Q1', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    const loud = await p.slaAsync(['check', '--at', at('10:50')]);
    expect(loud.stdout).toMatch(/1 at risk/); // without --quiet: a summary (a mail from cron)
    const quiet = await p.slaAsync(['check', '--quiet', '--at', at('11:05')]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
    expect(readFileSync(join(p.dir, 'alerts.ndjson'), 'utf8').trim().split('\n')).toHaveLength(2); // the warning and the breach went out
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const cronLine = readme.split('\n').find((l) => /^\*\/5 \* \* \* \* sla (--config \S+ )?check/.test(l));
    expect(cronLine).toMatch(/check --quiet$/);
    const help = await slaAsync(['check', '--help'], { cwd: p.dir });
    expect(help.stdout).toContain(cronLine);
    expect(help.stdout).toContain('MAILTO');
  });

  it('works from cron: empty environment, working directory /, absolute --config', async () => {
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { log: { type: 'file', path: 'alerts.ndjson' } }, routes: [{ to: ['log'] }] } }),
      tickets: [{ id: 'CR1', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    const r = await slaAsync(['--config', p.configPath, 'check', '--at', at('11:05')], { cwd: '/', clean: true, env: { PATH: '/usr/bin:/bin', HOME: p.dir } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/1 breached/);
    const lines = readFileSync(join(p.dir, 'alerts.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['response_breached']);
    expect(lines[0]).toMatchObject({ ticketId: 'CR1', destination: 'log', deadline: '2025-11-03T11:00:00Z' });
  });
});

