// Which SLA events (SPEC §5) a ticket has, and which of them are due: pure.
//
// A transition is keyed by (type, rule) within the ticket's current SLA cycle; the
// store's UNIQUE(ticket_id, cycle, type, rule) makes each fire once. Clock transitions
// (rule '') are taken from RUNNING metric clocks only: a clock that has stopped (first
// response given, ticket resolved) is not announced after the fact.
//   <metric>_warning  holds from atRiskAt (elapsed reaches the at-risk %)
//   <metric>_breached holds from dueAt + 1 ms (breach is any instant after dueAt);
//                     it is recorded at dueAt (breachedAt), never at the noticing time
//   escalated (rule = name) holds from the rule's instant (domain/escalation.ts)
// Catch-up: a warning whose breach also holds is recorded but not announced.

import type { BusinessTime, TicketClock } from './clock.js';
import { needsCustomerCount, ruleInstant, ruleMetric, type EscalationRuleDef } from './escalation.js';
import type { Ticket, TicketEvent } from './ticket.js';
import { METRIC, METRICS, type Metric, type MetricEventType } from './metrics.js';
import type { Instant } from './types.js';

/** SLA event types: each metric's warning and breach (the metric table's), and escalations. */
export type SlaEventType = MetricEventType | 'escalated';

export interface Transition {
  /** `${type}|${rule}`: the identity within a cycle. */
  key: string;
  type: SlaEventType;
  /** '' for clock transitions; the escalation rule's name. */
  rule: string;
  metric: Metric | null;
  /** The instant it happened (recorded as due_at; a breach's is dueAt). */
  at: Instant;
  /** The first instant it holds (what `check` compares with now and indexes). */
  holdsFrom: Instant;
  /** false: recorded only (a warning overtaken by its breach). */
  announced: boolean;
  escalation: EscalationRuleDef | null;
}

export interface TransitionInput {
  ticket: Ticket;
  events: readonly TicketEvent[];
  clock: TicketClock;
  calendar: BusinessTime | null;
  rules: readonly EscalationRuleDef[];
  pauseStatuses: readonly string[];
  /** Keys (`type|rule`) already recorded in the clock's current cycle. */
  fired: ReadonlySet<string>;
  now: Instant;
  /** See RuleContext.customerOpenSince; absent = rules with customerOpenAtLeast are left out. */
  customerOpenSince?: (n: number) => Instant | null;
}

export const transitionKey = (type: string, rule: string): string => `${type}|${rule}`;

/** Every transition the ticket's current state implies, reached or not, fired or not. */
export function transitionsOf(input: TransitionInput): Transition[] {
  const { clock, now } = input;
  const out: Transition[] = [];
  for (const metric of METRICS) {
    const m = clock.metrics[metric];
    if (!m || m.stoppedAt !== null) continue;
    const breachHolds = m.dueAt !== null && now > m.dueAt;
    if (m.atRiskAt !== null) {
      const type: SlaEventType = `${METRIC[metric].event}_warning`;
      out.push({ key: transitionKey(type, ''), type, rule: '', metric, at: m.atRiskAt, holdsFrom: m.atRiskAt, announced: !breachHolds, escalation: null });
    }
    if (m.dueAt !== null) {
      const type: SlaEventType = `${METRIC[metric].event}_breached`;
      out.push({ key: transitionKey(type, ''), type, rule: '', metric, at: m.dueAt, holdsFrom: m.dueAt + 1, announced: true, escalation: null });
    }
  }
  for (const rule of input.rules) {
    if (needsCustomerCount(rule) && !input.customerOpenSince) continue;
    const at = ruleInstant(rule, input);
    if (at === null) continue;
    const metric = ruleMetric(rule);
    out.push({ key: transitionKey('escalated', rule.name), type: 'escalated', rule: rule.name, metric, at, holdsFrom: at, announced: true, escalation: rule });
  }
  return out;
}

/**
 * The transitions that hold at `now` and have not fired in this cycle: clock
 * transitions in time order first, then escalation rules in config order.
 */
export function dueTransitions(input: TransitionInput): Transition[] {
  const all = transitionsOf(input).filter((t) => t.holdsFrom <= input.now && !input.fired.has(t.key));
  const clock = all.filter((t) => t.escalation === null).sort((a, b) => a.at - b.at);
  return [...clock, ...all.filter((t) => t.escalation !== null)];
}

/**
 * The earliest instant `check` must look at this ticket: the soonest transition not
 * yet fired — one already holding (≤ now) when the caller does not know what fired,
 * e.g. an import of a ticket that is already breached — else the soonest future one.
 * The same instants as transitionsOf, in one pass without building the transitions
 * (it runs for every ticket an import writes); keys are made only when some have fired.
 */
export function nextCheckAt(input: TransitionInput): Instant | null {
  const { clock, fired } = input;
  // Nothing fired yet (always, in an import): no keys to build and look up.
  const none = fired.size === 0;
  let best = Infinity;
  for (const metric of METRICS) {
    const m = clock.metrics[metric];
    if (!m || m.stoppedAt !== null) continue;
    if (m.atRiskAt !== null && m.atRiskAt < best && (none || !fired.has(transitionKey(`${METRIC[metric].event}_warning`, '')))) best = m.atRiskAt;
    if (m.dueAt !== null && m.dueAt + 1 < best && (none || !fired.has(transitionKey(`${METRIC[metric].event}_breached`, '')))) best = m.dueAt + 1;
  }
  for (const rule of input.rules) {
    if (needsCustomerCount(rule) && !input.customerOpenSince) continue;
    if (!none && fired.has(transitionKey('escalated', rule.name))) continue;
    const at = ruleInstant(rule, input);
    if (at !== null && at < best) best = at;
  }
  return best === Infinity ? null : best;
}
