// Escalation rules (SPEC §5): whether a rule applies to a ticket, and the instant
// its condition first holds. Pure: a ticket, its clock, a calendar and `now` in;
// an instant (or null) out. No I/O, no Date.now().
//
// A rule holds from the LATEST of its triggers' instants (all triggers must hold):
//   elapsedMinutes / atPercent / overdueMinutes — when the rule's metric clock has
//     counted that much SLA time (business time, pauses excluded); overdue 0 = the
//     first instant after dueAt, like a breach;
//   idleMinutes — last activity (creation, updated_at, any history event that is
//     not check's own) + that many wall-clock minutes, while the ticket is open and
//     neither waiting on the customer nor manually paused;
//   customerOpenAtLeast — when the customer's Nth currently-open ticket was created
//     (the caller answers this: it needs other tickets).
// Filters (`unassigned`, `priority`, `tier`, `policy`) are judged on the ticket as
// it is now. A closed/resolved ticket, or a stopped metric clock, has no instant.

import { reachedWithin, type BusinessTime, type MetricState, type TicketClock } from './clock.js';
import type { Ticket, TicketEvent } from './ticket.js';
import { DONE_STATUSES, MINUTE, type EscalationRuleDef, type Instant, type Metric } from './types.js';

export type { EscalationRuleDef } from './types.js';

export interface RuleContext {
  ticket: Ticket;
  events: readonly TicketEvent[];
  clock: TicketClock;
  /** The calendar of the ticket's assignment (null without an SLA). */
  calendar: BusinessTime | null;
  /** Statuses meaning "waiting on the customer" (config pauseStatuses). */
  pauseStatuses: readonly string[];
  now: Instant;
  /**
   * For customerOpenAtLeast: the instant from which the ticket's customer has had at
   * least `n` open tickets, or null when it has fewer now. Absent: such rules are skipped
   * (they need other tickets; `check` answers them with one grouped query).
   */
  customerOpenSince?: (n: number) => Instant | null;
}

const norm = (s: string): string => s.trim().toLowerCase();

function oneOf(value: string | null | undefined, accepted: readonly string[] | undefined): boolean {
  if (!accepted) return true;
  if (value === null || value === undefined || value === '') return false;
  const v = norm(value);
  return accepted.some((a) => norm(a) === v);
}

/** Do the rule's filters hold for the ticket as it is now? */
export function filtersHold(rule: EscalationRuleDef, ticket: Ticket, clock: TicketClock): boolean {
  const w = rule.when;
  if (w.unassigned !== undefined) {
    const unassigned = ticket.assignee === null || ticket.assignee.trim() === '';
    if (unassigned !== w.unassigned) return false;
  }
  if (!oneOf(ticket.priority, w.priority)) return false;
  if (!oneOf(ticket.tier, w.tier)) return false;
  if (!oneOf(clock.assignment?.policy ?? null, w.policy)) return false;
  return true;
}

/** The metric a rule's clock trigger (elapsed, percent, overdue) watches; null for a rule without one. */
export function ruleMetric(rule: EscalationRuleDef): Metric | null {
  const w = rule.when;
  return w.elapsedMinutes !== undefined || w.atPercent !== undefined || w.overdueMinutes !== undefined ? w.metric ?? 'resolution' : null;
}

/** Does the rule need other tickets (customerOpenAtLeast)? */
export function needsCustomerCount(rule: EscalationRuleDef): boolean {
  return rule.when.customerOpenAtLeast !== undefined;
}

/**
 * Earliest instant at which the metric's counted SLA time reaches `thresholdMs`:
 * within what it has counted so far, else projected from `now` if the clock runs;
 * null when paused (or stopped) before reaching it.
 */
export function thresholdInstant(m: MetricState, thresholdMs: number, cal: BusinessTime, now: Instant): Instant | null {
  const within = reachedWithin(m.counted, m.countedOpen, thresholdMs, cal);
  if (within !== null) return within;
  if (thresholdMs <= 0) return m.startedAt;
  if (m.stoppedAt !== null || m.paused) return null;
  let counted = 0;
  for (const ms of m.countedOpen) counted += ms;
  return cal.add(now, thresholdMs - counted);
}

/** The last instant the ticket was touched (not counting check's own changes), as of `now`. */
export function lastActivity(ticket: Ticket, events: readonly TicketEvent[], now: Instant): Instant {
  let t = ticket.createdAt;
  if (ticket.updatedAt !== null && ticket.updatedAt <= now && ticket.updatedAt > t) t = ticket.updatedAt;
  for (const e of events) {
    if (e.at > now) break;
    if (e.source === 'check') continue;
    if (e.at > t) t = e.at;
  }
  return t;
}

/**
 * The instant at which all of the rule's triggers first hold (it may be after `now`),
 * or null when the rule does not apply (filters fail, ticket done, metric stopped or
 * paused before its threshold, idle clock not running, customer below the count).
 */
export function ruleInstant(rule: EscalationRuleDef, c: RuleContext): Instant | null {
  const { ticket, clock, now } = c;
  const w = rule.when;
  if (DONE_STATUSES.has(clock.status)) return null;
  if (!filtersHold(rule, ticket, clock)) return null;

  // The latest of the triggers' instants (-Infinity: none yet).
  let latest = -Infinity;
  const metric = ruleMetric(rule);
  if (metric !== null) {
    const m = clock.metrics[metric];
    if (!m || m.stoppedAt !== null || !c.calendar) return null;
    const targetMs = Math.round(m.target * MINUTE);
    const cal = c.calendar;
    if (w.elapsedMinutes !== undefined) {
      const x = thresholdInstant(m, Math.round(w.elapsedMinutes * MINUTE), cal, now);
      if (x === null) return null;
      latest = Math.max(latest, x);
    }
    if (w.atPercent !== undefined) {
      const x = thresholdInstant(m, Math.round((targetMs * w.atPercent) / 100), cal, now);
      if (x === null) return null;
      latest = Math.max(latest, x);
    }
    if (w.overdueMinutes !== undefined) {
      const x = thresholdInstant(m, targetMs + Math.round(w.overdueMinutes * MINUTE), cal, now);
      if (x === null) return null;
      // Overdue by 0 minutes is a breach: the first instant after dueAt.
      latest = Math.max(latest, w.overdueMinutes === 0 ? x + 1 : x);
    }
  }
  if (w.idleMinutes !== undefined) {
    if (c.pauseStatuses.includes(clock.status) || clock.pausedAt !== null) return null;
    latest = Math.max(latest, lastActivity(ticket, c.events, now) + Math.round(w.idleMinutes * MINUTE));
  }
  if (w.customerOpenAtLeast !== undefined) {
    if (!c.customerOpenSince) return null;
    const since = c.customerOpenSince(w.customerOpenAtLeast);
    if (since === null) return null;
    latest = Math.max(latest, since, ticket.createdAt);
  }
  return latest === -Infinity ? null : latest; // a rule without a trigger never fires (the config refuses it)
}

/** One step up `priorities` (highest first); null when already at the top or unknown. */
export function raisedPriority(priorities: readonly string[], current: string | null): string | null {
  if (current === null) return null;
  const i = priorities.findIndex((p) => norm(p) === norm(current));
  return i > 0 ? priorities[i - 1] : null;
}
