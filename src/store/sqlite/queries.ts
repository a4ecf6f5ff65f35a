// The SQL behind the agents' commands on the SQLite file: `list` (its conditions and order
// are the SQL both engines share, ../list-sql.ts), `--all` exports, breach reasons, the SLA
// events and alerts a ticket has, and the one-transaction writers of `reason` and `recalc`.
// All functions take a Store.

import { METRIC } from '../../domain/metrics.js';
import type { Instant } from '../../domain/types.js';
import type { AlertRow, BreachReasonChange, ListFilter, ListQuery, SlaEventRow, TicketRecord } from '../contract.js';
import { fastWhere as sharedFastWhere, fieldWhere as sharedFieldWhere, OPEN_SQL as OPEN, orderBy } from '../list-sql.js';
import { rowToRecord, type TicketRecordRow } from '../ticket-row.js';
import { SELECT_TICKET_SQL, SQLITE } from './ticket-row.js';
import type { Store } from './tickets.js';

type Row = TicketRecordRow;

const fastWhere = (q: ListQuery): ReturnType<typeof sharedFastWhere> => sharedFastWhere(q, SQLITE);
const fieldWhere = (f: ListFilter, where: string[], params: Record<string, unknown>): void => sharedFieldWhere(f, where, params, SQLITE);

/**
 * Open tickets whose stored state answers the filter at `now`, in the list's
 * order, at most `limit`, plus how many there are in all. Stale rows are not
 * here: see staleOpen.
 */
export function listOpen(store: Store, q: ListQuery): { records: TicketRecord[]; total: number } {
  const { ids, total } = listOpenIds(store, q);
  return { records: recordsByIds(store, ids), total };
}

/** listOpen's ids only (sorted from the covering index), to read the rows in chunks. */
export function listOpenIds(store: Store, q: ListQuery): { ids: string[]; total: number } {
  const { cond, params } = fastWhere(q);
  const total = (store.db.prepare(`SELECT count(*) AS n FROM tickets WHERE ${cond}`).get(params) as { n: number }).n;
  const orderParams = { ...params };
  const order = orderBy(q, orderParams);
  const limit = q.limit === null ? '' : ` LIMIT ${Math.max(0, Math.floor(q.limit))}`;
  const ids = store.db.prepare(`SELECT id FROM tickets WHERE ${cond} ORDER BY ${order}${limit}`).pluck().all(orderParams) as string[];
  return { ids, total };
}

/** The tickets with these ids, in this order, with their histories. */
export function recordsByIds(store: Store, ids: readonly string[]): TicketRecord[] {
  return rowsToRecords(rowsById(store, ids));
}

/**
 * Tickets that may be open at `now` and whose stored state cannot answer the
 * filter (see STALE), with the field filters applied: the caller evaluates
 * them with the clock. When `now` is before a ticket's last write its current
 * status says nothing about `now`, so those are included whatever their status.
 */
export function staleOpen(store: Store, q: ListQuery): TicketRecord[] {
  const params: Record<string, unknown> = { now: q.now };
  // Priority can change over time: the caller checks it against the clock's priority.
  const fields: string[] = [];
  fieldWhere({ ...q, priority: undefined }, fields, params);
  const extra = fields.map((w) => ` AND ${w}`).join('');
  // Stored after `now` (a look into the past): any status (by index on computed_at).
  const later = store.db.prepare(`SELECT * FROM tickets WHERE computed_at > @now AND created_at <= @now${extra}`).all(params) as Row[];
  // Paused, and a manual pause's `until` passed since: found from the few pauses that have an end.
  const ranOut = store.db.prepare(
    `SELECT DISTINCT tickets.* FROM ticket_pause_ends p JOIN tickets ON tickets.id = p.ticket_id
     WHERE p.until <= @now AND p.until > tickets.computed_at AND tickets.computed_at <= @now
       AND tickets.paused_at IS NOT NULL AND tickets.${OPEN} AND tickets.created_at <= @now${extra}`,
  ).all(params) as Row[];
  const seen = new Set(later.map((r) => r.id));
  return rowsToRecords([...later, ...ranOut.filter((r) => !seen.has(r.id))]);
}

function rowsById(store: Store, ids: readonly string[]): Row[] {
  const byId = new Map<string, Row>();
  const CHUNK = 500;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    const rows = store.db.prepare(`SELECT * FROM tickets WHERE id IN (${part.map(() => '?').join(', ')})`).all(...part) as Row[];
    for (const r of rows) byId.set(r.id, r);
  }
  return ids.map((id) => byId.get(id)).filter((r): r is Row => r !== undefined);
}

/**
 * Every ticket created in [since, until), oldest first, with the field filters,
 * a page at a time (keyset on created_at, id), so an export of any size runs
 * in bounded memory.
 */
export function* listCreated(
  store: Store, since: Instant | null, until: Instant | null, f: ListFilter, pageSize = 2000,
): Generator<TicketRecord[]> {
  const params: Record<string, unknown> = {};
  const where: string[] = [];
  if (since !== null) { where.push('created_at >= @since'); params.since = since; }
  if (until !== null) { where.push('created_at < @until'); params.until = until; }
  fieldWhere(f, where, params);
  const first = store.db.prepare(`SELECT * FROM tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ${pageSize}`);
  const next = store.db.prepare(
    `SELECT * FROM tickets WHERE ${[...where, '(created_at > @afterAt OR (created_at = @afterAt AND id > @afterId))'].join(' AND ')} ORDER BY created_at, id LIMIT ${pageSize}`,
  );
  let rows = first.all(params) as Row[];
  while (rows.length) {
    yield rowsToRecords(rows);
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1];
    rows = next.all({ ...params, afterAt: last.created_at, afterId: last.id }) as Row[];
  }
}

/** Every ticket whose current status is not resolved/closed (for `recalc`), a page at a time (keyset on id). */
export function* allOpen(store: Store, pageSize = 2000): Generator<TicketRecord[]> {
  const page = store.db.prepare(`SELECT * FROM tickets WHERE ${OPEN} AND id > ? ORDER BY id LIMIT ${pageSize}`);
  let after = '';
  for (;;) {
    const rows = page.all(after) as Row[];
    if (!rows.length) return;
    yield rowsToRecords(rows);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].id;
  }
}

/** The query plan of a list query (for tests and tuning). */
export function explainList(store: Store, q: ListQuery): string {
  const { cond, params } = fastWhere(q);
  const order = orderBy(q, params);
  return (store.db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE ${cond} ORDER BY ${order} LIMIT 50`)
    .all(params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
}

function rowsToRecords(rows: Row[]): TicketRecord[] {
  return rows.map(rowToRecord);
}

/** One ticket with its history and breach reasons, or null. */
export function getRecord(store: Store, id: string): TicketRecord | null {
  const row = store.db.prepare(SELECT_TICKET_SQL).get(id) as Row | undefined;
  return row ? rowToRecord(row) : null;
}

/**
 * Read-check-write of a breach reason in one immediate transaction: `fn` sees the
 * ticket (or null) and returns what to write, or throws to refuse.
 */
export function recordBreachReason<R>(store: Store, id: string, fn: (current: TicketRecord | null) => BreachReasonChange<R>): R {
  return store.db.transaction(() => {
    const change = fn(getRecord(store, id));
    if (change.set) {
      const col = `${METRIC[change.set.metric].column}_breach_reason`;
      store.db.prepare(`UPDATE tickets SET ${col} = ? WHERE id = ?`).run(change.set.reason, id);
      for (const a of change.audit ?? []) store.addAudit(a);
    }
    return change.result;
  }).immediate();
}

/**
 * Many read-check-writes in ONE immediate transaction (all or nothing), e.g.
 * `recalc`: `plan` runs inside the write lock and may call store.mutateTicket
 * (nested as savepoints) any number of times.
 */
export function inWriteTransaction<R>(store: Store, plan: () => R): R {
  return store.db.transaction(plan).immediate();
}

/** What `check` recorded for a ticket (warnings, breaches, escalations), oldest first. */
export function getSlaEvents(store: Store, id: string): SlaEventRow[] {
  const rows = store.db.prepare('SELECT * FROM sla_events WHERE ticket_id = ? ORDER BY due_at, seq').all(id) as Array<{
    seq: number; cycle: number; type: string; rule: string; due_at: number; recorded_at: number; announced: number; data: string | null;
  }>;
  return rows.map((r) => ({
    seq: r.seq, cycle: r.cycle, type: r.type, rule: r.rule, dueAt: r.due_at, recordedAt: r.recorded_at,
    announced: r.announced !== 0, data: r.data ? safeJson(r.data) : null,
  }));
}

/** The alert outbox rows of a ticket (sent? when? where?), oldest first. */
export function getAlerts(store: Store, id: string): AlertRow[] {
  const rows = store.db.prepare('SELECT * FROM alerts WHERE ticket_id = ? ORDER BY created_at, id').all(id) as Array<{
    id: string; sla_event_seq: number | null; destination: string | null; type: string; status: string; attempts: number;
    last_error: string | null; created_at: number; sent_at: number | null;
  }>;
  return rows.map((r) => ({
    id: r.id, slaEventSeq: r.sla_event_seq, destination: r.destination, type: r.type, status: r.status,
    attempts: r.attempts, lastError: r.last_error, createdAt: r.created_at, sentAt: r.sent_at,
  }));
}

function safeJson(s: string): unknown {
  try { return JSON.parse(s); } catch { return s; }
}
