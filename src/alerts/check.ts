// One `check` pass (SPEC §5), used by `sla check` and `sla watch`.
//
// Recording, in immediate transactions of at most BATCH tickets: the candidates are
// the tickets whose stored next_change_at is ≤ now (an index range scan) plus, when
// a rule counts a customer's open tickets, the open tickets of customers at or over
// the count on which that rule has not fired. Each is re-read and recomputed at
// `now`; every due transition not yet recorded in its cycle is inserted (INSERT … ON
// CONFLICT DO NOTHING on UNIQUE(ticket, cycle, type, rule): exactly once however many
// checks run at once), its alerts are queued in the outbox in the same transaction,
// escalation actions are applied (audited as 'system'), and the ticket's stored
// state is rewritten so next_change_at moves past now. Work grows with what is due,
// not with the number of open tickets.
//
// Delivery runs after commit (deliver.ts), never inside a transaction.

import type { AlertType, Config } from '../config/types.js';
import type { BusinessTime, TicketClock } from '../domain/clock.js';
import { raisedPriority } from '../domain/escalation.js';
import { computeSla } from '../domain/sla.js';
import { evaluateTicket, storeInstant, withEvent, type Ticket, type TicketEvent } from '../domain/ticket.js';
import { dueTransitions, type Transition } from '../domain/transitions.js';
import type { Instant, Metric } from '../domain/types.js';
import { AlertStore } from '../store/sqlite/outbox.js';
import type { Store } from '../store/sqlite/store.js';
import { deliverPending, type DeliveryReport } from './deliver.js';
import { alertId, buildFacts, routeDestinations, type EscalationFacts } from './facts.js';
import { isDatabaseDamage } from '../store/sqlite/faults.js';

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

class DryRunRollback extends Error {}

/** Queue the alerts of one recorded SLA event (inside the caller's transaction). */
export function queueAlerts(as: AlertStore, config: Config, q: {
  ticket: Ticket; clock: TicketClock; type: AlertType; rule: string; metric: Metric | null; at: Instant; now: Instant;
  seq: number; runId: number | null; notify: readonly string[]; escalation?: EscalationFacts;
}): { destinations: string[]; unrouted: boolean; ids: string[] } {
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
    if (q.type === 'escalated') return { destinations, unrouted: false, ids: [] };
    as.insertAlert({
      id: alertId(facts.id, null), slaEventSeq: q.seq, ticketId: q.ticket.id, destination: null, type: q.type,
      status: 'unrouted', nextAttemptAt: null, payload, createdAt: q.now, runId: q.runId,
    });
    return { destinations, unrouted: true, ids: [] };
  }
  const ids: string[] = [];
  for (const d of destinations) {
    const id = alertId(facts.id, d);
    ids.push(id);
    as.insertAlert({
      id, slaEventSeq: q.seq, ticketId: q.ticket.id, destination: d, type: q.type,
      status: 'pending', nextAttemptAt: q.now, payload, createdAt: q.now, runId: q.runId,
    });
  }
  return { destinations, unrouted: false, ids };
}



export async function runCheck(input: CheckInput): Promise<CheckResult> {
  const { store, config, now } = input;
  const wall = input.wall ?? Date.now;
  const startedAt = wall();
  const runClock = (): Instant => now + Math.max(0, wall() - startedAt);
  const dryRun = Boolean(input.dryRun);
  const as = new AlertStore(store);
  const result: CheckResult = {
    runId: null, at: now, startedAt, finishedAt: startedAt, dryRun, ticketsEvaluated: 0, events: [], alertsQueued: 0,
    unrouted: 0, delivery: null, pendingAfter: 0, failOn: null,
  };
  const rules = config.escalations;
  const customerRules = rules.filter((r) => r.when.customerOpenAtLeast !== undefined);

  if (!dryRun) result.runId = as.startRun(startedAt, now);
  const runStats = () => ({
    ticketsEvaluated: result.ticketsEvaluated, events: result.events.length,
    alertsSent: result.delivery?.sent ?? 0, alertsFailed: result.delivery?.failed ?? 0,
  });
  try {
    // Candidates (reads; each is re-checked inside the write transaction).
    const due = store.dueBefore(now, Number.MAX_SAFE_INTEGER).map((d) => d.id);
    const dueSet = new Set(due);
    const customerCounts = new Map<number, Map<string, number>>();
    const extra: string[] = [];
    // Their queries' index, made the first time such a rule is checked — in a dry run too:
    // it changes no data, and without it each customer's lookup scans the whole table.
    if (customerRules.length > 0) as.ensureOpenCustomerIndex();
    for (const r of customerRules) {
      const n = r.when.customerOpenAtLeast!;
      let counts = customerCounts.get(n);
      if (!counts) {
        counts = new Map(as.customersWithOpenAtLeast(n).map((c) => [c.customer, c.n]));
        customerCounts.set(n, counts);
      }
      for (const customer of counts.keys()) {
        for (const id of as.unfiredOpenTickets(customer, r.name)) if (!dueSet.has(id)) { dueSet.add(id); extra.push(id); }
      }
    }
    const extraSet = new Set(extra);
    const since = new Map<string, Instant | null>();
    const customerOpenSince = (customer: string | null) => (n: number): Instant | null => {
      if (!customer) return null;
      const counts = customerCounts.get(n);
      if (!counts || (counts.get(customer) ?? 0) < n) return null;
      const key = `${n}\u0000${customer}`;
      if (!since.has(key)) since.set(key, as.nthOpenCreated(customer, n));
      return since.get(key) ?? null;
    };

    const processTicket = (id: string): void => {
      if (!extraSet.has(id)) {
        const next = as.nextChangeAt(id);
        if (next === undefined || next === null || next > now) return; // another check got here first
      }
      const stored = store.getTicketWithEvents(id);
      if (!stored) return;
      result.ticketsEvaluated++;
      let { ticket, events } = stored;
      const newEvents: TicketEvent[] = [];
      const openSince = customerRules.length ? customerOpenSince(ticket.customer) : undefined;
      const firedBefore = result.events.length;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const clock = evaluateTicket(ticket, events, config, input.calendar, now);
        const fired = as.firedKeys(id, clock.cycle);
        const todo = dueTransitions({
          ticket, events, clock, calendar: clock.assignment ? input.calendar(clock.assignment.calendar) : null, rules,
          pauseStatuses: config.pauseStatuses, fired, now, customerOpenSince: openSince,
        });
        if (todo.length === 0) break;
        for (const t of todo) {
          const applied = fire(ticket, clock, t);
          if (!applied) continue;
          ticket = applied.ticket;
          for (const e of applied.events) {
            events = withEvent(events, e);
            newEvents.push(e);
          }
        }
      }
      // A ticket looked at only for a customer-count rule that did not fire: nothing to write.
      if (extraSet.has(id) && result.events.length === firedBefore) return;
      // Store the state as of the ticket's last event at the earliest (a look back with
      // --at must not hide later history), knowing what has fired, so next_change_at
      // moves past everything recorded.
      const at = storeInstant(now, events);
      const state = computeSla(ticket, events, config, input.calendar, at, { fired: (cycle) => as.firedKeys(id, cycle) });
      store.saveTicket(ticket, state.computed, newEvents);
    };

    /** Record one transition; apply an escalation's actions. Returns the changed ticket, if any. */
    const fire = (ticket: Ticket, clock: TicketClock, t: Transition): { ticket: Ticket; events: TicketEvent[] } | null => {
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
      const seq = as.insertSlaEvent({
        ticketId: ticket.id, cycle: clock.cycle, type: t.type, rule: t.rule, dueAt: t.at, recordedAt: now,
        announced: t.announced, runId: result.runId,
        data: esc ? { ...esc, notify } : t.announced ? null : { announced: false, why: 'its breach had also passed' },
      });
      if (seq === null) return null; // recorded by someone else: do nothing twice
      if (esc) {
        store.addAudit({
          at: now, actor: 'system', action: 'escalate', ticketId: ticket.id, reason: why,
          before: { priority: ticket.priority, assignee: ticket.assignee },
          after: { priority: next.priority, assignee: next.assignee, notify },
        });
      }
      const fired: FiredEvent = {
        ticketId: ticket.id, cycle: clock.cycle, type: t.type, rule: t.rule, metric: t.metric, at: t.at,
        announced: t.announced, destinations: [], unrouted: false, escalation: esc,
      };
      if (t.announced) {
        const q = queueAlerts(as, config, {
          ticket: next, clock, type: t.type, rule: t.rule, metric: t.metric, at: t.at, now, seq, runId: result.runId,
          notify, escalation: esc,
        });
        fired.destinations = q.destinations;
        fired.unrouted = q.unrouted;
        result.alertsQueued += q.destinations.length;
        if (q.unrouted) result.unrouted++;
      }
      result.events.push(fired);
      return { ticket: next, events: added };
    };

    const all = [...due, ...extra];
    const failOnStates = input.failOn === 'breach' ? ['breached'] : input.failOn === 'at-risk' ? ['at_risk', 'breached'] : null;
    if (dryRun) {
      try {
        as.tx(() => {
          for (const id of all) processTicket(id);
          if (failOnStates) result.failOn = { state: input.failOn!, tickets: as.countOpenInStates(failOnStates) };
          throw new DryRunRollback();
        });
      } catch (err) {
        if (!(err instanceof DryRunRollback)) throw err;
      }
    } else {
      for (let i = 0; i < all.length; i += BATCH) {
        const chunk = all.slice(i, i + BATCH);
        as.tx(() => { for (const id of chunk) processTicket(id); });
      }
      if (failOnStates) result.failOn = { state: input.failOn!, tickets: as.countOpenInStates(failOnStates) };
      if (input.deliver !== false) {
        result.delivery = await deliverPending({ alerts: as, config, env: input.env, now: runClock, wall });
      }
      result.pendingAfter = as.pendingCount();
    }
    result.finishedAt = wall();
    if (result.runId !== null) {
      as.finishRun(result.runId, result.finishedAt, runStats(), 'ok', null);
    }
    return result;
  } catch (err) {
    // a damaged (or full) database gets no further write, not even the run's failure
    if (result.runId !== null && !isDatabaseDamage(err)) {
      try {
        as.finishRun(result.runId, wall(), runStats(), 'failed', (err as Error).message ?? String(err));
      } catch { /* the database itself is failing: the error below says so */ }
    }
    throw err;
  }
}
