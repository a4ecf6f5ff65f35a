// The SQL behind the agents' commands on the SQLite file: `list` (its conditions and order
// are the SQL both engines share, ../list-sql.ts), `--all` exports, breach reasons, the SLA
// events and alerts a ticket has, and the one-transaction writers of `reason` and `recalc`.
// All functions take a Store.

import { METRIC } from '../../domain/metrics.js';
import type { Instant } from '../../domain/types.js';
import type { AlertRow, BreachReasonChange, ListFilter, ListQuery, SlaEventRow, TicketRecord } from '../contract.js';
import { createdPageSql, listOpenSql, OPEN_SQL as OPEN, staleOpenSql } from '../list-sql.js';
import { toAlertRow, toSlaEvent, type RawAlert, type RawSlaEvent } from '../outbox-rows.js';
import { rowToRecord, type TicketRecordRow } from '../ticket-row.js';
import { SELECT_TICKET_SQL, SQLITE } from './ticket-row.js';
import type { Store } from './tickets.js';

type Row = TicketRecordRow;


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
  const sql = listOpenSql(q, SQLITE);
  const total = (store.db.prepare(sql.count).get(sql.countParams) as { n: number }).n;
  return { ids: store.db.prepare(sql.ids).pluck().all(sql.idsParams) as string[], total };
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
  const sql = staleOpenSql(q, SQLITE);
  const later = store.db.prepare(sql.later).all(sql.params) as Row[];
  const ranOut = store.db.prepare(sql.ranOut).all(sql.params) as Row[];
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
  const sql = createdPageSql(since, until, f, SQLITE, pageSize);
  const next = store.db.prepare(sql.next);
  let rows = store.db.prepare(sql.first).all(sql.params) as Row[];
  while (rows.length) {
    yield rowsToRecords(rows);
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1];
    rows = next.all({ ...sql.params, afterAt: last.created_at, afterId: last.id }) as Row[];
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
  const sql = listOpenSql({ ...q, limit: 50 }, SQLITE);
  return (store.db.prepare(`EXPLAIN QUERY PLAN ${sql.ids}`).all(sql.idsParams) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
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
  return (store.db.prepare('SELECT * FROM sla_events WHERE ticket_id = ? ORDER BY due_at, seq').all(id) as RawSlaEvent[]).map(toSlaEvent);
}

/** The alert outbox rows of a ticket (sent? when? where?), oldest first. */
export function getAlerts(store: Store, id: string): AlertRow[] {
  return (store.db.prepare('SELECT * FROM alerts WHERE ticket_id = ? ORDER BY created_at, id').all(id) as RawAlert[]).map(toAlertRow);
}
