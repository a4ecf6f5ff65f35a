// Closing what alerts opened at their destinations (a PagerDuty alert, by its dedup key) once
// the clock they are about stops: the ticket answered (first response) or resolved, its
// ticket resolved or closed, or a new SLA cycle begun (a reset). The decision is pure; the
// store queues each closing message and forgets the incident in one transaction
// (closeIncidents), and delivery sends it through the outbox like any alert.

import { INCIDENT_CLOSED, type IncidentClose } from '../alerts/destination.js';
import { incidentClosedId } from '../alerts/facts.js';
import type { Instant } from '../domain/types.js';
import { isoUtc } from '../render/format.js';
import type { AlertInsert, OpenIncident } from '../store/port.js';

/** Whether `i` is over at `now`, and if so the closing message to queue. */
export function incidentCloser(now: Instant, runId: number | null): (i: OpenIncident) => AlertInsert | null {
  return (i) => {
    const stopped = i.metric !== null && i.stoppedAt !== null && i.stoppedAt <= now;
    const over = i.ticketStatus === null || i.ticketStatus === 'resolved' || i.ticketStatus === 'closed'
      || (i.ticketCycle !== null && i.ticketCycle !== i.cycle) || stopped;
    if (!over) return null;
    const close: IncidentClose = { key: i.key, ticketId: i.ticketId, metric: i.metric, cycle: i.cycle, at: isoUtc(stopped ? i.stoppedAt! : now)! };
    // one closing message per opening (a key opened again after it was closed is closed again)
    const id = incidentClosedId(i.destination, i.key, i.openedAt);
    return { id, destination: i.destination, type: INCIDENT_CLOSED, status: 'pending', nextAttemptAt: now, payload: JSON.stringify(close), createdAt: now, runId };
  };
}
