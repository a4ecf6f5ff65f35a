// `sla pull` from Freshdesk, against a local server that answers as Freshdesk's API reference
// documents (test/support/freshdesk.ts cites it): the tickets list by updated_since with stats,
// 100 a page, a Link header to the next page, 401 for a wrong key, 429 with Retry-After.
// Freshdesk keeps no status history: a pull sees each ticket's status as of the pull (and when
// it was set), so the scenario pulls between its changes, as a five-minute cron would. The SLA
// numbers are worked by hand in the comments (one 24×7 policy; pending pauses).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alwaysConfig, project, type Project } from '../support/project.js';
import { FakeFreshdesk } from '../support/freshdesk.js';
import { killedPulls } from '../support/pull.js';

let fd: FakeFreshdesk;
beforeAll(async () => { fd = await FakeFreshdesk.start(); });
afterAll(async () => { await fd.close(); });
afterEach(() => {
  fd.delayMs = 0;
  fd.maxPerPage = 100;
  fd.pageCap = 300;
  fd.tickets.clear();
  fd.log.length = 0;
});

const URGENT = 4;
const HIGH = 3;
const MEDIUM = 2;

function freshdeskProject(mapping?: Record<string, unknown>): Project {
  return project({
    config: alwaysConfig({
      sources: { desk: { type: 'freshdesk', domain: 'acme', apiKey: '$FRESHDESK_API_KEY', url: fd.url, ...(mapping ? { mapping } : {}) } },
    }),
    env: { FRESHDESK_API_KEY: fd.apiKey },
  });
}

async function pull(p: Project, at: string): Promise<any> {
  const r = await p.slaAsync(['--at', at, 'pull', 'desk', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('sla pull (Freshdesk)', () => {
  it('pulled every few minutes, tickets get the hand-worked SLA numbers: replies, a pending spell, a reopen', async () => {
    const p = freshdeskProject({ values: { status: { 6: 'waiting_customer' } } });
    const T = (hhmm: string): string => `2026-11-02T${hhmm}:00Z`;
    fd.create(1, T('09:00'), { priority: URGENT, subject: 'Checkout down', company: 77, tags: ['vip'] });
    fd.create(2, T('09:00'), { priority: HIGH });
    fd.create(3, T('09:00'), { priority: MEDIUM });
    fd.create(4, T('09:00'), { priority: MEDIUM });
    fd.create(5, T('09:00'), { priority: MEDIUM });
    fd.status(4, T('09:10'), 6); // a custom status, mapped to waiting_customer
    fd.status(5, T('09:10'), 7); // a custom status nobody mapped
    const first = await pull(p, T('09:15'));
    expect(first).toMatchObject({ status: 'ok', ticketsNew: 5, firstPull: true });
    expect(first.skipped).toEqual({ 'tickets in a status sla does not know ("7"; map it under "values.status")': 1 });

    fd.reply(1, T('09:40'));
    fd.status(1, T('09:40'), 'pending');
    fd.reply(3, T('09:30'));
    fd.status(3, T('10:00'), 'resolved');
    await pull(p, T('10:05'));
    fd.status(1, T('11:40'), 'open'); // the customer answered
    await pull(p, T('11:45'));
    fd.status(1, T('12:00'), 'resolved');
    fd.status(3, T('13:00'), 'open'); // reopened
    fd.status(3, T('14:00'), 'resolved');
    const last = await pull(p, T('14:05'));
    expect(last).toMatchObject({ status: 'ok', ticketsNew: 0 });

    // 1: first response 40 min (target 60); resolution 09:00–09:40 and 11:40–12:00 = 60 min, paused 120
    const t1 = p.show('1', T('14:05'));
    expect(t1).toMatchObject({ status: 'resolved', priority: 'urgent', subject: 'Checkout down', customer: '77', tags: ['vip'], requester: 'rae.customer@example.com', channel: 'portal' });
    expect(t1.metrics.first_response).toMatchObject({ status: 'met', elapsed: 40 });
    expect(t1.metrics.resolution).toMatchObject({ status: 'met', elapsed: 60 });
    expect(t1.slaTotalPausedTime).toBe(120);
    // 2: high, never answered: first response due 11:00, breached
    expect(p.show('2', T('14:05')).metrics.first_response).toMatchObject({ status: 'breached', dueAt: T('11:00') });
    // 3: first response 30 min; resolved 10:00, reopened 13:00, resolved 14:00: 60 + 60 = 120 min
    const t3 = p.show('3', T('14:05'));
    expect(t3).toMatchObject({ status: 'resolved', resolvedAt: T('14:00') });
    expect(t3.metrics.first_response).toMatchObject({ status: 'met', elapsed: 30 });
    expect(t3.metrics.resolution).toMatchObject({ status: 'met', elapsed: 120 });
    // 4: waiting on the customer since 09:10: paused
    expect(p.show('4', T('14:05'))).toMatchObject({ status: 'waiting_customer', slaStatus: 'paused' });
  });

  it('walks by time windows: small pages, many tickets at one instant, a page cap, a 429 and a 500 on the way — every ticket once', async () => {
    const p = freshdeskProject();
    // three at one instant: more than a page of two, so the walk turns a page within that window
    for (let i = 1; i <= 9; i++) fd.create(100 + i, i <= 3 ? '2026-11-03T09:00:00Z' : `2026-11-03T1${i - 3}:00:00Z`, { priority: HIGH });
    fd.maxPerPage = 2;
    fd.pageCap = 2;
    fd.fault(/updated_since=2026-11-03T11/, { status: 429, retryAfter: '1' });
    fd.fault(/updated_since=2026-11-03T13/, { status: 500 });
    const s = await pull(p, '2026-11-04T00:00:00Z');
    expect(s).toMatchObject({ status: 'ok', ticketsNew: 9 });
    expect(fd.log.map((l) => l.status)).toEqual(expect.arrayContaining([429, 500]));
    expect(fd.log.every((l) => Number(l.query.get('page')) <= 2)).toBe(true); // never past the cap
    expect(p.json(['list']).map((t: any) => t.id).sort()).toEqual(['101', '102', '103', '104', '105', '106', '107', '108', '109']);
    // nothing new: one request, the last ticket read again and recognised
    fd.log.length = 0;
    const again = await pull(p, '2026-11-04T00:00:00Z');
    expect(again).toMatchObject({ status: 'ok', ticketsNew: 0, ticketsUpdated: 0, events: 0 });
    expect(fd.log).toHaveLength(1);
  });

  it('a wrong API key: one line naming the source and the variable, never the key', async () => {
    const p = freshdeskProject();
    fd.create(1, '2026-11-02T09:00:00Z');
    const r = await p.slaAsync(['pull', 'desk'], { env: { FRESHDESK_API_KEY: 'nope-key' } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/desk: the helpdesk refused the credentials \(HTTP 401\) — check the API key in \$FRESHDESK_API_KEY/);
    expect(r.stderr).not.toContain('nope-key');
  });

  it('killed at 20 random moments, then pulled again: exactly the history of one uninterrupted pull', async () => {
    for (let i = 1; i <= 24; i++) {
      fd.create(200 + i, `2026-11-03T${String(8 + (i % 10)).padStart(2, '0')}:00:00Z`, { priority: 1 + (i % 4) });
      if (i % 2) fd.reply(200 + i, `2026-11-03T${String(8 + (i % 10)).padStart(2, '0')}:30:00Z`);
      if (i % 3 === 0) fd.status(200 + i, `2026-11-04T09:${String(i).padStart(2, '0')}:00Z`, 'pending');
      if (i % 3 === 1) fd.status(200 + i, `2026-11-04T10:${String(i).padStart(2, '0')}:00Z`, 'resolved');
    }
    const clean = freshdeskProject();
    await pull(clean, '2026-11-05T00:00:00Z');
    fd.maxPerPage = 1;
    fd.delayMs = 70;
    await killedPulls(freshdeskProject(), clean, ['--at', '2026-11-05T00:00:00Z', 'pull', 'desk'], fd);
  }, 60_000);
});

