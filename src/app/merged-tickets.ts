// What the import and the pull both do with a ticket a merge made: give it a policy when it
// has none yet, and count the events it added.

import { policyChooser, type PolicyChoice } from '../domain/policy.js';
import { TICKET_FIELD_NAMES, ticketFields, type SlaSettings, type Ticket, type TicketEvent } from '../domain/ticket.js';

/**
 * A function that gives a ticket without a policy the one it gets: chosen on the priority its
 * clock started with (a later change keeps the targets), without the match trace `show` builds.
 * Returns whether the ticket has one now (else `noSlaReason` says why not).
 */
export function policyAssigner(settings: SlaSettings): (t: Ticket) => boolean {
  const choose: (t: Ticket) => PolicyChoice = policyChooser<Ticket>(settings.policies, settings.tierMultipliers, TICKET_FIELD_NAMES, ticketFields);
  return (t) => {
    if (t.assignment) return true;
    const a = choose(t.initialPriority === null || t.initialPriority === t.priority ? t : { ...t, priority: t.initialPriority });
    if (a.ok) { t.assignment = a.assignment; t.noSlaReason = null; } else t.noSlaReason = a.reason;
    return a.ok;
  };
}

/**
 * Events added, by type, and status events also by status (`status:waiting_customer`), keys in
 * the order first met. Counted in a Map: a key built and looked up on an object for every event
 * (`status:${value}`) cost a big import more than the rest of the counting.
 */
export class EventTally {
  private readonly byType = new Map<string, number>();
  private readonly statusKeys = new Map<string | null | undefined, string>();

  add(events: readonly TicketEvent[]): void {
    const byType = this.byType;
    for (const e of events) {
      byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
      if (e.type === 'status') {
        let key = this.statusKeys.get(e.value);
        if (key === undefined) this.statusKeys.set(e.value, key = `status:${e.value}`);
        byType.set(key, (byType.get(key) ?? 0) + 1);
      }
    }
  }

  toObject(): Record<string, number> {
    return Object.fromEntries(this.byType);
  }
}
