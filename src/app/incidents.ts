// Closing what alerts opened at their destinations (a PagerDuty alert, by its dedup key) once
// the clock they are about stops: the ticket answered (first response) or resolved, its
// ticket resolved or closed, or a new SLA cycle begun (a reset). The decision is pure; the
// store queues each closing message and forgets the incident in one transaction
// (closeIncidents), and delivery sends it through the outbox like any alert.

import { createHash } from 'node:crypto';
import { INCIDENT_CLOSED, type IncidentClose } from '../alerts/destination.js';
import type { Instant } from '../domain/types.js';
import type { AlertInsert, OpenIncident } from '../store/port.js';

const iso = (t: Instant): string => new Date(t).toISOString().replace('.000Z', 'Z');

/** Whether `i` is over at `now`, and if so the closing message to queue. */
export function incidentCloser(now: Instant, runId: number | null): (i: OpenIncident) => AlertInsert | null {
  return (i) => {
    const stopped = i.metric !== null && i.stoppedAt !== null && i.stoppedAt <= now;
    const over = i.ticketStatus === null || i.ticketStatus === 'resolved' || i.ticketStatus === 'closed'
      || (i.ticketCycle !== null && i.ticketCycle !== i.cycle) || stopped;
    if (!over) return null;
    const close: IncidentClose = { key: i.key, ticketId: i.ticketId, metric: i.metric, cycle: i.cycle, at: iso(stopped ? i.stoppedAt! : now) };
    // one closing message per opening (a key opened again after it was closed is closed again)
    const id = `sla_${createHash('sha256').update(`${i.destination}\u0000${i.key}\u0000${i.openedAt}\u0000closed`).digest('hex').slice(0, 24)}`;
    return { id, destination: i.destination, type: INCIDENT_CLOSED, status: 'pending', nextAttemptAt: now, payload: JSON.stringify(close), createdAt: now, runId };
  };
}
