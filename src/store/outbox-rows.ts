// The rows of the outbox and of the runs (the same columns on both engines: migrations/sqlite/,
// migrations/postgres/) as the store's face gives them — shared by the engines.

import type { OutboxRow, OutboxStatus, RunRow } from './contract.js';

export interface RawAlert {
  id: string; sla_event_seq: number | null; ticket_id: string; destination: string | null; type: string; status: string;
  attempts: number; next_attempt_at: number | null; last_error: string | null; payload: string; created_at: number;
  sent_at: number | null; run_id: number | null; lease_until: number | null;
}

export interface RawRun {
  id: number; started_at: number; finished_at: number | null; at: number; tickets_evaluated: number; events: number;
  alerts_sent: number; alerts_failed: number; status: string; error: string | null;
}

export function toAlert(r: RawAlert): OutboxRow {
  return {
    id: r.id, slaEventSeq: r.sla_event_seq, ticketId: r.ticket_id, destination: r.destination, type: r.type,
    status: r.status as OutboxStatus, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error,
    payload: r.payload, createdAt: r.created_at, sentAt: r.sent_at, runId: r.run_id, leaseUntil: r.lease_until,
  };
}

export function toRun(r: RawRun): RunRow {
  return {
    id: r.id, startedAt: r.started_at, finishedAt: r.finished_at, at: r.at, ticketsEvaluated: r.tickets_evaluated,
    events: r.events, alertsSent: r.alerts_sent, alertsFailed: r.alerts_failed, status: r.status, error: r.error,
  };
}
