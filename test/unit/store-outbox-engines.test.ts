// The check and outbox store's operations held to the same assertions on both engines (team
// mode, issue 17): the SQLite file and, when the test server is there (.ci/postgres),
// PostgreSQL — SLA events recorded once with their alerts, dry runs, the outbox's claims and
// leases, incidents, disabled destinations, runs and the metrics' counts. Then what only
// several machines on one PostgreSQL database can do: claim, and check, at the same time.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ComputedSla, Ticket, TicketEvent } from '../../src/domain/ticket.js';
import type {
  AlertInsert, AuditEntry, CheckChange, CheckedTicket, Lease, OpenIncident, Store,
} from '../../src/store/contract.js';
import { openPostgres, type Sql } from '../../src/store/postgres/open.js';
import { PgOutbox } from '../../src/store/postgres/outbox.js';
import { writeTicket } from '../../src/store/postgres/ticket-write.js';
import { SqliteStore } from '../../src/store/sqlite/engine.js';
import * as build from '../support/build.js';
import { tempDir } from '../support/project.js';
import { freshDatabase, POSTGRES_URL } from '../support/postgres.js';

/** The operations under test: PgOutbox must offer each with the contract's own signature. */
type Ops = Pick<Store,
  | 'recordCheck' | 'customersWithOpenAtLeast' | 'nthOpenCreated' | 'unfiredOpenTickets' | 'countOpenInStates' | 'startRun' | 'finishRun'
  | 'listRuns' | 'lastRun' | 'dueByDestination' | 'due' | 'claim' | 'claimOne' | 'holds' | 'renew' | 'markSent' | 'closeIncidents'
  | 'markRetry' | 'markFailed' | 'retryFailed' | 'pendingCount' | 'listAlerts' | 'countAlerts' | 'disabledDestinations'
  | 'disableDestination' | 'enableDestination' | 'metricsCounts'>;

interface EventRow { cycle: number; type: string; rule: string; dueAt: number; announced: boolean; data: unknown }
interface AuditRow { actor: string; action: string; ticketId: string | null; after: unknown }

/** What the assertions use of an engine: its operations, and a way to seed and look in. */
interface Engine {
  ops: Ops;
  seed(t: Ticket, c: ComputedSla, events?: TicketEvent[]): Promise<void>;
  slaEvents(id: string): Promise<EventRow[]>;
  audit(): Promise<AuditRow[]>;
}

const closers: Array<() => Promise<void>> = [];
afterAll(async () => { for (const c of closers.splice(0)) await c(); });

async function openPg(url: string): Promise<{ sql: Sql; ops: PgOutbox }> {
  const sql = await openPostgres(url);
  closers.push(() => sql.end());
  const ops: Ops = new PgOutbox(sql); // checks the signatures against the contract
  return { sql, ops: ops as PgOutbox };
}

async function pgEngine(url: string): Promise<Engine> {
  const { sql, ops } = await openPg(url);
  return {
    ops,
    seed: async (t, c, events = []) => { await sql.begin((tx) => writeTicket(tx as unknown as Sql, t, c, events)); },
    slaEvents: async (id) => (await sql<Array<{ cycle: number; type: string; rule: string; due_at: number; announced: number; data: string | null }>>`
      SELECT cycle, type, rule, due_at, announced, data FROM sla_events WHERE ticket_id = ${id} ORDER BY due_at, seq`)
      .map((r) => ({ cycle: r.cycle, type: r.type, rule: r.rule, dueAt: r.due_at, announced: r.announced !== 0, data: r.data === null ? null : JSON.parse(r.data) })),
    audit: async () => (await sql<Array<{ actor: string; action: string; ticket_id: string | null; after: string | null }>>`
      SELECT actor, action, ticket_id, after FROM audit ORDER BY at, seq`)
      .map((r) => ({ actor: r.actor, action: r.action, ticketId: r.ticket_id, after: r.after === null ? null : JSON.parse(r.after) })),
  };
}

const ENGINES: Array<{ name: string; open: () => Promise<Engine> }> = [
  {
    name: 'sqlite',
    open: async () => {
      const s = SqliteStore.open(join(tempDir('sla-outbox-'), 'sla.db'), { create: true });
      closers.push(async () => s.close());
      return {
        ops: s,
        seed: async (t, c, events = []) => { await s.mutateTicket(t.id, () => ({ write: { ticket: t, computed: c, events }, result: null })); },
        slaEvents: async (id) => (await s.slaEventsOf(id)).map((e) => ({ cycle: e.cycle, type: e.type, rule: e.rule, dueAt: e.dueAt, announced: e.announced, data: e.data })),
        audit: async () => (await s.listAudit()).map((a) => ({ actor: a.actor, action: a.action, ticketId: a.ticketId, after: a.after })),
      };
    },
  },
  ...(POSTGRES_URL === null ? [] : [{ name: 'postgres', open: async () => pgEngine(await freshDatabase()) }]),
];

// ---- builders ----

const lease = (owner: string, wall: number, ms = 60_000): Lease => ({ owner, wall: () => wall, ms });

function alert(id: string, over: Partial<AlertInsert> = {}): AlertInsert {
  return { id, destination: 'slack', type: 'breached', status: 'pending', nextAttemptAt: 100, payload: `{"id":"${id}"}`, createdAt: 100, runId: null, ...over };
}

const auditEntry = (action: string, ticketId: string | null = null, after: unknown = null): AuditEntry =>
  ({ at: 50, actor: 'system', action, ticketId, reason: null, before: null, after });

/** Ticket `id` of acme, open, on time, due to change at 5000 (build.storedTicket otherwise). */
async function seedTicket(e: Engine, id: string, over: Partial<Ticket> = {}, c: build.ComputedOver = {}): Promise<void> {
  await e.seed(build.storedTicket(id, over), build.computed({ nextChangeAt: 5000, computedAt: 10, ...c }));
}

/** What decide saw of the ticket, as a check's result. */
interface Seen { id: string; fired0: string[]; fired1: string[]; manual0: number; nextChangeAt: number | null; events: number }
const seen = (cur: CheckedTicket): Seen => ({
  id: cur.ticket.id, fired0: [...cur.fired(0)].sort(), fired1: [...cur.fired(1)].sort(), manual0: cur.manualEscalations(0),
  nextChangeAt: cur.nextChangeAt, events: cur.events.length,
});

let ruleNo = 0;
/** Queues `alerts` on ticket `id` (seeded when missing) with an SLA event of its own, as check does. */
async function queue(e: Engine, id: string, alerts: AlertInsert[]): Promise<void> {
  const rule = `r${++ruleNo}`;
  const { results } = await e.ops.recordCheck([id], () => ({
    events: [{ event: { cycle: 0, type: 'escalated', rule, dueAt: 10, recordedAt: 10, announced: true, data: null, runId: null }, alerts }],
    audit: [], write: null, result: true,
  }));
  expect(results).toEqual([true]);
}

/** The breach of ticket `id`'s first response: one event, alert `alertId`, one audit entry, the ticket written as breached. */
function breach(alertId: string): (cur: CheckedTicket) => CheckChange<Seen> {
  return (cur) => ({
    events: [{
      event: { cycle: 0, type: 'breached', rule: 'first_response', dueAt: 4000, recordedAt: 4100, announced: true, data: { metric: 'first_response' }, runId: 7 },
      alerts: [alert(alertId, { createdAt: 4100 })],
    }],
    audit: [auditEntry('check.breached', cur.ticket.id)],
    write: {
      ticket: cur.ticket,
      computed: build.computed({ slaStatus: 'breached', nextChangeAt: null, computedAt: 4100, metrics: { first_response: { status: 'breached' } } }),
      events: [{ at: 4100, type: 'note', value: 'breached', actor: null, reason: null, source: 'check' }],
    },
    result: seen(cur),
  });
}

describe.each(ENGINES)('check and outbox store on $name', ({ open }) => {
  it('records an SLA event once: a second check of the same event queues no alert again', async () => {
    const e = await open();
    await seedTicket(e, 'A');
    const first = await e.ops.recordCheck(['A', 'gone'], breach('a1'));
    // a ticket that is not there is passed over
    expect(first.results).toEqual([{ id: 'A', fired0: [], fired1: [], manual0: 0, nextChangeAt: 5000, events: 0 }]);
    expect(first.openInStates).toBeNull();
    expect(await e.slaEvents('A')).toEqual([
      { cycle: 0, type: 'breached', rule: 'first_response', dueAt: 4000, announced: true, data: { metric: 'first_response' } },
    ]);
    expect((await e.ops.listAlerts()).map((a) => [a.id, a.ticketId, a.status, a.destination, a.nextAttemptAt])).toEqual([['a1', 'A', 'pending', 'slack', 100]]);
    expect(await e.audit()).toEqual([{ actor: 'system', action: 'check.breached', ticketId: 'A', after: null }]);
    expect(await e.ops.countOpenInStates(['breached'])).toBe(1);

    const again = await e.ops.recordCheck(['A'], breach('a2'));
    // it sees what the first check wrote: the event fired, the ticket's new state and history
    expect(again.results).toEqual([{ id: 'A', fired0: ['breached|first_response'], fired1: [], manual0: 0, nextChangeAt: null, events: 1 }]);
    expect(await e.slaEvents('A')).toHaveLength(1);
    expect((await e.ops.listAlerts()).map((a) => a.id)).toEqual(['a1']);
    const alertSeq = (await e.ops.listAlerts())[0].slaEventSeq;
    expect(alertSeq).toEqual(expect.any(Number));
  });

  it('answers fired and manualEscalations per cycle, and writes nothing for a ticket decide passes', async () => {
    const e = await open();
    await seedTicket(e, 'A');
    const ev = (cycle: number, type: string, rule: string) =>
      ({ event: { cycle, type, rule, dueAt: 10, recordedAt: 10, announced: false, data: null, runId: null }, alerts: [] });
    await e.ops.recordCheck(['A'], () => ({
      events: [ev(0, 'escalated', 'manual:1'), ev(0, 'escalated', 'manual:2'), ev(0, 'escalated', 'rule-x'), ev(1, 'at_risk', 'resolution')],
      audit: [], write: null, result: null,
    }));
    const { results } = await e.ops.recordCheck(['A'], (cur) => { expect(seen(cur)).toBeTruthy(); return null; });
    expect(results).toEqual([]);
    const { results: [s] } = await e.ops.recordCheck(['A'], (cur) => ({ events: [], audit: [], write: null, result: seen(cur) }));
    expect(s).toMatchObject({
      fired0: ['escalated|manual:1', 'escalated|manual:2', 'escalated|rule-x'], fired1: ['at_risk|resolution'], manual0: 2,
    });
    expect((await e.slaEvents('A')).map((x) => x.announced)).toEqual([false, false, false, false]);
    expect(await e.audit()).toEqual([]);
  });

  it('a dry run writes nothing, but counts the open tickets in the states as its transaction left them', async () => {
    const e = await open();
    await seedTicket(e, 'A');
    await seedTicket(e, 'B', {}, { slaStatus: 'breached' });
    await seedTicket(e, 'C', { status: 'closed' }, { slaStatus: 'breached' });
    const dry = await e.ops.recordCheck(['A'], breach('a1'), { dryRun: true, countOpenIn: ['breached', 'at_risk'] });
    expect(dry.results.map((r) => r.id)).toEqual(['A']);
    expect(dry.openInStates).toBe(2);
    expect(await e.ops.countOpenInStates(['breached', 'at_risk'])).toBe(1);
    expect(await e.ops.countOpenInStates([])).toBe(0);
    expect(await e.slaEvents('A')).toEqual([]);
    expect(await e.ops.countAlerts()).toBe(0);
    expect(await e.audit()).toEqual([]);
    // and the event is still to record
    const wet = await e.ops.recordCheck(['A'], breach('a1'), { countOpenIn: ['breached'] });
    expect(wet.openInStates).toBe(2);
    expect(await e.ops.countAlerts()).toBe(1);
  });

  it('finds customers by their open tickets, their nth oldest, and those a rule has not fired on this cycle', async () => {
    const e = await open();
    await seedTicket(e, 'A1', { createdAt: 300 });
    await seedTicket(e, 'A2', { createdAt: 100 });
    await seedTicket(e, 'A3', { createdAt: 200 }, { cycle: 1 });
    await seedTicket(e, 'A4', { createdAt: 50, status: 'resolved' });
    await seedTicket(e, 'B1', { customer: 'beta', createdAt: 10 });
    await seedTicket(e, 'N1', { customer: null, createdAt: 10 });
    expect(await e.ops.customersWithOpenAtLeast(2)).toEqual([{ customer: 'acme', n: 3 }]);
    expect(await e.ops.customersWithOpenAtLeast(1)).toEqual([{ customer: 'acme', n: 3 }, { customer: 'beta', n: 1 }]);
    expect(await e.ops.nthOpenCreated('acme', 1)).toBe(100);
    expect(await e.ops.nthOpenCreated('acme', 3)).toBe(300);
    expect(await e.ops.nthOpenCreated('acme', 4)).toBeNull();
    expect(await e.ops.unfiredOpenTickets('acme', 'many')).toEqual(['A2', 'A3', 'A1']);
    const fire = (cycle: number) => () => ({
      events: [{ event: { cycle, type: 'escalated', rule: 'many', dueAt: 1, recordedAt: 1, announced: true, data: null, runId: null }, alerts: [] }],
      audit: [], write: null, result: null,
    });
    await e.ops.recordCheck(['A2'], fire(0));
    await e.ops.recordCheck(['A3'], fire(0)); // A3 is in cycle 1: this one does not count
    expect(await e.ops.unfiredOpenTickets('acme', 'many')).toEqual(['A3', 'A1']);
    expect(await e.ops.unfiredOpenTickets('acme', 'other')).toEqual(['A2', 'A3', 'A1']);
  });

  it('claims the oldest claimable alerts of a destination, each for one run, until its lease runs out', async () => {
    const e = await open();
    await seedTicket(e, 'A');
    await queue(e, 'A', [
      alert('a1', { createdAt: 100, nextAttemptAt: 100 }), alert('a2', { createdAt: 200, nextAttemptAt: 200 }),
      alert('a3', { createdAt: 300, nextAttemptAt: 5000 }), alert('b1', { destination: 'teams', createdAt: 150 }),
      alert('u1', { destination: null, status: 'unrouted', nextAttemptAt: null }),
    ]);
    const A = lease('run-a', 10_000);
    expect(await e.ops.dueByDestination(1000, A)).toEqual([{ destination: 'slack', n: 2 }, { destination: 'teams', n: 1 }]);
    expect((await e.ops.due('slack', 1000, A)).map((a) => [a.id, a.status])).toEqual([['a1', 'pending'], ['a2', 'pending']]);
    expect(await e.ops.pendingCount()).toBe(4);

    let walls = 0;
    const counted: Lease = { owner: 'run-a', ms: 60_000, wall: () => { walls++; return 10_000; } };
    const [c1] = await e.ops.claim('slack', 1000, counted, 1);
    expect(walls).toBe(1);
    expect(c1).toMatchObject({ id: 'a1', status: 'sending', leaseUntil: 70_000, attempts: 0, ticketId: 'A' });
    const B = lease('run-b', 10_000);
    expect((await e.ops.claim('slack', 1000, B, 5)).map((a) => a.id)).toEqual(['a2']);
    expect(await e.ops.claim('slack', 1000, B, 5)).toEqual([]); // a3 is not due yet
    expect(await e.ops.claimOne('a1', 1000, B)).toBeNull(); // run-a holds it
    expect(await e.ops.claimOne('a3', 1000, B)).toBeNull();
    expect(await e.ops.claimOne('a3', 5000, B)).toMatchObject({ id: 'a3', status: 'sending', leaseUntil: 70_000 });
    expect(await e.ops.claimOne('u1', 1000, B)).toBeNull(); // unrouted: never sent
    expect(await e.ops.dueByDestination(1000, A)).toEqual([{ destination: 'teams', n: 1 }]);
    expect(await e.ops.pendingCount()).toBe(4); // sending counts as pending

    expect(await e.ops.holds(['a1'], 'run-a', 10_001)).toBe(true);
    expect(await e.ops.holds(['a1', 'a1'], 'run-a', 10_001)).toBe(true);
    expect(await e.ops.holds(['a1', 'a2'], 'run-a', 10_001)).toBe(false);
    expect(await e.ops.holds(['a1'], 'run-a', 70_000)).toBe(false); // the lease ended
    expect(await e.ops.holds([], 'run-a', 10_001)).toBe(true);
    expect((await e.ops.renew(lease('run-a', 20_000))).sort()).toEqual(['a1']);
    expect(await e.ops.holds(['a1'], 'run-a', 75_000)).toBe(true);
    expect((await e.ops.renew(lease('run-b', 20_000))).sort()).toEqual(['a2', 'a3']);

    // run-a's lease runs out: another run takes the alert over, and run-a's retry leaves it be
    expect(await e.ops.claimOne('a1', 1000, lease('run-c', 80_001))).toMatchObject({ id: 'a1', leaseUntil: 140_001 });
    expect(await e.ops.holds(['a1'], 'run-a', 80_002)).toBe(false);
    await e.ops.markRetry(['a1'], 90_000, 1, 'HTTP 500', 'run-a');
    await e.ops.markFailed(['a1'], 1, 'HTTP 400', 'run-a');
    expect((await e.ops.listAlerts()).find((a) => a.id === 'a1')).toMatchObject({ status: 'sending', attempts: 0, lastError: null });
    expect(await e.ops.holds(['a1'], 'run-c', 80_002)).toBe(true);

    // a lease from a clock a little ahead (5 s: another machine) is believed: not taken over
    expect((await e.ops.claim('teams', 1000, lease('run-ahead', 15_000), 5)).map((a) => [a.id, a.leaseUntil])).toEqual([['b1', 75_000]]);
    expect(await e.ops.claim('teams', 1000, lease('run-d', 10_000), 5)).toEqual([]);
    expect(await e.ops.claimOne('b1', 1000, lease('run-d', 10_000))).toBeNull();
    expect((await e.ops.dueByDestination(1000, lease('run-d', 10_000))).filter((d) => d.destination === 'teams')).toEqual([]);
    // one ending further ahead than two lease lengths was written by a clock that ran fast: claimable
    await e.ops.markRetry(['b1'], 1000, 0, 'again', 'run-ahead');
    await e.ops.claim('teams', 1000, lease('run-fast', 1_000_000), 5);
    expect((await e.ops.claim('teams', 1000, lease('run-d', 10_000), 5)).map((a) => [a.id, a.leaseUntil])).toEqual([['b1', 70_000]]);
  });

  it('marks alerts sent, retried (each its own time) and failed, and re-queues the failed ones with an audit', async () => {
    const e = await open();
    await seedTicket(e, 'A');
    await queue(e, 'A', ['x1', 'x2', 'x3', 'x4'].map((id, i) => alert(id, { createdAt: 100 + i })));
    const L = lease('run', 10_000);
    expect((await e.ops.claim('slack', 1000, L, 10)).map((a) => a.id)).toEqual(['x1', 'x2', 'x3', 'x4']);
    await e.ops.markSent(['x1'], 2000, 2);
    await e.ops.markRetry(['x2', 'x3'], [3000, 4000], 1, 'HTTP 503', 'run');
    await e.ops.markFailed(['x4'], 3, 'HTTP 400', 'run');
    const byId = async () => Object.fromEntries((await e.ops.listAlerts()).map((a) => [a.id, a]));
    let all = await byId();
    expect(all.x1).toMatchObject({ status: 'sent', sentAt: 2000, attempts: 2, nextAttemptAt: null, lastError: null, leaseUntil: null });
    expect(all.x2).toMatchObject({ status: 'pending', nextAttemptAt: 3000, attempts: 1, lastError: 'HTTP 503', leaseUntil: null });
    expect(all.x3).toMatchObject({ status: 'pending', nextAttemptAt: 4000, attempts: 1 });
    expect(all.x4).toMatchObject({ status: 'failed', nextAttemptAt: null, attempts: 3, lastError: 'HTTP 400', leaseUntil: null });
    expect(await e.ops.holds(['x2'], 'run', 10_001)).toBe(false);
    expect((await e.ops.due('slack', 3500, L)).map((a) => a.id)).toEqual(['x2']);
    await e.ops.markRetry(['x2'], 5000, 1, 'timeout', 'run'); // not held by anyone: the retry applies
    expect((await byId()).x2).toMatchObject({ nextAttemptAt: 5000, attempts: 2, lastError: 'timeout' });
    expect(await e.ops.pendingCount()).toBe(2);

    expect(await e.ops.retryFailed(6000, (n) => auditEntry('alerts.retry', null, { n }))).toBe(1);
    all = await byId();
    expect(all.x4).toMatchObject({ status: 'pending', nextAttemptAt: 6000, attempts: 3 });
    expect(await e.ops.retryFailed(7000, (n) => auditEntry('alerts.retry', null, { n }))).toBe(0);
    expect(await e.audit()).toEqual([{ actor: 'system', action: 'alerts.retry', ticketId: null, after: { n: 1 } }]);
    expect(await e.ops.countAlerts(['failed'])).toBe(0);
  });

  it('remembers what sent alerts opened, and closes each incident once', async () => {
    const e = await open();
    await seedTicket(e, 'A', {}, { metrics: { first_response: { status: 'met', stoppedAt: 4000 } } });
    await queue(e, 'A', [alert('p1', { destination: 'pd' })]);
    await e.ops.claim('pd', 1000, lease('run', 10_000), 10);
    const k1 = { destination: 'pd', key: 'k1', ticketId: 'A', metric: 'first_response' as const, cycle: 0 };
    const k2 = { destination: 'pd', key: 'k2', ticketId: 'A', metric: null, cycle: 0 };
    const k3 = { destination: 'pd', key: 'k3', ticketId: 'gone', metric: 'resolution' as const, cycle: 2 };
    await e.ops.markSent(['p1'], 2000, 1, [k1, k2, k3]);
    await e.ops.markSent([], 2500, 1, [{ ...k1, cycle: 9 }]); // already open: kept as it was
    const seenIncidents: OpenIncident[] = [];
    const closing = (i: OpenIncident): AlertInsert | null => {
      seenIncidents.push(i);
      return i.stoppedAt !== null || i.ticketStatus === null ? alert(`close-${i.key}`, { type: 'resolve', destination: i.destination, createdAt: 3000 }) : null;
    };
    expect(await e.ops.closeIncidents(closing)).toBe(2);
    expect(seenIncidents).toEqual([
      { ...k1, openedAt: 2000, ticketStatus: 'open', ticketCycle: 0, stoppedAt: 4000 },
      { ...k2, openedAt: 2000, ticketStatus: 'open', ticketCycle: 0, stoppedAt: null },
      { ...k3, openedAt: 2000, ticketStatus: null, ticketCycle: null, stoppedAt: null },
    ]);
    const closers2 = (await e.ops.listAlerts({ until: 3000 })).filter((a) => a.type === 'resolve');
    expect(closers2.map((a) => [a.id, a.ticketId, a.slaEventSeq, a.status])).toEqual([['close-k1', 'A', null, 'pending'], ['close-k3', 'gone', null, 'pending']]);
    seenIncidents.length = 0;
    expect(await e.ops.closeIncidents(closing)).toBe(0);
    expect(seenIncidents.map((i) => i.key)).toEqual(['k2']);
  });

  it('disables destinations (replacing an earlier disabling) and enables them again, audited once', async () => {
    const e = await open();
    await e.ops.disableDestination({ name: 'hook', target: 't1', disabledAt: 200, reason: 'HTTP 410' });
    await e.ops.disableDestination({ name: 'teams', target: 't2', disabledAt: 100, reason: 'HTTP 410' });
    expect((await e.ops.disabledDestinations()).map((d) => d.name)).toEqual(['teams', 'hook']);
    await e.ops.disableDestination({ name: 'hook', target: 't3', disabledAt: 50, reason: 'HTTP 410 Gone' });
    expect(await e.ops.disabledDestinations()).toEqual([
      { name: 'hook', target: 't3', disabledAt: 50, reason: 'HTTP 410 Gone' },
      { name: 'teams', target: 't2', disabledAt: 100, reason: 'HTTP 410' },
    ]);
    expect(await e.ops.enableDestination('hook', auditEntry('alerts.enable', null, { destination: 'hook' }))).toBe(true);
    expect(await e.ops.enableDestination('hook', auditEntry('alerts.enable', null, { destination: 'hook' }))).toBe(false);
    expect(await e.ops.enableDestination('teams', null)).toBe(true);
    expect(await e.ops.disabledDestinations()).toEqual([]);
    expect(await e.audit()).toEqual([{ actor: 'system', action: 'alerts.enable', ticketId: null, after: { destination: 'hook' } }]);
  });

  it('lists the outbox newest first (ties by id), by status, up to a time, and counts it', async () => {
    const e = await open();
    await seedTicket(e, 'A');
    await queue(e, 'A', [
      alert('m2', { createdAt: 300 }), alert('m1', { createdAt: 300 }), alert('m3', { createdAt: 100 }),
      alert('m4', { createdAt: 200, destination: null, status: 'unrouted', nextAttemptAt: null }),
    ]);
    await e.ops.claimOne('m3', 1000, lease('run', 10_000));
    await e.ops.markFailed(['m3'], 1, 'HTTP 400', 'run');
    expect((await e.ops.listAlerts()).map((a) => a.id)).toEqual(['m1', 'm2', 'm4', 'm3']);
    expect((await e.ops.listAlerts({ limit: 2 })).map((a) => a.id)).toEqual(['m1', 'm2']);
    expect((await e.ops.listAlerts({ until: 200 })).map((a) => a.id)).toEqual(['m4', 'm3']);
    expect((await e.ops.listAlerts({ statuses: ['failed', 'unrouted'] })).map((a) => a.id)).toEqual(['m4', 'm3']);
    expect((await e.ops.listAlerts({ statuses: ['pending'], until: 250, limit: 5 }))).toEqual([]);
    const [m3] = await e.ops.listAlerts({ statuses: ['failed'] });
    expect(m3).toEqual({
      id: 'm3', slaEventSeq: expect.any(Number), ticketId: 'A', destination: 'slack', type: 'breached', status: 'failed', attempts: 1,
      nextAttemptAt: null, lastError: 'HTTP 400', payload: '{"id":"m3"}', createdAt: 100, sentAt: null, runId: null, leaseUntil: null,
    });
    expect(await e.ops.countAlerts()).toBe(4);
    expect(await e.ops.countAlerts(['pending'])).toBe(2);
    expect(await e.ops.countAlerts(['pending', 'failed'])).toBe(3);
    expect(await e.ops.countAlerts([])).toBe(4);
  });

  it('records runs: running until finished, newest first', async () => {
    const e = await open();
    expect(await e.ops.lastRun()).toBeNull();
    expect(await e.ops.listRuns(5)).toEqual([]);
    const a = await e.ops.startRun(1000, 900);
    const b = await e.ops.startRun(2000, 2000);
    expect(b).toBeGreaterThan(a);
    expect((await e.ops.listRuns(10)).map((r) => [r.id, r.status])).toEqual([[b, 'running'], [a, 'running']]);
    await e.ops.finishRun(a, 1500, { ticketsEvaluated: 4, events: 3, alertsSent: 2, alertsFailed: 1 }, 'ok', null);
    await e.ops.finishRun(b, 2500, { ticketsEvaluated: 0, events: 0, alertsSent: 0, alertsFailed: 0 }, 'failed', 'database is locked');
    expect(await e.ops.lastRun()).toEqual({
      id: b, startedAt: 2000, finishedAt: 2500, at: 2000, ticketsEvaluated: 0, events: 0, alertsSent: 0, alertsFailed: 0,
      status: 'failed', error: 'database is locked',
    });
    expect(await e.ops.listRuns(1)).toHaveLength(1);
    expect((await e.ops.listRuns(10))[1]).toEqual({
      id: a, startedAt: 1000, finishedAt: 1500, at: 900, ticketsEvaluated: 4, events: 3, alertsSent: 2, alertsFailed: 1, status: 'ok', error: null,
    });
  });

  it("counts what `sla metrics` exposes: open tickets, events by policy and priority, the outbox, the last runs", async () => {
    const e = await open();
    await seedTicket(e, 'A', { priority: 'urgent' }, { slaStatus: 'breached' });
    await seedTicket(e, 'B', { priority: 'urgent' }, { slaStatus: 'breached' });
    await seedTicket(e, 'C', { priority: null }, { slaStatus: 'at_risk' });
    await seedTicket(e, 'D', { priority: 'low', assignment: null }, { slaStatus: null });
    await seedTicket(e, 'E', { priority: 'low', status: 'closed' }, { slaStatus: 'met' });
    await queue(e, 'A', [alert('q1'), alert('q2', { destination: null, status: 'unrouted', nextAttemptAt: null })]);
    await queue(e, 'D', [alert('q3')]);
    await queue(e, 'E', []);
    await e.ops.claimOne('q1', 1000, lease('run', 10_000));
    await e.ops.markSent(['q1'], 1100, 1);
    const ok = await e.ops.startRun(1, 1);
    await e.ops.finishRun(ok, 2, { ticketsEvaluated: 1, events: 1, alertsSent: 1, alertsFailed: 0 }, 'ok', null);
    const failed = await e.ops.startRun(3, 3);
    await e.ops.finishRun(failed, 4, { ticketsEvaluated: 0, events: 0, alertsSent: 0, alertsFailed: 0 }, 'failed', 'boom');
    const m = await e.ops.metricsCounts();
    expect(m.open).toEqual([
      { slaStatus: null, priority: 'low', n: 1 },
      { slaStatus: 'at_risk', priority: null, n: 1 },
      { slaStatus: 'breached', priority: 'urgent', n: 2 },
    ]);
    // a closed ticket's events count too
    expect(m.events).toEqual([
      { type: 'escalated', policy: null, priority: 'low', n: 1 },
      { type: 'escalated', policy: 'p', priority: 'low', n: 1 },
      { type: 'escalated', policy: 'p', priority: 'urgent', n: 1 },
    ]);
    expect(m.outbox).toEqual([{ status: 'pending', n: 1 }, { status: 'sent', n: 1 }, { status: 'unrouted', n: 1 }]);
    expect(m.lastRun).toMatchObject({ id: failed, status: 'failed', error: 'boom' });
    expect(m.lastSuccess).toMatchObject({ id: ok, status: 'ok', alertsSent: 1 });
  });
});

describe.skipIf(POSTGRES_URL === null)('check and outbox store on postgres, from several machines at once', () => {
  /** `n` machines (a pool of connections each) on one fresh database, with ticket A seeded. */
  async function machines(n: number): Promise<{ first: Engine; outboxes: PgOutbox[] }> {
    const url = await freshDatabase();
    const first = await pgEngine(url);
    await seedTicket(first, 'A');
    const outboxes = [first.ops as PgOutbox];
    for (let i = 1; i < n; i++) outboxes.push((await openPg(url)).ops);
    return { first, outboxes };
  }

  it('concurrent claims never return the same alert, and together claim every one', async () => {
    const { first, outboxes } = await machines(4);
    const ids = Array.from({ length: 60 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    await queue(first, 'A', ids.map((id, i) => alert(id, { createdAt: 100 + i })));
    const claimed: string[] = [];
    for (let round = 0; round < 3; round++) {
      const got = await Promise.all(outboxes.map((o, i) => o.claim('slack', 1000, lease(`run-${round}-${i}`, 10_000), 6)));
      for (const g of got) claimed.push(...g.map((a) => a.id));
    }
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(60); // 3 rounds of 4 claims of 6 could take 72: each took what was left
    // each alert is held by the run that got it
    const all = await outboxes[0].listAlerts();
    expect(new Set(all.map((a) => a.status))).toEqual(new Set(['sending']));
  });

  it('two runs claiming the same alert by id: one gets it', async () => {
    const { first, outboxes } = await machines(2);
    await queue(first, 'A', [alert('one')]);
    const got = await Promise.all(outboxes.map((o, i) => o.claimOne('one', 1000, lease(`run-${i}`, 10_000))));
    expect(got.filter((a) => a !== null)).toHaveLength(1);
    const owner = got[0] ? 'run-0' : 'run-1';
    expect(await outboxes[0].holds(['one'], owner, 10_001)).toBe(true);
  });

  it('two checks recording the same event at once: recorded once, its alert queued once', async () => {
    const { first, outboxes } = await machines(2);
    const res = await Promise.all(outboxes.map((o, i) => o.recordCheck(['A'], breach(`dup-${i}`))));
    expect(await first.slaEvents('A')).toHaveLength(1);
    expect(await outboxes[0].countAlerts()).toBe(1);
    // the one that waited for the ticket's lock saw the other's event
    expect(res.map((r) => r.results[0].fired0.length).sort()).toEqual([0, 1]);
  });

  it('two checks locking overlapping batches in opposite orders both finish', async () => {
    const { first, outboxes } = await machines(2);
    for (const id of ['B', 'C', 'D']) await seedTicket(first, id);
    const res = await Promise.all([
      outboxes[0].recordCheck(['A', 'B', 'C', 'D'], (cur) => ({ events: [], audit: [], write: null, result: cur.ticket.id })),
      outboxes[1].recordCheck(['D', 'C', 'B', 'A'], (cur) => ({ events: [], audit: [], write: null, result: cur.ticket.id })),
    ]);
    expect(res.map((r) => r.results)).toEqual([['A', 'B', 'C', 'D'], ['D', 'C', 'B', 'A']]);
  });
});
