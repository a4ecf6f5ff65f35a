// The report's SQL against a reference computed ticket by ticket with computeSla at the
// report's instant (the clock itself), on random histories stored in a real SQLite
// file: every grouping, the day split across a DST change, a report instant later than
// the stored states (the SQL compares running clocks to `now`), earlier than some of
// them (--at in the past: re-evaluated from history), manual pauses that ran out since,
// and the parallel slices (table scan and index plans).
//
// This file runs the COMPILED modules (dist/, built by `tsc` before the tests; test/support/compiled.ts) so
// that the worker threads of the parallel slices run the same code as this thread.

import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { compiled } from '../support/compiled.js';
import type { AggregateRow, GroupField } from '../../src/domain/report.js';
import type { ReportQuery } from '../../src/store/port.js';
import type { Ticket, TicketEvent } from '../../src/domain/ticket.js';
import { mulberry32, pick, randomHistory, reportConfig } from '../support/build.js';

const { parseConfig } = await compiled<typeof import('../../src/config/load.js')>('config/load.js');
const { Calendar } = await compiled<typeof import('../../src/domain/calendar.js')>('domain/calendar.js');
const { computeSla } = await compiled<typeof import('../../src/domain/sla.js')>('domain/sla.js');
const { assignTicket } = await compiled<typeof import('../../src/domain/ticket.js')>('domain/ticket.js');
const { assembleReport, emptyCounts } = await compiled<typeof import('../../src/domain/report.js')>('domain/report.js');
const { Store } = await compiled<typeof import('../../src/store/sqlite/tickets.js')>('store/sqlite/tickets.js');
const { SqliteStore } = await compiled<typeof import('../../src/store/sqlite/engine.js')>('store/sqlite/engine.js');
const { NO_REASON, NOT_BREACHED, reportAggregates } = await compiled<typeof import('../../src/store/sqlite/report.js')>('store/sqlite/report.js');
const { countReport } = await compiled<typeof import('../../src/app/report.js')>('app/report.js');
const { reportWindow } = await compiled<typeof import('../../src/domain/report-window.js')>('domain/report-window.js');

const MIN = 60_000;
const H = 60 * MIN;
const ZONE = 'Europe/Berlin';

const config = parseConfig(reportConfig(ZONE), join(tmpdir(), 'sla.config.json'));
const cals = new Map<string, any>();
const calendar = (name: string) => {
  if (!cals.has(name)) cals.set(name, new Calendar(config.calendars[name]));
  return cals.get(name);
};


// The window: 2025-10-20 … 2025-11-03 local (Berlin leaves summer time on 2025-10-26).
const FROM = DateTime.fromISO('2025-10-20T00:00', { zone: ZONE }).toMillis();
const TO = DateTime.fromISO('2025-11-03T00:00', { zone: ZONE }).toMillis();
const T_REPORT = DateTime.fromISO('2025-11-01T14:00', { zone: ZONE }).toMillis();

interface Stored { ticket: Ticket; events: TicketEvent[]; frReason: string | null; resReason: string | null; escalations: number[] }
const stored: Stored[] = [];
let store: any;
/** The port over the same file: what the report use case is given. */
let port: any;
let file = '';


beforeAll(() => {
  file = join(mkdtempSync(join(tmpdir(), 'sla-report-sql-')), 'report.db');
  store = Store.open(file, { create: true });
  const rand = mulberry32(7);
  const N = 900;
  for (let i = 0; i < N; i++) {
    // Created from 3 days before the window to 2 days after the report instant.
    const createdAt = FROM - 3 * 24 * H + Math.floor(rand() * (T_REPORT - FROM + 5 * 24 * H));
    const priority = pick(rand, ['urgent', 'high', 'medium', 'low', null] as const);
    const t: Ticket = {
      id: `T${i}`, subject: null, requester: null, customer: pick(rand, ['acme', 'globex', '=cmd', null]),
      tier: pick(rand, ['enterprise', 'business', null]), priority, status: 'new',
      assignee: rand() < 0.3 ? null : pick(rand, ['ana', 'bo', 'cy']), group: pick(rand, ['billing', 'tech', null]),
      channel: null, tags: [], custom: {}, createdAt, firstResponseAt: null, resolvedAt: null, closedAt: null,
      updatedAt: createdAt, initialPriority: priority, assignment: null, noSlaReason: null,
    };
    const a = assignTicket(t, config);
    if (a.ok) t.assignment = a.assignment; else t.noSlaReason = a.reason;
    // The instant its state was last written: mostly before the report, some after (stale).
    const writtenAt = createdAt + Math.floor(rand() * 6 * 24 * H);
    const events = randomHistory(rand, t, writtenAt, { statusShare: 0.3, endedPauses: 0.6 });
    const { computed } = computeSla(t, events, config, calendar, writtenAt);
    store.saveTicket(t, computed, events);
    // `sla reason` on some breached metrics (as stored).
    const frReason = computed.metrics.first_response.status === 'breached' && rand() < 0.5 ? pick(rand, ['late reply', 'understaffed']) : null;
    const resReason = computed.metrics.resolution.status === 'breached' && rand() < 0.5 ? pick(rand, ['engineering', 'understaffed']) : null;
    if (frReason || resReason) {
      store.db.prepare('UPDATE tickets SET fr_breach_reason = ?, res_breach_reason = ? WHERE id = ?').run(frReason, resReason, t.id);
    }
    // Escalations recorded by `check` (some after the report instant).
    const escalations: number[] = [];
    if (rand() < 0.15) {
      const due = createdAt + Math.floor(rand() * 5 * 24 * H);
      escalations.push(due);
      store.db.prepare("INSERT INTO sla_events (ticket_id, cycle, type, rule, due_at, recorded_at) VALUES (?, 0, 'escalated', 'r', ?, ?)")
        .run(t.id, due, due);
    }
    stored.push({ ticket: t, events, frReason, resReason, escalations });
  }
  port = SqliteStore.open(file);
});

afterAll(() => { port?.close(); store?.close(); });

function assigneeAt(s: Stored, now: number): string | null {
  const assigns = s.events.filter((e) => e.type === 'assign');
  if (!assigns.length) return s.ticket.assignee;
  let who: string | null = null;
  for (const e of assigns) if (e.at <= now) who = e.value ?? null;
  return who;
}

/** Ticket by ticket, from the clock at `now`. */
function reference(q: ReportQuery, dates: string[]): AggregateRow[] {
  const rows: AggregateRow[] = [];
  for (const s of stored) {
    const t = s.ticket;
    if (t.createdAt < q.from || t.createdAt >= q.to || t.createdAt > q.now) continue;
    const { clock } = computeSla(t, s.events, config, calendar, q.now);
    const fr = clock.metrics.first_response;
    const res = clock.metrics.resolution;
    const c = emptyCounts();
    c.tickets = 1;
    if (!fr && !res) c.withoutSla = 1;
    const cls = (x: any, into: any) => {
      if (!x) return;
      if (x.stoppedAt !== null) (x.met ? (into.met = 1) : (into.breached = 1));
      else if (x.status === 'breached') into.breached = 1;
      else into.pending = 1;
    };
    cls(fr, c.firstResponse);
    cls(res, c.resolution);
    const open = !['resolved', 'closed'].includes(clock.status);
    const assignee = assigneeAt(s, q.now);
    const priority = clock.priority ?? t.priority;
    if (open) {
      c.open = 1;
      if (!assignee) c.unassignedOpen = 1;
      if (priority === q.urgent) c.urgentOpen = 1;
      if (clock.slaStatus) (c.statusCounts as any)[clock.slaStatus] = 1;
    }
    const frBreached = c.firstResponse.breached === 1;
    const resBreached = c.resolution.breached === 1;
    if (frBreached || resBreached) c.breachedTickets = 1;
    if (res && (clock.totalPausedMs > 0 || clock.pausedAt !== null)) c.pausedTickets = 1;
    if (res) {
      c.pausedMs = clock.totalPausedMs;
      c.lifetimeMs = (res.stoppedAt ?? q.now) - t.createdAt;
    }
    c.escalations = s.escalations.filter((d) => d <= q.now).length;
    const localDay = DateTime.fromMillis(t.createdAt, { zone: ZONE }).toISODate()!;
    const day = dates.indexOf(localDay);
    const reason = (resBreached && s.resReason) || (frBreached && s.frReason) ||
      (frBreached || resBreached ? NO_REASON : NOT_BREACHED);
    const keys: Record<GroupField, string | null> = {
      priority, tier: t.tier, policy: clock.assignment?.policy ?? null, assignee, group: t.group, customer: t.customer,
      breach_reason: reason, day: String(day),
    };
    const time = (x: any) => (x && x.stoppedAt !== null ? [Math.floor(x.elapsed * 100 + 0.5)] : []);
    // A first-response time only when a response stopped the clock (not for a ticket never answered).
    const answered = fr && clock.firstResponseAt !== null && fr.stoppedAt !== null && clock.firstResponseAt <= fr.stoppedAt;
    rows.push({
      key: keys[q.by], day: q.daily ? day : 0, counts: c,
      times: { firstResponse: Uint32Array.from(answered ? time(fr) : []), resolution: Uint32Array.from(time(res)) },
    });
  }
  return rows;
}

function query(by: GroupField, now: number, extra: Partial<ReportQuery> = {}): { q: ReportQuery; dates: string[] } {
  const w = reportWindow(FROM, TO, ZONE);
  return { q: { from: FROM, to: TO, now, by, urgent: 'urgent', daily: by !== 'day', day: w.day, ...extra }, dates: w.dates };
}

const assemble = (rows: AggregateRow[], days: number) => assembleReport(rows, { order: 'volume', days });

describe('report SQL = the clock, ticket by ticket', () => {
  it('the window crosses the DST change: 14 local days, two offsets', () => {
    const w = reportWindow(FROM, TO, ZONE);
    expect(w.dates[0]).toBe('2025-10-20');
    expect(w.dates).toHaveLength(14);
    expect(w.day.offsets).toEqual([
      { until: Date.parse('2025-10-26T01:00:00Z'), offsetMs: 2 * H },
      { until: null, offsetMs: 1 * H },
    ]);
  });

  for (const by of ['priority', 'tier', 'policy', 'assignee', 'group', 'customer', 'breach_reason', 'day'] as const) {
    it(`--by ${by}, some stored states later than the report instant (re-evaluated)`, async () => {
      const { q, dates } = query(by, T_REPORT);
      const { aggregates, reevaluated } = await countReport(port, config, calendar, q);
      expect(reevaluated).toBeGreaterThan(20); // written after T_REPORT, or a pause ran out
      const days = q.daily ? dates.length : 0;
      expect(assemble(aggregates.rows, days)).toEqual(assemble(reference(q, dates), days));
    });
  }

  it('first-response times count only clocks a response stopped: a ticket never answered has none', async () => {
    const { q, dates } = query('priority', T_REPORT);
    let stopped = 0;
    let answered = 0;
    for (const s of stored) {
      if (s.ticket.createdAt < q.from || s.ticket.createdAt >= q.to || s.ticket.createdAt > q.now) continue;
      const { clock } = computeSla(s.ticket, s.events, config, calendar, q.now);
      const fr = clock.metrics.first_response;
      if (!fr || fr.stoppedAt === null) continue;
      stopped++;
      if (clock.firstResponseAt !== null && clock.firstResponseAt <= fr.stoppedAt) answered++;
    }
    expect(stopped - answered).toBeGreaterThan(5); // resolved or closed before any reply
    const { aggregates } = await countReport(port, config, calendar, q);
    expect(assemble(aggregates.rows, dates.length).total.firstResponseTimes.count).toBe(answered);
  });

  it('a report instant after every stored state: the SQL alone moves running clocks to breached / at risk', async () => {
    const later = T_REPORT + 9 * 24 * H;
    const { q, dates } = query('priority', later);
    const { aggregates, reevaluated } = await countReport(port, config, calendar, q);
    // Only paused tickets whose state changes by itself (a pause running out) need their history.
    const got = assemble(aggregates.rows, dates.length);
    expect(reevaluated).toBeLessThan(got.total.tickets / 2);
    expect(got).toEqual(assemble(reference(q, dates), dates.length));
    expect(got.total.statusCounts.breached).toBeGreaterThan(0);
  });

  for (const plan of ['table', 'index'] as const) {
    it(`parallel slices (${plan} scan) add up to what one connection counts`, async () => {
      // A narrow window makes SQLite read through the created_at index; the whole one scans the table.
      const extra = plan === 'index' ? { from: FROM + 6 * 24 * H, to: FROM + 8 * 24 * H } : {};
      const { q } = query('customer', T_REPORT, { ...extra, parallelMinTickets: 1 });
      const w = reportWindow(q.from, q.to, ZONE);
      q.day = w.day;
      const sliced = await reportAggregates(store, q);
      if (availableParallelism() > 1) expect(sliced.slices).toBeGreaterThan(1);
      const one = await reportAggregates(store, { ...q, parallelMinTickets: 1e12 });
      expect(one.slices).toBe(1);
      expect(sliced.stale).toBe(one.stale);
      expect(assemble(sliced.rows, w.dates.length)).toEqual(assemble(one.rows, w.dates.length));
      expect(assemble(one.rows, w.dates.length).total.tickets).toBeGreaterThan(plan === 'index' ? 50 : 300);
    });
  }

  it('boundaries: due exactly now is not breached yet; at-risk exactly now is at risk', async () => {
    // Its own ticket, stored as of its creation, long before the random ones.
    const createdAt = FROM - 20 * 24 * H + 3 * H; // a Tuesday, 10:00 Berlin
    const t: Ticket = {
      id: 'B1', subject: null, requester: null, customer: null, tier: null, priority: 'high', status: 'new', assignee: null,
      group: null, channel: null, tags: [], custom: {}, createdAt, firstResponseAt: null, resolvedAt: null, closedAt: null,
      updatedAt: createdAt, initialPriority: 'high', assignment: (assignTicket({ priority: 'high', tier: null } as Ticket, config) as { assignment: Ticket['assignment'] }).assignment,
      noSlaReason: null,
    };
    const { computed: c } = computeSla(t, [], config, calendar, createdAt);
    store.saveTicket(t, c, []);
    const w = reportWindow(createdAt, createdAt + 1, ZONE);
    const at = async (now: number) => {
      const q: ReportQuery = { from: createdAt, to: createdAt + 1, now, by: 'priority', urgent: 'urgent', daily: false, day: w.day };
      const { aggregates, reevaluated } = await countReport(port, config, calendar, q);
      expect(reevaluated).toBe(0); // the SQL decides, from the stored instants
      const r = assemble(aggregates.rows, 0).total;
      return { fr: r.firstResponse, status: r.statusCounts };
    };
    expect((await at(c.metrics.first_response.dueAt!)).fr).toMatchObject({ breached: 0, pending: 1 });
    expect((await at(c.metrics.first_response.dueAt! + 1)).fr).toMatchObject({ breached: 1, pending: 0 });
    expect((await at(c.metrics.first_response.atRiskAt!)).status).toMatchObject({ at_risk: 1, on_time: 0 });
    expect((await at(c.metrics.first_response.atRiskAt! - 1)).status).toMatchObject({ at_risk: 0, on_time: 1 });
  });
});
