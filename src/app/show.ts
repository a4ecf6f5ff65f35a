// The ticket-details use case (`sla show ID`): one ticket as of now — its clock, the policy
// trace, what the current config would give it, each metric's timeline, its history, the SLA
// events and alerts recorded by then, and the audit. Reads only.

import { matchPolicy, type PolicyTrace } from '../domain/policy.js';
import type { Assignment, TicketClock } from '../domain/clock.js';
import { closedSince, timeline, type Segment } from '../domain/explain.js';
import { byMetric, type Metric } from '../domain/metrics.js';
import { ticketFields, type Ticket, type TicketEvent } from '../domain/ticket.js';
import type { Instant } from '../domain/types.js';
import type { AlertRow, AuditEntry, BreachReasons, SlaEventRow } from '../store/port.js';
import type { Setup } from './setup.js';
import { basisPriority, clockAt, configAssignment, isDone, notFound } from './ticket-ops.js';

export interface TicketDetails {
  now: Instant;
  ticket: Ticket;
  breachReasons: BreachReasons;
  /** The history up to now. */
  events: TicketEvent[];
  clock: TicketClock;
  /** When it entered `closed`, if closed now. */
  closedAt: Instant | null;
  /** The priority its targets were chosen for (a priority change keeps the promise made). */
  basis: string | null;
  /** The policy matcher re-run on the ticket's fields as they are now, with that priority. */
  trace: PolicyTrace[];
  /** What `sla recalc` would give it: the current config's assignment, and whether it differs from the recorded one. */
  current: { to: Assignment | null; reason: string | null; changed: boolean };
  /** recalc leaves tickets done as of now alone. */
  done: boolean;
  segments: Record<Metric, Segment[]>;
  audit: AuditEntry[];
  slaEvents: SlaEventRow[];
  alerts: AlertRow[];
}

export async function ticketDetails(s: Setup, id: string): Promise<TicketDetails> {
  const { config, now, store } = s;
  const rec = await store.record(id);
  if (!rec || rec.ticket.createdAt > now) throw notFound(id);
  const { ticket, breachReasons } = rec;
  const events = rec.events.filter((e) => e.at <= now);
  const clock = clockAt(config, s.calendar, ticket, events, now);
  const basis = basisPriority(config, ticket, events, now, clock);
  const trace = matchPolicy(config.policies, { ...ticketFields(ticket), priority: basis }).trace;
  const current = configAssignment(config, ticket, events, now, clock);
  const cal = clock.assignment ? s.calendar(clock.assignment.calendar) : null;
  const segments = byMetric((m) => {
    const state = clock.metrics[m];
    return cal && state ? timeline(state, cal, events, now) : [];
  });
  return {
    now, ticket, breachReasons, events, clock, closedAt: closedSince(events, ticket.createdAt), basis, trace,
    current, done: isDone(clock), segments,
    audit: (await store.listAudit({ ticketId: id })).filter((a) => a.at <= now),
    // What had been recorded by then.
    slaEvents: (await store.slaEventsOf(id)).filter((e) => e.recordedAt <= now),
    alerts: (await store.alertsOf(id)).filter((a) => a.createdAt <= now),
  };
}
