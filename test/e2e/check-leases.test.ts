// Delivery leases (alerts/deliver.ts): a run holds what it claimed under a lease on the real
// clock (never --at), renewed while it works, claims a few alerts at a time just before
// sending, and never sends one it no longer holds; each alert keeps its own retry schedule.
// Real CLI processes against a real local HTTP server (a webhook receiver that can be slow or
// fail); a later run on the real clock is told by SLA_CLOCK_SKEW_MS (the process acts as if
// the real clock were that much ahead), a lease's length by SLA_LEASE_MS.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysConfig, project } from '../support/project.js';
import { TestServer, type Recorded } from '../support/servers.js';

let server: TestServer;
beforeAll(async () => { server = await TestServer.start(); });
afterAll(async () => { await server.close(); });

const T0 = '2025-11-03T10:00:00Z';
const at = (hhmm: string, day = '2025-11-03'): string => `${day}T${hhmm}:00Z`;
const on = (path: string): Recorded[] => server.requests.filter((r) => r.path.startsWith(path));

/** A webhook destination for breaches at PAGER_URL; `n` urgent tickets created at T0 (breached at 11:00). */
function pagerProject(path: string, n: number, env: NodeJS.ProcessEnv = {}) {
  return project({
    config: alwaysConfig({
      alerts: {
        destinations: { pager: { type: 'webhook', url: '$PAGER_URL' } },
        routes: [{ when: { type: ['response_breached'] }, to: ['pager'] }],
      },
    }),
    env: { PAGER_URL: server.url(path), ...env },
    tickets: Array.from({ length: n }, (_, i) => ({ id: `L${i + 1}`, priority: 'urgent', status: 'open', created_at: T0 })),
  });
}

/** How many times each ticket's alert was answered 200 (or answered at all, with `any`). */
function deliveries(path: string, any = false): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of on(path)) if (any || r.answer === 200) m.set(r.json.ticketId, (m.get(r.json.ticketId) ?? 0) + 1);
  return m;
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `L${i + 1}`).sort();

describe('delivery leases', () => {
  it('runs that outlast their lease keep it (renewed): overlapping cron-style runs deliver every alert exactly once', async () => {
    // 40 alerts, 150 ms a request: a claim of five outlasts a 400 ms lease unless it is renewed
    server.respond((r) => (r.path.startsWith('/renew') ? { status: 200, delayMs: 150 } : { status: 200 }));
    try {
      const p = pagerProject('/renew', 40, { SLA_LEASE_MS: '400' });
      const first = await p.slaAsync(['check', '--at', at('11:05'), '--no-deliver']);
      expect(first.code, first.stderr).toBe(0);
      const runs = [];
      for (let k = 0; k < 5; k++) {
        runs.push(p.spawn(['check', '--at', at('11:05')]).done);
        await server.waitFor(server.requests.length + 3); // the next "cron" run starts while this one delivers
      }
      for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
      const got = deliveries('/renew', true);
      expect([...got.keys()].sort()).toEqual(ids(40));
      expect([...got.values()].every((n) => n === 1)).toBe(true);
      expect(p.json(['alerts']).filter((a: any) => a.status === 'sent')).toHaveLength(40);
    } finally {
      server.reset();
    }
  }, 60_000);

  it('a run stopped for longer than its lease sends none of what another run took over (only the one in flight twice)', async () => {
    server.respond((r) => (r.path.startsWith('/stop') ? { status: 200, delayMs: 200 } : { status: 200 }));
    try {
      const p = pagerProject('/stop', 6);
      expect((await p.slaAsync(['check', '--at', at('11:05'), '--no-deliver'])).code).toBe(0);
      const a = p.spawn(['check', '--at', at('11:05')]);
      await server.waitFor(server.requests.length + 1);
      a.child.kill('SIGSTOP');
      const inFlight = on('/stop')[0].json.ticketId;
      // 70 s later on the real clock: A's 60 s lease ran out, B takes its alerts over
      const b = await p.slaAsync(['check', '--at', at('11:05')], { env: { SLA_CLOCK_SKEW_MS: '70000' } });
      expect(b.code, b.stderr).toBe(0);
      a.child.kill('SIGCONT');
      const ra = await a.done;
      expect(ra.code, ra.stderr).toBe(0);
      const got = deliveries('/stop', true);
      expect([...got.keys()].sort()).toEqual(ids(6));
      for (const [id, n] of got) expect(n, id).toBe(id === inFlight ? 2 : 1);
    } finally {
      server.reset();
    }
  }, 60_000);

  it('a check --at in the past beside the real one: leases on the real clock, every alert once', async () => {
    server.respond((r) => (r.path.startsWith('/past') ? { status: 200, delayMs: 150 } : { status: 200 }));
    try {
      const p = pagerProject('/past', 12);
      const past = p.spawn(['check', '--at', at('11:05')]); // records and delivers its alerts slowly
      await server.waitFor(server.requests.length + 2);
      // cron's check, a day later by --at: the past run's claims (leased until its --at + a lease, before) are not lapsed
      const real = await p.slaAsync(['check', '--at', at('11:05', '2025-11-04')]);
      expect(real.code, real.stderr).toBe(0);
      expect((await past.done).code).toBe(0);
      const got = deliveries('/past', true);
      expect([...got.keys()].sort()).toEqual(ids(12));
      expect([...got.values()].every((n) => n === 1)).toBe(true);
    } finally {
      server.reset();
    }
  }, 60_000);

  it('a lease from a clock that ran a year fast is not believed once the clock is right', async () => {
    server.respond((r) => (r.path.startsWith('/fast') ? 'stall' : { status: 200 }));
    try {
      const p = pagerProject('/fast', 3, { SLA_HTTP_TIMEOUT_MS: '30000' });
      const fast = p.spawn(['check', '--at', at('11:05')], { env: { SLA_CLOCK_SKEW_MS: String(365 * 86_400_000) } });
      await server.waitFor(server.requests.length + 1);
      fast.child.kill('SIGKILL');
      await fast.done;
      const inFlight = on('/fast')[0].json.ticketId;
      server.respond({ status: 200 });
      const next = await p.slaAsync(['check', '--at', at('11:06')]);
      expect(next.code, next.stderr).toBe(0);
      const got = deliveries('/fast');
      expect([...got.keys()].sort()).toEqual(ids(3));
      expect(on('/fast').filter((r) => r.json.ticketId === inFlight)).toHaveLength(2);
    } finally {
      server.reset();
    }
  }, 60_000);

  it('each alert of a failing destination keeps its own attempts and schedule, and each gives up after a day', async () => {
    server.respond((r) => (r.path.startsWith('/down') ? { status: 503 } : { status: 200 }));
    try {
      const p = pagerProject('/down', 4);
      const state = () => p.query<{ ticket_id: string; status: string; attempts: number; next_attempt_at: number | null; last_error: string }>(
        "SELECT ticket_id, status, attempts, next_attempt_at, last_error FROM alerts WHERE destination = 'pager' ORDER BY ticket_id");
      const r0 = await p.slaAsync(['check', '--at', at('11:05')]);
      expect(r0.code, r0.stderr).toBe(0);
      expect(r0.stderr).toMatch(/4 alerts to "pager" not delivered yet: HTTP 503/);
      let s = state();
      expect(on('/down')).toHaveLength(3); // the head alert, three times; the others wait with it
      expect(s.map((a) => a.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
      expect(s.every((a) => a.attempts >= 1)).toBe(true); // every one counts the run
      expect(s.filter((a) => a.attempts === 1).every((a) => /not sent: the destination failed in this run \(HTTP 503/.test(a.last_error))).toBe(true);
      expect(new Set(s.map((a) => a.next_attempt_at)).size).toBeGreaterThan(1); // each its own next try
      // outage: a run every 20 minutes (past every backoff) for three hours
      for (let k = 1; k <= 9; k++) {
        const t = new Date(Date.parse(at('11:05')) + k * 20 * 60_000).toISOString();
        expect((await p.slaAsync(['check', '--at', t])).code).toBe(0);
      }
      s = state();
      expect(s.every((a) => a.status === 'pending' && a.attempts >= 10), JSON.stringify(s)).toBe(true);
      // a day after they were queued, still down: every one gives up (not only the head)
      const r1 = await p.slaAsync(['check', '--at', at('11:30', '2025-11-04')]);
      expect(r1.code).toBe(1);
      s = state();
      expect(s.map((a) => a.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
      expect(s.every((a) => /^gave up after/.test(a.last_error))).toBe(true);
    } finally {
      server.reset();
    }
  }, 90_000);
});
