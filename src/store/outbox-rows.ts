// The rows of the outbox, the runs, the SLA events and the audit (the same columns on both
// engines: migrations/sqlite/, migrations/postgres/) as the store's face gives them, and the
// audit's values as written — shared by the engines.

import type { AlertRow, AuditEntry, OutboxRow, OutboxStatus, RunRow, SlaEventRow } from './contract.js';

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

export interface RawSlaEvent { seq: number; cycle: number; type: string; rule: string; due_at: number; recorded_at: number; announced: number; data: string | null }

export function toSlaEvent(r: RawSlaEvent): SlaEventRow {
  return {
    seq: r.seq, cycle: r.cycle, type: r.type, rule: r.rule, dueAt: r.due_at, recordedAt: r.recorded_at,
    announced: r.announced !== 0, data: r.data ? safeJson(r.data) : null,
  };
}

/** A ticket's alert as `show` lists it (fewer fields than the outbox's OutboxRow). */
export function toAlertRow(r: RawAlert): AlertRow {
  return {
    id: r.id, slaEventSeq: r.sla_event_seq, destination: r.destination, type: r.type, status: r.status,
    attempts: r.attempts, lastError: r.last_error, createdAt: r.created_at, sentAt: r.sent_at,
  };
}

export interface RawAudit {
  seq: number; at: number; actor: string; action: string; ticket_id: string | null; reason: string | null; before: string | null; after: string | null;
}

export function toAudit(r: RawAudit): AuditEntry {
  return {
    seq: r.seq, at: r.at, actor: r.actor, action: r.action, ticketId: r.ticket_id, reason: r.reason,
    before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after),
  };
}

/** An audit entry's values in the order (at, actor, action, ticket_id, reason, before, after). */
export function auditValues(a: AuditEntry): unknown[] {
  return [a.at, a.actor, a.action, a.ticketId, a.reason,
    a.before === undefined ? null : JSON.stringify(a.before),
    a.after === undefined ? null : JSON.stringify(a.after)];
}

function safeJson(s: string): unknown {
  try { return JSON.parse(s); } catch { return s; }
}
