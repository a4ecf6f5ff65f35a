// The one place that turns a ticket + its history into the state stored beside
// it (ComputedSla). Every writer (import, agents' commands, check) calls this,
// so the indexed instants never disagree with the history.

import type { BusinessTime, TicketClock } from './clock.js';
import { computedFromClock, evaluateTicket, type ComputedSla, type SlaSettings, type Ticket, type TicketEvent } from './ticket.js';
import type { Instant } from './types.js';

export interface SlaState {
  clock: TicketClock;
  computed: ComputedSla;
}

export function computeSla(
  ticket: Ticket,
  events: readonly TicketEvent[],
  settings: SlaSettings,
  calendar: (name: string) => BusinessTime,
  now: Instant,
): SlaState {
  const clock = evaluateTicket(ticket, events, settings, calendar, now);
  return { clock, computed: computedFromClock(clock) };
}
