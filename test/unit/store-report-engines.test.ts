// The report's counts on both engines (team mode, issue 17): the same tickets written into a
// SQLite file and, when the test server is there (.ci/postgres), a PostgreSQL database, and
// reportCounts asked the same questions of both — every grouping, daily rows on and off,
// windows that cut the data, a report instant before some tickets' stored states (--at in
// the past: re-evaluated from history) and after all of them, manual pauses that ran out.
// The two must count the same; a handful of tickets whose counts are worked out by hand
// keeps both from being wrong the same way. The re-evaluation is the report use case's own
// (countReport), so both engines are handed the same callback.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countReport } from '../../src/app/report.js';
import { parseConfig } from '../../src/config/load.js';
import { Calendar } from '../../src/domain/calendar.js';
import type { BusinessTime } from '../../src/domain/clock.js';
import { addCounts, assembleReport, emptyCounts, type GroupCounts, type GroupField } from '../../src/domain/report.js';
import { reportWindow } from '../../src/domain/report-window.js';
import { computeSla } from '../../src/domain/sla.js';
import { assignTicket, type ComputedSla, type Ticket, type TicketEvent } from '../../src/domain/ticket.js';
import type { OverrideRow, ReportAggregates, ReportQuery, ReportStore, TicketRecord } from '../../src/store/contract.js';
import { openPostgres, type Sql } from '../../src/store/postgres/open.js';
import { PgReport } from '../../src/store/postgres/report.js';
import { writeTicket } from '../../src/store/postgres/ticket-write.js';
import { NO_REASON, NOT_BREACHED } from '../../src/store/report-rows.js';
import { SqliteStore } from '../../src/store/sqlite/engine.js';
import { Store } from '../../src/store/sqlite/tickets.js';
import { assignment, computed as build, mulberry32, pick, randomHistory, reportConfig, Z } from '../support/build.js';
import { freshDatabase, POSTGRES_URL } from '../support/postgres.js';
import { tempDir } from '../support/project.js';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const ZONE = 'Europe/Berlin';

const config = parseConfig(reportConfig(ZONE), join(tempDir('sla-report-engines-'), 'sla.config.json'));
const calendars = new Map<string, BusinessTime>();
const calendar = (name: string): BusinessTime => {
  let c = calendars.get(name);
  if (!c) { c = new Calendar(config.calendars[name]); calendars.set(name, c); }
  return c;
};

// The generated tickets: created from 3 days before the window to 2 days after T_REPORT; the
// window 2025-10-20 … 2025-11-03 local crosses the end of summer time (two offsets).
const FROM = Date.parse('2025-10-19T22:00:00Z');
const TO = Date.parse('2025-11-02T23:00:00Z');
const T_REPORT = Date.parse('2025-11-01T13:00:00Z');

// The hand-counted tickets: alone on 2025-11-10 (UTC), the report at 10:00.
const HAND = Z('2025-11-10T00:00:00Z');
const HAND_NOW = HAND + 10 * H;

interface Seed { ticket: Ticket; computed: ComputedSla; events: TicketEvent[]; reasons: [string | null, string | null]; escalations: number[] }


function generated(n: number): Seed[] {
  const rand = mulberry32(17);
  const out: Seed[] = [];
  for (let i = 0; i < n; i++) {
    const createdAt = FROM - 3 * D + Math.floor(rand() * (T_REPORT - FROM + 5 * D));
    const priority = pick(rand, ['urgent', 'high', 'medium', 'low', null] as const);
    const t: Ticket = {
      id: `G${i}`, subject: null, requester: null, customer: pick(rand, ['acme', 'globex', '=cmd', 'Äpfel', 'Zed', '', null]),
      tier: pick(rand, ['enterprise', 'business', null]), priority, status: 'new',
      // '' counts as unassigned and groups with no one; 'Zoë' and 'ana' sort differently by bytes and by locale
      assignee: rand() < 0.25 ? null : pick(rand, ['ana', 'bo', 'Zoë', 'cy', '']), group: pick(rand, ['billing', 'tech', 'Tech', null]),
      channel: null, tags: [], custom: {}, createdAt, firstResponseAt: null, resolvedAt: null, closedAt: null,
      updatedAt: createdAt, initialPriority: priority, assignment: null, noSlaReason: null,
    };
    const a = assignTicket(t, config);
    if (a.ok) t.assignment = a.assignment; else t.noSlaReason = a.reason;
    // When its state was last written: mostly before T_REPORT, some after (stale then).
    const writtenAt = createdAt + Math.floor(rand() * 6 * D);
    const events = randomHistory(rand, t, writtenAt, { statusShare: 0.25, endedPauses: 0.7 });
    const { computed } = computeSla(t, events, config, calendar, writtenAt);
    const reason = (m: 'first_response' | 'resolution', xs: string[]): string | null =>
      computed.metrics[m].status === 'breached' && rand() < 0.6 ? pick(rand, xs) : null;
    const reasons: Seed['reasons'] = [reason('first_response', ['late reply', 'understaffed', '']), reason('resolution', ['engineering', 'understaffed'])];
    const escalations: number[] = [];
    if (rand() < 0.2) escalations.push(createdAt + Math.floor(rand() * 5 * D));
    if (rand() < 0.05) escalations.push(createdAt + Math.floor(rand() * 5 * D));
    out.push({ ticket: t, computed, events, reasons, escalations });
  }
  // Never computed (a state the stored columns cannot answer for at any instant).
  out[0] = { ...out[0], computed: { ...out[0].computed, computedAt: null as unknown as number } };
  return out;
}

/**
 * Five tickets whose counts at HAND_NOW are worked out by hand (see the test): A urgent, open,
 * unassigned, first response past due; B resolved, both clocks met; C paused since 03:00;
 * D written after HAND_NOW, no SLA; E whose manual pause ran out at 05:00.
 */
function handSeeds(): Seed[] {
  const vip = assignment({ policy: 'vip', calendar: 'always', firstResponse: 30, resolution: 240 });
  const base = (id: string, over: Partial<Ticket>): Ticket => ({
    id, subject: null, requester: null, customer: 'hand', tier: 'enterprise', priority: 'high', status: 'open', assignee: 'ana',
    group: 'hand', channel: null, tags: [], custom: {}, createdAt: HAND, firstResponseAt: null, resolvedAt: null, closedAt: null,
    updatedAt: null, initialPriority: 'high', assignment: vip, noSlaReason: null, ...over,
  });
  const eAt = HAND + 1 * H;
  const eEvents: TicketEvent[] = [{ at: eAt, type: 'pause', value: null, until: HAND + 5 * H }];
  const e = base('E', { priority: 'medium', initialPriority: 'medium' });
  return [
    {
      ticket: base('A', { priority: 'urgent', initialPriority: 'urgent', assignee: null }),
      computed: build({
        slaStatus: 'on_time', computedAt: HAND + 1 * H,
        metrics: { first_response: { atRiskAt: HAND + 90 * MIN, dueAt: HAND + 2 * H }, resolution: { atRiskAt: HAND + 16 * H, dueAt: HAND + 20 * H } },
      }),
      events: [], reasons: ['late reply', null], escalations: [HAND + 3 * H],
    },
    {
      ticket: base('B', { status: 'resolved', firstResponseAt: HAND + 30 * MIN, resolvedAt: HAND + 2 * H }),
      computed: build({
        slaStatus: 'on_time', computedAt: HAND + 2 * H,
        metrics: {
          first_response: { status: 'met', dueAt: HAND + H, stoppedAt: HAND + 30 * MIN, elapsedMin: 30 },
          resolution: { status: 'met', dueAt: HAND + 8 * H, stoppedAt: HAND + 2 * H, elapsedMin: 120.25 },
        },
      }),
      events: [], reasons: [null, null], escalations: [HAND + 11 * H], // after the report instant
    },
    {
      ticket: base('C', { status: 'pending', firstResponseAt: HAND + H }),
      computed: build({
        slaStatus: 'paused', computedAt: HAND + 4 * H, pausedAt: HAND + 3 * H, totalPausedMs: 10 * MIN,
        metrics: {
          first_response: { status: 'met', dueAt: HAND + 2 * H, stoppedAt: HAND + H, elapsedMin: 60 },
          resolution: { status: 'paused', atRiskAt: HAND + 25 * H, dueAt: HAND + 30 * H },
        },
      }),
      events: [], reasons: [null, null], escalations: [],
    },
    {
      ticket: base('D', { priority: 'low', initialPriority: 'low', assignment: null, noSlaReason: 'no policy matches' }),
      computed: build({ slaStatus: null as unknown as string, computedAt: HAND + 12 * H, metrics: { first_response: { status: null as unknown as string }, resolution: { status: null as unknown as string } } }),
      events: [], reasons: [null, null], escalations: [],
    },
    { ticket: e, computed: computeSla(e, eEvents, config, calendar, HAND + 2 * H).computed, events: eEvents, reasons: [null, null], escalations: [] },
  ];
}

const SEEDS: Seed[] = [...generated(400), ...handSeeds()];

// ---- the two engines, holding the same data -------------------------------------------

/** What the assertions use of an engine: its reportCounts, behind the report use case's re-evaluation. */
type Counts = (q: ReportQuery) => Promise<{ aggregates: ReportAggregates; reevaluated: number }>;

const closers: Array<() => Promise<void> | void> = [];
afterAll(async () => { for (const c of closers.splice(0)) await c(); });

/** The report use case's counting (its re-evaluation callback included) over `reportCounts`. */
function counting(reportCounts: ReportStore['reportCounts']): Counts {
  const store: ReportStore = { metricsCounts: () => { throw new Error('not used'); }, reportCounts };
  return (q) => countReport(store, config, calendar, q);
}

const ESCALATED = "INSERT INTO sla_events (ticket_id, cycle, type, rule, due_at, recorded_at) VALUES (?, 0, ?, ?, ?, ?)";

function openSqlite(): Counts {
  const file = join(tempDir('sla-report-engines-'), 'sla.db');
  const w = Store.open(file, { create: true });
  for (const s of SEEDS) {
    w.saveTicket(s.ticket, s.computed, s.events);
    w.db.prepare('UPDATE tickets SET fr_breach_reason = ?, res_breach_reason = ? WHERE id = ?').run(s.reasons[0], s.reasons[1], s.ticket.id);
    s.escalations.forEach((due, i) => w.db.prepare(ESCALATED).run(s.ticket.id, 'escalated', `r${i}`, due, due));
    // not an escalation: never counted
    if (s.escalations.length) w.db.prepare(ESCALATED).run(s.ticket.id, 'breached', 'x', s.ticket.createdAt, s.ticket.createdAt);
  }
  w.close();
  const store = SqliteStore.open(file);
  closers.push(() => store.close());
  return counting((q, r) => store.reportCounts(q, r));
}

async function openPgs(): Promise<{ whole: Counts; halves: Counts }> {
  const sql: Sql = await openPostgres(await freshDatabase());
  closers.push(() => sql.end());
  await sql.begin(async (t) => {
    const tx = t as unknown as Sql;
    let k = 0;
    const esc = ESCALATED.replace(/\?/g, () => `$${++k}`);
    for (const s of SEEDS) {
      await writeTicket(tx, s.ticket, s.computed, s.events);
      await tx.unsafe('UPDATE tickets SET fr_breach_reason = $1, res_breach_reason = $2 WHERE id = $3', [s.reasons[0], s.reasons[1], s.ticket.id]);
      for (const [i, due] of s.escalations.entries()) await tx.unsafe(esc, [s.ticket.id, 'escalated', `r${i}`, due, due] as never[]);
      if (s.escalations.length) await tx.unsafe(esc, [s.ticket.id, 'breached', 'x', s.ticket.createdAt, s.ticket.createdAt] as never[]);
    }
  });
  const report = new PgReport(sql);
  // the same, the table read in two halves at once as a large one is (see PgReport.ticketsPass)
  const halves = new PgReport(sql, 1);
  return {
    whole: counting((q, r: (x: TicketRecord) => OverrideRow) => report.reportCounts(q, r)),
    halves: counting((q, r: (x: TicketRecord) => OverrideRow) => halves.reportCounts(q, r)),
  };
}

// ---- comparing --------------------------------------------------------------------------

/**
 * What the caller can tell of an answer: counts per (key, day) added up (an engine may split
 * a key's day over several rows: stored and re-evaluated), each key's times as one sorted
 * list (they are only used per key, in any order), the stale and re-evaluated numbers.
 */
function canonical(r: { aggregates: ReportAggregates; reevaluated: number }) {
  const counts = new Map<string, { key: string | null; day: number; counts: GroupCounts }>();
  const times = new Map<string, { firstResponse: number[]; resolution: number[] }>();
  for (const row of r.aggregates.rows) {
    const id = JSON.stringify([row.key, row.day]);
    let c = counts.get(id);
    if (!c) { c = { key: row.key, day: row.day, counts: emptyCounts() }; counts.set(id, c); }
    addCounts(c.counts, row.counts);
    const kid = JSON.stringify(row.key);
    let t = times.get(kid);
    if (!t) { t = { firstResponse: [], resolution: [] }; times.set(kid, t); }
    t.firstResponse.push(...Array.from(row.times.firstResponse));
    t.resolution.push(...Array.from(row.times.resolution));
  }
  const byId = <T>(m: Map<string, T>): Array<[string, T]> => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const t of times.values()) { t.firstResponse.sort((a, b) => a - b); t.resolution.sort((a, b) => a - b); }
  return {
    rows: byId(counts), times: byId(times).filter(([, t]) => t.firstResponse.length + t.resolution.length > 0),
    stale: r.aggregates.stale, slices: r.aggregates.slices, reevaluated: r.reevaluated,
  };
}

function query(by: GroupField, now: number, over: Partial<ReportQuery> = {}, zone = ZONE): ReportQuery {
  const from = over.from ?? FROM;
  const to = over.to ?? TO;
  return { from, to, now, by, urgent: 'urgent', daily: by !== 'day', day: reportWindow(from, to, zone).day, ...over };
}

const BY: readonly GroupField[] = ['priority', 'tier', 'policy', 'assignee', 'group', 'customer', 'breach_reason', 'day'];

interface Case { name: string; q: ReportQuery; reevaluated: 'some' | 'none' }
const CASES: Case[] = [
  ...BY.map((by): Case => ({ name: `--by ${by} with daily rows, some stored states later than now`, q: query(by, T_REPORT), reevaluated: 'some' })),
  ...BY.map((by): Case => ({ name: `--by ${by} without daily rows`, q: query(by, T_REPORT, { daily: false }), reevaluated: 'some' })),
  { name: 'a window that cuts the data mid-day on both ends', q: query('assignee', T_REPORT, { from: FROM + 3 * D + 5 * H, to: TO - 4 * D - 7 * H }), reevaluated: 'some' },
  { name: 'now after every stored state (only expired pauses re-evaluated)', q: query('priority', T_REPORT + 9 * D), reevaluated: 'some' },
  { name: 'now after every stored state, by breach reason', q: query('breach_reason', T_REPORT + 9 * D, { daily: false }), reevaluated: 'some' },
  { name: 'now early in the window: most stored states are later (--at in the past)', q: query('group', FROM + 4 * D), reevaluated: 'some' },
  { name: 'now early in the window, by day', q: query('day', FROM + 4 * D), reevaluated: 'some' },
  { name: 'no top priority configured', q: query('tier', T_REPORT, { urgent: null }), reevaluated: 'some' },
  {
    name: 'the whole data set, hand-counted tickets included',
    q: query('customer', HAND_NOW, { from: FROM - 4 * D, to: HAND + D }), reevaluated: 'some',
  },
  { name: 'a window without tickets', q: query('priority', HAND + 40 * D, { from: HAND + 30 * D, to: HAND + 31 * D }), reevaluated: 'none' },
];

describe.skipIf(POSTGRES_URL === null)('report counts: PostgreSQL counts what SQLite counts', () => {
  let sqlite: Counts;
  let pg: Counts;
  let halves: Counts;
  beforeAll(async () => {
    sqlite = openSqlite();
    ({ whole: pg, halves } = await openPgs());
  });

  it.each(CASES)('$name', async ({ q, reevaluated }) => {
    const a = await sqlite(q);
    const b = await pg(q);
    expect(canonical(b)).toEqual(canonical(a));
    const h = await halves(q);
    expect(h.aggregates.slices).toBe(2);
    expect({ ...canonical(h), slices: 1 }).toEqual(canonical(a));
    expect(h.aggregates.rows.map((r) => [r.key, r.day])).toEqual(b.aggregates.rows.map((r) => [r.key, r.day]));
    // What the report shows, assembled from each engine's rows as the use case does.
    const days = q.daily ? reportWindow(q.from, q.to, ZONE).dates.length : 0;
    expect(assembleReport(b.aggregates.rows, { order: 'volume', days })).toEqual(assembleReport(a.aggregates.rows, { order: 'volume', days }));
    // The comparison covers what it should: tickets counted, the re-evaluated path taken or not.
    if (reevaluated === 'some') {
      expect(b.reevaluated).toBeGreaterThan(0);
      expect(b.aggregates.stale).toBe(b.reevaluated);
      expect(canonical(b).rows.reduce((n, [, r]) => n + r.counts.tickets, 0)).toBeGreaterThan(20);
    } else {
      expect(b.aggregates.rows).toEqual([]);
      expect(b.reevaluated).toBe(0);
    }
  });
});

// ---- hand-counted -------------------------------------------------------------------------

const ENGINES: Array<{ name: string; open: () => Promise<Counts> }> = [
  { name: 'sqlite', open: async () => openSqlite() },
  ...(POSTGRES_URL === null ? [] : [{ name: 'postgres', open: async () => (await openPgs()).whole }]),
];

/** The hand-counted day alone, in UTC. */
const handQuery = (by: GroupField, daily = false): ReportQuery =>
  query(by, HAND_NOW, { from: HAND, to: HAND + D, daily, day: reportWindow(HAND, HAND + D, 'UTC').day });

describe.each(ENGINES)('report counts on $name, worked out by hand', ({ open }) => {
  let counts: Counts;
  beforeAll(async () => { counts = await open(); });

  it('by priority: classes at 10:00, times, paused share, escalations, two tickets re-evaluated', async () => {
    const r = await counts(handQuery('priority'));
    // D was written after 10:00 and E's pause ran out at 05:00, after its write at 02:00
    expect(r.reevaluated).toBe(2);
    expect(r.aggregates.stale).toBe(2);
    const report = assembleReport(r.aggregates.rows, { keys: config.priorities, order: 'order', days: 0 });
    const g = Object.fromEntries(report.groups.map((x) => [x.key, x]));
    // A: first response due 02:00 (breached), resolution at risk only from 16:00; open, unassigned, urgent; escalated at 03:00
    expect(g.urgent).toMatchObject({
      tickets: 1, open: 1, unassignedOpen: 1, urgentOpen: 1, breachedTickets: 1, escalations: 1, withoutSla: 0,
      firstResponse: { met: 0, breached: 1, pending: 0 }, resolution: { met: 0, breached: 0, pending: 1 },
      statusCounts: { on_time: 0, at_risk: 0, breached: 1, paused: 0 },
    });
    // B: resolved at 02:00, both met (30 and 120.25 minutes), its escalation (11:00) not yet due;
    // C: first response met in 60 minutes, resolution paused since 03:00 with 10 minutes paused before
    expect(g.high).toMatchObject({
      tickets: 2, open: 1, unassignedOpen: 0, urgentOpen: 0, breachedTickets: 0, escalations: 0, pausedTickets: 1,
      firstResponse: { met: 2, breached: 0, pending: 0, compliancePercent: 100 }, resolution: { met: 1, breached: 0, pending: 1 },
      statusCounts: { on_time: 0, at_risk: 0, breached: 0, paused: 1 },
      firstResponseTimes: { count: 2, avgMinutes: 45, p50Minutes: 30, p90Minutes: 60, p95Minutes: 60 },
      resolutionTimes: { count: 1, avgMinutes: 120.25, p50Minutes: 120.25 },
      // paused 10 min + 03:00 (computed 04:00) → 10:00 = 370 min, over lifetimes 120 + 600 min
      pausedSharePercent: 51.4,
    });
    // E: no reply, its first 60 minutes ran before the pause: breached whatever the pause did
    expect(g.medium).toMatchObject({ tickets: 1, breachedTickets: 1, firstResponse: { breached: 1 } });
    // D: no SLA
    expect(g.low).toMatchObject({ tickets: 1, withoutSla: 1, open: 1, firstResponse: { met: 0, breached: 0, pending: 0 } });
    expect(report.total).toMatchObject({ tickets: 5, withoutSla: 1, escalations: 1, breachedTickets: 2 });
  });

  it('by breach reason: the recorded one, "no reason recorded", "not breached"', async () => {
    const r = await counts(handQuery('breach_reason'));
    const got = assembleReport(r.aggregates.rows, { order: 'volume', days: 0 }).groups.map((x) => [x.key, x.tickets]);
    expect(got).toEqual([[NOT_BREACHED, 3], [NO_REASON, 1], ['late reply', 1]]);
  });

  it('by day and daily rows: all five on the one local day', async () => {
    const byDay = await counts(handQuery('day'));
    expect(assembleReport(byDay.aggregates.rows, { order: 'volume', days: 0 }).groups.map((x) => [x.key, x.tickets])).toEqual([['0', 5]]);
    const daily = await counts(handQuery('assignee', true));
    const report = assembleReport(daily.aggregates.rows, { order: 'volume', days: 1 });
    expect(report.groups.map((x) => [x.key, x.tickets])).toEqual([['ana', 4], [null, 1]]);
    expect(report.daily[0]).toMatchObject({ firstResponse: { met: 2, breached: 2, pending: 0 } });
  });
});
