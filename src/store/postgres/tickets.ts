// The PostgreSQL engine's tickets (team mode): the reads and read-check-writes of the agents'
// commands and `list`'s queries (the SQL both engines share, ../list-sql.ts); an import's
// transaction is in import-batch.ts. A write locks the rows it decides about (FOR UPDATE),
// so that commands on several machines take turns on a ticket and none is lost.

import type { Instant } from '../../domain/types.js';
import { METRIC } from '../../domain/metrics.js';
import type {
  AlertRow, AuditEntry, AuditFilter, BreachReasonChange, DueTicket, ListFilter, ListQuery, OpenTicketsDecision,
  SlaEventRow, StoredTicket, TicketChange, TicketRecord,
} from '../contract.js';
import { createdPageSql, listOpenSql, OPEN_SQL, staleOpenSql, type Dialect } from '../list-sql.js';
import { toAlertRow, toAudit, toSlaEvent, type RawAlert, type RawAudit, type RawSlaEvent } from '../outbox-rows.js';
import { historyToEvents, rowToRecord, rowToTicket, type TicketRecordRow } from '../ticket-row.js';
import type { Sql } from './open.js';
import { begin, run } from './sql.js';
import { lockTicket, readTicketRow, writeAudit, writeTicket } from './ticket-write.js';

/** PostgreSQL's side of the SQL both engines share. */
export const POSTGRES: Dialect = {
  nocase: (column, param) => `lower(${column}) = lower(@${param})`,
  pauseEnds: 'ticket_pause_ends',
};

const PAGE = 2000;

export class PgTickets {
  constructor(private readonly sql: Sql) {}

  async record(id: string): Promise<TicketRecord | null> {
    const row = await readTicketRow(this.sql, id);
    return row ? rowToRecord(row) : null;
  }

  async mutateTicket<R>(id: string, decide: (current: StoredTicket | null) => TicketChange<R>): Promise<R> {
    return begin(this.sql, async (t) => {
      const tx = t as unknown as Sql;
      const row = await lockTicket(tx, id);
      const change = decide(row ? { ticket: rowToTicket(row), events: historyToEvents(row.history) } : null);
      if (change.write) {
        await writeTicket(tx, change.write.ticket, change.write.computed, change.write.events);
        for (const a of change.audit ?? []) await writeAudit(tx, a);
      }
      return change.result;
    }) as Promise<R>;
  }

  async mutateBreachReason<R>(id: string, decide: (current: TicketRecord | null) => BreachReasonChange<R>): Promise<R> {
    return begin(this.sql, async (t) => {
      const tx = t as unknown as Sql;
      const row = await readTicketRow(tx, id, true);
      const change = decide(row ? rowToRecord(row) : null);
      if (change.set) {
        await tx.unsafe(`UPDATE tickets SET ${METRIC[change.set.metric].column}_breach_reason = $1 WHERE id = $2`, [change.set.reason, id]);
        for (const a of change.audit ?? []) await writeAudit(tx, a);
      }
      return change.result;
    }) as Promise<R>;
  }

  /** Every open ticket a page at a time (keyset on id), to `decide`; written in one transaction unless `write` is false. */
  async mutateOpenTickets<R>(decide: OpenTicketsDecision<R>, opts: { write?: boolean } = {}): Promise<R> {
    const pages = async (tx: Sql, lock: boolean): Promise<void> => {
      let after = '';
      for (;;) {
        const rows = await tx.unsafe(`SELECT * FROM tickets WHERE ${OPEN_SQL} AND id > $1 ORDER BY id LIMIT ${PAGE}${lock ? ' FOR UPDATE' : ''}`,
          [after]) as unknown as TicketRecordRow[];
        if (!rows.length) return;
        const change = decide.page(rows.map(rowToRecord));
        if (lock) {
          for (const w of change.writes) await writeTicket(tx, w.ticket, w.computed, w.events);
          for (const a of change.audit) await writeAudit(tx, a);
        }
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1].id;
      }
    };
    if (opts.write === false) {
      await pages(this.sql, false);
      return decide.result();
    }
    return begin(this.sql, async (t) => {
      await pages(t as unknown as Sql, true);
      return decide.result();
    }) as Promise<R>;
  }

  async listAudit(f: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: f.limit ?? 1_000_000 };
    if (f.ticketId !== undefined) { where.push('ticket_id = @ticketId'); params.ticketId = f.ticketId; }
    if (f.since !== undefined) { where.push('at >= @since'); params.since = f.since; }
    if (f.actor !== undefined) { where.push('actor = @actor'); params.actor = f.actor; }
    const rows = await run<RawAudit>(this.sql, `SELECT * FROM audit ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY at, seq LIMIT @limit`, params);
    return rows.map(toAudit);
  }

  async slaEventsOf(id: string): Promise<SlaEventRow[]> {
    return (await this.sql<RawSlaEvent[]>`SELECT * FROM sla_events WHERE ticket_id = ${id} ORDER BY due_at, seq`).map(toSlaEvent);
  }

  async alertsOf(id: string): Promise<AlertRow[]> {
    return (await this.sql<RawAlert[]>`SELECT * FROM alerts WHERE ticket_id = ${id} ORDER BY created_at, id`).map(toAlertRow);
  }

  async listOpenIds(q: ListQuery): Promise<{ ids: string[]; total: number }> {
    const sql = listOpenSql(q, POSTGRES);
    const [{ n }] = await run<{ n: number }>(this.sql, sql.count, sql.countParams);
    return { ids: (await run<{ id: string }>(this.sql, sql.ids, sql.idsParams)).map((r) => r.id), total: Number(n) };
  }

  /** Open tickets at q.now whose stored state cannot answer for it (see the SQLite engine's staleOpen). */
  async staleOpen(q: ListQuery): Promise<TicketRecord[]> {
    const sql = staleOpenSql(q, POSTGRES);
    const later = await run<TicketRecordRow>(this.sql, sql.later, sql.params);
    const ranOut = await run<TicketRecordRow>(this.sql, sql.ranOut, sql.params);
    const seen = new Set(later.map((r) => r.id));
    return [...later, ...ranOut.filter((r) => !seen.has(r.id))].map(rowToRecord);
  }

  async recordsByIds(ids: readonly string[]): Promise<TicketRecord[]> {
    const byId = new Map<string, TicketRecordRow>();
    const CHUNK = 5000;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.sql.unsafe('SELECT * FROM tickets WHERE id = ANY($1::text[])', [ids.slice(i, i + CHUNK)] as never[]) as unknown as TicketRecordRow[];
      for (const r of rows) byId.set(r.id, r);
    }
    return ids.map((id) => byId.get(id)).filter((r): r is TicketRecordRow => r !== undefined).map(rowToRecord);
  }

  /** Every ticket created in [since, until) with the field filters, oldest first, a page at a time (keyset on created_at, id). */
  async *listCreated(since: Instant | null, until: Instant | null, f: ListFilter): AsyncIterable<TicketRecord[]> {
    const sql = createdPageSql(since, until, f, POSTGRES, PAGE);
    let rows = await run<TicketRecordRow>(this.sql, sql.first, sql.params);
    while (rows.length) {
      yield rows.map(rowToRecord);
      if (rows.length < PAGE) return;
      const last = rows[rows.length - 1];
      rows = await run<TicketRecordRow>(this.sql, sql.next, { ...sql.params, afterAt: last.created_at, afterId: last.id });
    }
  }

  async dueBefore(t: Instant, limit = 10_000): Promise<DueTicket[]> {
    const rows = await this.sql<Array<{ id: string; next_change_at: number }>>`
      SELECT id, next_change_at FROM tickets WHERE next_change_at IS NOT NULL AND next_change_at <= ${t} ORDER BY next_change_at LIMIT ${limit}`;
    return rows.map((r) => ({ id: r.id, nextChangeAt: r.next_change_at }));
  }
}
