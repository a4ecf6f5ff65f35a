// `sla escalate`: a manual escalation, in one transaction — an 'escalated' SLA event with
// rule 'manual:<n>' (so a ticket can be escalated by hand more than once per cycle), the
// assignment change, the alert for the destination to notify (plus any route for
// 'escalated') and the audit entry — then, outside it, the alert delivered at once; on a
// passing failure it stays queued for the next `sla check`.

import type { TicketEvent } from '../domain/ticket.js';
import { transitionKey } from '../domain/transitions.js';
import { queueAlerts } from './check.js';
import { deliverPending, type DeliveryReport } from './deliver.js';
import type { Setup } from './setup.js';
import { afterEvent, clockAt, existing, notFound } from './ticket-ops.js';

export interface Escalated {
  rule: string;
  cycle: number;
  from: string | null;
  to: string | null;
  /** Where the alert was queued. */
  destinations: string[];
  /** The delivery right after (null: no alert). */
  delivery: DeliveryReport | null;
}

export async function escalateTicket(
  s: Setup, id: string, p: { reason: string; to: string | null; notify: string | null },
): Promise<Escalated> {
  const { config, calendar, now, actor } = s;
  const { reason, to, notify } = p;
  const { results } = await s.store.recordCheck([id], (cur) => {
    const { ticket, events } = existing(cur, id, now);
    const clock = clockAt(config, calendar, ticket, events, now);
    const next = { ...ticket };
    const escalation: { rule: string; manual: true; reason: string; actor: string; assignee?: { from: string | null; to: string | null } } = {
      rule: '', manual: true, reason, actor,
    };
    let ev: TicketEvent | null = null;
    if (to !== null && to !== ticket.assignee) {
      next.assignee = to;
      escalation.assignee = { from: ticket.assignee, to };
      ev = { at: now, type: 'assign', value: to, previous: ticket.assignee, actor, reason, source: 'cli' };
    }
    const fired = cur.fired(clock.cycle);
    let n = cur.manualEscalations(clock.cycle) + 1;
    while (fired.has(transitionKey('escalated', `manual:${n}`))) n++;
    escalation.rule = `manual:${n}`;
    const fr = clock.metrics.first_response;
    const metric = fr && fr.stoppedAt === null ? 'first_response' : 'resolution';
    const q = queueAlerts(config, {
      ticket: next, clock, type: 'escalated', rule: escalation.rule, metric, at: now, now, runId: null,
      notify: notify ? [notify] : [], escalation,
    });
    // The stored state knows the transitions `check` recorded in its cycle (fired once per cycle).
    const { stored } = afterEvent(config, calendar, next, events, ev, now, { fired: (cycle) => cur.fired(cycle) });
    return {
      events: [{
        event: {
          cycle: clock.cycle, type: 'escalated', rule: escalation.rule, dueAt: now, recordedAt: now, announced: true,
          data: { ...escalation, notify: notify ? [notify] : [] }, runId: null,
        },
        alerts: q.alerts,
      }],
      audit: [{
        at: now, actor, action: 'escalate', ticketId: id, reason,
        before: { assignee: ticket.assignee }, after: { assignee: next.assignee, rule: escalation.rule, notify: q.destinations },
      }],
      write: { ticket: next, computed: stored.computed, events: ev ? [ev] : [] },
      result: { rule: escalation.rule, cycle: clock.cycle, from: ticket.assignee, to: next.assignee, destinations: q.destinations, ids: q.ids },
    };
  });
  const done = results[0];
  if (!done) throw notFound(id);
  // Deliver the notification now (outside the transaction).
  let delivery: DeliveryReport | null = null;
  if (done.ids.length) {
    const wall0 = s.wall();
    delivery = await deliverPending({ alerts: s.store, config, env: s.env, now: () => now + (s.wall() - wall0), wall: s.wall, onlyIds: done.ids });
  }
  return { rule: done.rule, cycle: done.cycle, from: done.from, to: done.to, destinations: done.destinations, delivery };
}
