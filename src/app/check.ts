// One `check` pass (SPEC §5), used by `sla check` and `sla watch`.
//
// Recording, in store transactions (recordCheck) of at most BATCH tickets: the candidates
// are the tickets whose stored next_change_at is ≤ now plus, when a rule counts a
// customer's open tickets, the open tickets of customers at or over the count on which
// that rule has not fired. Each is re-read inside the transaction and recomputed at `now`
// (decide, pure): every due transition not yet recorded in its cycle is recorded (exactly
// once however many checks run at once: the store records an event once), its alerts are
// queued in the outbox in the same transaction, escalation actions are applied (audited as
// 'system'), and the ticket's stored state is rewritten so next_change_at moves past now.
// Work grows with what is due, not with the number of open tickets.
//
// Delivery runs after commit (deliver.ts), never inside a transaction.

import type { AlertType, Config } from '../config/types.js';
import type { BusinessTime, TicketClock } from '../domain/clock.js';
import { raisedPriority } from '../domain/escalation.js';
import { computeSla } from '../domain/sla.js';
import { evaluateTicket, storeInstant, withEvent, type Ticket, type TicketEvent } from '../domain/ticket.js';
import { dueTransitions, type Transition } from '../domain/transitions.js';
import type { Instant, Metric } from '../domain/types.js';
import type { AlertInsert, AuditEntry, CheckChange, CheckEvent, CheckedTicket, Store } from '../store/port.js';
import { isDatabaseDamage } from '../store/port.js';
import { deliverPending, type DeliveryReport } from './deliver.js';
import { incidentCloser } from './incidents.js';
import { alertId, buildFacts, routeDestinations, type EscalationFacts } from '../alerts/facts.js';

const BATCH = 500;
/** Rounds per ticket: an escalation may change what the next rule sees (e.g. its priority). */
const MAX_ROUNDS = 5;

export type FailOn = 'breach' | 'at-risk';

export interface CheckInput {
  store: Store;
  config: Config;
  calendar: (name: string) => BusinessTime;
  env: NodeJS.ProcessEnv;
  /** The instant evaluated (--at or the wall clock). */
  now: Instant;
  dryRun?: boolean;
  deliver?: boolean;
  failOn?: FailOn;
  /** Wall clock (for run timing and leases); Date.now by default. */
  wall?: () => number;
}

export interface FiredEvent {
  ticketId: string;
  cycle: number;
  type: AlertType;
  rule: string;
  metric: Metric | null;
  /** When it happened (a breach's is dueAt). */
  at: Instant;
  announced: boolean;
  /** Destinations queued (empty + unrouted: recorded without a route). */
  destinations: string[];
  unrouted: boolean;
  escalation?: EscalationFacts;
}

export interface CheckResult {
  runId: number | null;
  at: Instant;
  startedAt: number;
  finishedAt: number;
  dryRun: boolean;
  ticketsEvaluated: number;
  events: FiredEvent[];
  alertsQueued: number;
  unrouted: number;
  delivery: DeliveryReport | null;
  /** Alerts still waiting in the outbox after this run (pending or in flight). */
  pendingAfter: number;
  failOn: { state: FailOn; tickets: number } | null;
}

/** The alerts one SLA event queues (written with it, in its transaction): where to, and which. */
export function queueAlerts(config: Config, q: {
  ticket: Ticket; clock: TicketClock; type: AlertType; rule: string; metric: Metric | null; at: Instant; now: Instant;
  runId: number | null; notify: readonly string[]; escalation?: EscalationFacts;
}): { destinations: string[]; unrouted: boolean; ids: string[]; alerts: AlertInsert[] } {
  const routed = routeDestinations(config.alerts.routes, {
    type: q.type, priority: q.ticket.priority, tier: q.ticket.tier, policy: q.clock.assignment?.policy ?? null,
  });
  const destinations = [...new Set([...routed, ...q.notify])];
  const facts = buildFacts({
    alerts: config.alerts, ticket: q.ticket, clock: q.clock, type: q.type, rule: q.rule, metric: q.metric, at: q.at,
    now: q.now, escalation: q.escalation,
  });
  const payload = JSON.stringify(facts);
  if (destinations.length === 0) {
    // An escalation without notify and without a route is not an alert; a clock
    // transition without a route is kept as 'unrouted' (shown by `sla alerts`).
    if (q.type === 'escalated') return { destinations, unrouted: false, ids: [], alerts: [] };
    return {
      destinations, unrouted: true, ids: [],
      alerts: [{
        id: alertId(facts.id, null), destination: null, type: q.type, status: 'unrouted', nextAttemptAt: null, payload,
        createdAt: q.now, runId: q.runId,
      }],
    };
  }
  const ids: string[] = [];
  const alerts: AlertInsert[] = [];
  for (const d of destinations) {
    const id = alertId(facts.id, d);
    ids.push(id);
    alerts.push({ id, destination: d, type: q.type, status: 'pending', nextAttemptAt: q.now, payload, createdAt: q.now, runId: q.runId });
  }
  return { destinations, unrouted: false, ids, alerts };
}

export async function runCheck(input: CheckInput): Promise<CheckResult> {
  const { store, config, now } = input;
  const wall = input.wall ?? Date.now;
  const startedAt = wall();
  const runClock = (): Instant => now + Math.max(0, wall() - startedAt);
  const dryRun = Boolean(input.dryRun);
  const result: CheckResult = {
    runId: null, at: now, startedAt, finishedAt: startedAt, dryRun, ticketsEvaluated: 0, events: [], alertsQueued: 0,
    unrouted: 0, delivery: null, pendingAfter: 0, failOn: null,
  };
  const rules = config.escalations;
  const customerRules = rules.filter((r) => r.when.customerOpenAtLeast !== undefined);

  if (!dryRun) result.runId = await store.startRun(startedAt, now);
  const runStats = () => ({
    ticketsEvaluated: result.ticketsEvaluated, events: result.events.length,
    alertsSent: result.delivery?.sent ?? 0, alertsFailed: result.delivery?.failed ?? 0,
  });
  try {
    // Candidates (reads; each is re-checked inside the write transaction).
    const due = (await store.dueBefore(now, Number.MAX_SAFE_INTEGER)).map((d) => d.id);
    const dueSet = new Set(due);
    const customerCounts = new Map<number, Map<string, number>>();
    const extra: string[] = [];
    for (const r of customerRules) {
      const n = r.when.customerOpenAtLeast!;
      let counts = customerCounts.get(n);
      if (!counts) {
        counts = new Map((await store.customersWithOpenAtLeast(n)).map((c) => [c.customer, c.n]));
        customerCounts.set(n, counts);
      }
      for (const customer of counts.keys()) {
        for (const id of await store.unfiredOpenTickets(customer, r.name)) if (!dueSet.has(id)) { dueSet.add(id); extra.push(id); }
      }
    }
    const extraSet = new Set(extra);
    // When each customer at or over a rule's count reached it (its nth oldest open ticket's
    // creation), read before the decisions, which are pure.
    const since = new Map<string, Instant | null>();
    for (const [n, counts] of customerCounts) {
      for (const customer of counts.keys()) since.set(`${n}\u0000${customer}`, await store.nthOpenCreated(customer, n));
    }
    const customerOpenSince = (customer: string | null) => (n: number): Instant | null => {
      if (!customer) return null;
      const counts = customerCounts.get(n);
      if (!counts || (counts.get(customer) ?? 0) < n) return null;
      return since.get(`${n}\u0000${customer}`) ?? null;
    };
    const decide = (cur: CheckedTicket): CheckChange<FiredEvent[]> | null => decideCheck(cur, {
      config, calendar: input.calendar, now, runId: result.runId, extra: extraSet.has(cur.ticket.id),
      customerOpenSince: customerRules.length ? customerOpenSince : undefined,
    });
    const take = (fired: readonly FiredEvent[][]): void => {
      result.ticketsEvaluated += fired.length;
      for (const f of fired.flat()) {
        result.events.push(f);
        result.alertsQueued += f.destinations.length;
        if (f.unrouted) result.unrouted++;
      }
    };

    const all = [...due, ...extra];
    const failOnStates = input.failOn === 'breach' ? ['breached'] : input.failOn === 'at-risk' ? ['at_risk', 'breached'] : null;
    if (dryRun) {
      const r = await store.recordCheck(all, decide, { dryRun: true, countOpenIn: failOnStates ?? undefined });
      take(r.results);
      if (failOnStates) result.failOn = { state: input.failOn!, tickets: r.openInStates ?? 0 };
    } else {
      for (let i = 0; i < all.length; i += BATCH) take((await store.recordCheck(all.slice(i, i + BATCH), decide)).results);
      // what alerts opened elsewhere (a PagerDuty alert) and whose clock has stopped since: closed
      await store.closeIncidents(incidentCloser(now, result.runId));
      if (failOnStates) result.failOn = { state: input.failOn!, tickets: await store.countOpenInStates(failOnStates) };
      if (input.deliver !== false) {
        result.delivery = await deliverPending({ alerts: store, config, env: input.env, now: runClock, wall });
      }
      result.pendingAfter = await store.pendingCount();
    }
    result.finishedAt = wall();
    if (result.runId !== null) {
      await store.finishRun(result.runId, result.finishedAt, runStats(), 'ok', null);
    }
    return result;
  } catch (err) {
    // a damaged (or full) database gets no further write, not even the run's failure
    if (result.runId !== null && !isDatabaseDamage(err)) {
      try {
        await store.finishRun(result.runId, wall(), runStats(), 'failed', (err as Error).message ?? String(err));
      } catch { /* the database itself is failing: the error below says so */ }
    }
    throw err;
  }
}

interface DecideInput {
  config: Config;
  calendar: (name: string) => BusinessTime;
  now: Instant;
  runId: number | null;
  /** Looked at only for a customer-count rule (its stored state is not due). */
  extra: boolean;
  customerOpenSince: ((customer: string | null) => (n: number) => Instant | null) | undefined;
}

/**
 * What `check` records for one ticket as stored inside its transaction (pure): the due
 * transitions not yet recorded in the cycle, in rounds (an escalation may change what the
 * next rule sees, e.g. its priority), their alerts, the escalations' actions and audit, and
 * the state to store. null: another check got here first (its state is no longer due).
 */
export function decideCheck(cur: CheckedTicket, d: DecideInput): CheckChange<FiredEvent[]> | null {
  const { config, now } = d;
  if (!d.extra && (cur.nextChangeAt === null || cur.nextChangeAt > now)) return null;
  let { ticket, events } = cur;
  const newEvents: TicketEvent[] = [];
  const records: CheckEvent[] = [];
  const audit: AuditEntry[] = [];
  const fired: FiredEvent[] = [];
  // The keys this decision records, by cycle, beside those stored.
  const mine = new Map<number, Set<string>>();
  const firedIn = (cycle: number): ReadonlySet<string> => {
    const own = mine.get(cycle);
    return own ? new Set([...cur.fired(cycle), ...own]) : cur.fired(cycle);
  };
  const openSince = d.customerOpenSince?.(ticket.customer);

  /** Record one transition; apply an escalation's actions: the changed ticket and the events it adds. */
  const fire = (ticket: Ticket, clock: TicketClock, t: Transition): { ticket: Ticket; events: TicketEvent[] } => {
    let next = ticket;
    let esc: EscalationFacts | undefined;
    const added: TicketEvent[] = [];
    const why = `escalation rule ${t.rule}`;
    const notify = t.escalation?.actions?.notify ?? [];
    if (t.escalation) {
      const a = t.escalation.actions ?? {};
      esc = { rule: t.rule, manual: false };
      next = { ...ticket };
      if (a.raisePriority) {
        const p = raisedPriority(config.priorities, ticket.priority);
        if (p) {
          next.priority = p;
          esc.priority = { from: ticket.priority, to: p };
          // In the history too (show, list and reports agree), unless a priority
          // event would re-target the clock: raising never shortens running clocks.
          if (!config.recalculateOnPriorityChange) {
            added.push({ at: now, type: 'priority', value: p, actor: 'system', reason: why, source: 'check' });
          }
        }
      }
      if (a.assignTo && a.assignTo !== ticket.assignee) {
        next.assignee = a.assignTo;
        esc.assignee = { from: ticket.assignee, to: a.assignTo };
        added.push({ at: now, type: 'assign', value: a.assignTo, previous: ticket.assignee, actor: 'system', reason: why, source: 'check' });
      }
    }
    let own = mine.get(clock.cycle);
    if (!own) mine.set(clock.cycle, (own = new Set()));
    own.add(t.key);
    if (esc) {
      audit.push({
        at: now, actor: 'system', action: 'escalate', ticketId: ticket.id, reason: why,
        before: { priority: ticket.priority, assignee: ticket.assignee },
        after: { priority: next.priority, assignee: next.assignee, notify },
      });
    }
    const f: FiredEvent = {
      ticketId: ticket.id, cycle: clock.cycle, type: t.type, rule: t.rule, metric: t.metric, at: t.at,
      announced: t.announced, destinations: [], unrouted: false, escalation: esc,
    };
    let alerts: AlertInsert[] = [];
    if (t.announced) {
      const q = queueAlerts(config, {
        ticket: next, clock, type: t.type, rule: t.rule, metric: t.metric, at: t.at, now, runId: d.runId, notify, escalation: esc,
      });
      f.destinations = q.destinations;
      f.unrouted = q.unrouted;
      alerts = q.alerts;
    }
    records.push({
      event: {
        cycle: clock.cycle, type: t.type, rule: t.rule, dueAt: t.at, recordedAt: now, announced: t.announced, runId: d.runId,
        data: esc ? { ...esc, notify } : t.announced ? null : { announced: false, why: 'its breach had also passed' },
      },
      alerts,
    });
    fired.push(f);
    return { ticket: next, events: added };
  };

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const clock = evaluateTicket(ticket, events, config, d.calendar, now);
    const todo = dueTransitions({
      ticket, events, clock, calendar: clock.assignment ? d.calendar(clock.assignment.calendar) : null, rules: config.escalations,
      pauseStatuses: config.pauseStatuses, fired: firedIn(clock.cycle), now, customerOpenSince: openSince,
    });
    if (todo.length === 0) break;
    for (const t of todo) {
      const applied = fire(ticket, clock, t);
      ticket = applied.ticket;
      for (const e of applied.events) {
        events = withEvent(events, e);
        newEvents.push(e);
      }
    }
  }
  // A ticket looked at only for a customer-count rule that did not fire: nothing to write.
  if (d.extra && fired.length === 0) return { events: [], audit: [], write: null, result: [] };
  // Store the state as of the ticket's last event at the earliest (a look back with --at must
  // not hide later history), knowing what has fired, so next_change_at moves past everything
  // recorded.
  const at = storeInstant(now, events);
  const state = computeSla(ticket, events, config, d.calendar, at, { fired: firedIn });
  return { events: records, audit, write: { ticket, computed: state.computed, events: newEvents }, result: fired };
}
