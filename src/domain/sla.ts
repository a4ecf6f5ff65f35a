// The one place that turns a ticket + its history into the state stored beside
// it (ComputedSla). Every writer (import, agents' commands, check) calls this,
// so the indexed instants never disagree with the history.

import type { BusinessTime, TicketClock } from './clock.js';
import { computedFromClock, evaluateTicket, type ComputedSla, type SlaSettings, type Ticket, type TicketEvent } from './ticket.js';
import { needsCustomerCount } from './escalation.js';
import { nextCheckAt } from './transitions.js';
import type { Instant } from './types.js';

export interface SlaState {
  clock: TicketClock;
  computed: ComputedSla;
}

export interface ComputeOptions {
  /**
   * Transition keys (`type|rule`, see domain/transitions.ts) already recorded by
   * `check` in the ticket's current cycle. Writers that do not know them leave this
   * out: then a transition that already holds (e.g. an imported ticket that is
   * already breached) keeps `nextChangeAt` at or before now, so the next `check`
   * finds it by the index and records it.
   *
   * A function is called once with the evaluated clock's cycle, for callers that
   * know the keys per cycle but not which cycle the ticket is in at `now`.
   */
  fired?: ReadonlySet<string> | ((cycle: number) => ReadonlySet<string>);
}

const NONE: ReadonlySet<string> = new Set();

// The rules that have an instant, filtered once per settings object rather than per ticket.
const timedRules = new WeakMap<SlaSettings, NonNullable<SlaSettings['escalations']>>();
function rulesWithInstants(settings: SlaSettings): NonNullable<SlaSettings['escalations']> {
  let rules = timedRules.get(settings);
  if (!rules) {
    rules = (settings.escalations ?? []).filter((r) => !needsCustomerCount(r));
    timedRules.set(settings, rules);
  }
  return rules;
}

export function computeSla(
  ticket: Ticket,
  events: readonly TicketEvent[],
  settings: SlaSettings,
  calendar: (name: string) => BusinessTime,
  now: Instant,
  opts: ComputeOptions = {},
): SlaState {
  const clock = evaluateTicket(ticket, events, settings, calendar, now);
  const computed = computedFromClock(clock);
  // nextChangeAt = the clock's next change, or sooner: the first SLA event (warning,
  // breach, escalation rule instant) that `check` has not recorded yet.
  const rules = rulesWithInstants(settings);
  const fired = typeof opts.fired === 'function' ? opts.fired(clock.cycle) : opts.fired ?? NONE;
  const pending = nextCheckAt({
    ticket, events, clock, calendar: clock.assignment ? calendar(clock.assignment.calendar) : null, rules,
    pauseStatuses: settings.pauseStatuses, fired, now,
  });
  if (pending !== null && (computed.nextChangeAt === null || pending < computed.nextChangeAt)) computed.nextChangeAt = pending;
  return { clock, computed };
}
