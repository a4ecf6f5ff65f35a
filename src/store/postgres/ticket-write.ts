// The PostgreSQL engine's writes of a ticket and of the audit, and its read of one ticket,
// inside a caller's transaction: the row as the shared codec makes it (../ticket-row.ts),
// the history appended to the stored one in the same statement.

import type { ComputedSla, Ticket, TicketEvent } from '../../domain/ticket.js';
import type { AuditEntry } from '../contract.js';
import { auditValues } from '../outbox-rows.js';
import { eventsToHistory, pauseEnds, TICKET_COLUMNS, ticketValues } from '../ticket-row.js';
import type { TicketRecordRow } from '../ticket-row.js';
import type { Sql } from './open.js';
import { placeholders } from './sql.js';


/**
 * Insert or update a ticket: the upsert's ON CONFLICT part. A write without an import digest
 * (agents' commands) keeps the last import's; `history` holds the events to append to the
 * stored ones (JSON arrays joined as text, as the SQLite engine does).
 */
const MERGE = `ON CONFLICT (id) DO UPDATE SET ${TICKET_COLUMNS.filter((c) => c !== 'id').map((c) =>
  c === 'import_hash' ? `${c} = coalesce(excluded.${c}, tickets.${c})`
  : c === 'history' ? `history = CASE WHEN excluded.history = '[]' THEN tickets.history WHEN tickets.history = '[]' THEN excluded.history
      ELSE substr(tickets.history, 1, length(tickets.history) - 1) || ',' || substr(excluded.history, 2) END`
  : `${c} = excluded.${c}`).join(', ')}`;

/**
 * Many tickets' rows (ticketValues, one id each) in one go: COPY into a temporary table of the
 * transaction (the server's bulk path), then one upsert from it — the same merge as writeTicket.
 */
export async function writeTicketRows(tx: Sql, rows: readonly unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  await tx.unsafe(`CREATE TEMP TABLE IF NOT EXISTS ticket_rows (LIKE tickets INCLUDING DEFAULTS) ON COMMIT DROP`);
  await copyRows(tx, 'ticket_rows', TICKET_COLUMNS, rows);
  await tx.unsafe(`INSERT INTO tickets (${TICKET_COLUMNS.join(', ')}) SELECT ${TICKET_COLUMNS.join(', ')} FROM ticket_rows ${MERGE}`);
  await tx.unsafe('TRUNCATE ticket_rows');
}

/** `rows` (values in `columns`' order) into `table` by COPY, the server's bulk path. */
export async function copyRows(tx: Sql, table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
  const copy = await CopyStream.open(tx, table, columns);
  for (const r of rows) {
    copy.add(r);
    await copy.drained();
  }
  await copy.end();
}

/** Text sent to the server in one message of a COPY (the rows of a round, or a part of them). */
const CHUNK_CHARS = 64 * 1024;

/**
 * A COPY into `table`, open while rows are added (the connection runs nothing else meanwhile):
 * the rows go out in messages of about CHUNK_CHARS; `drained` waits while the socket is behind.
 */
export class CopyStream {
  private text = '';
  private failed: Error | null = null;

  private constructor(private readonly into: NodeJS.WritableStream & { writableNeedDrain: boolean; destroy(e?: Error): void }, private readonly done: Promise<void>) {
    done.catch((err: Error) => { this.failed = err; });
  }

  static async open(tx: Sql, table: string, columns: readonly string[]): Promise<CopyStream> {
    const into = await tx.unsafe(`COPY ${table} (${columns.join(', ')}) FROM STDIN`).writable();
    const done = new Promise<void>((resolve, reject) => { into.on('finish', resolve); into.on('error', reject); });
    return new CopyStream(into as never, done);
  }

  add(values: readonly unknown[]): void {
    this.text += copyLine(values);
    if (this.text.length >= CHUNK_CHARS) this.send();
  }

  private send(): void {
    if (this.text.length === 0) return;
    this.into.write(this.text);
    this.text = '';
  }

  /** Resolves once the socket has taken what was sent (at once when it is not behind); throws the COPY's error. */
  async drained(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.into.writableNeedDrain) await Promise.race([new Promise((r) => this.into.once('drain', r)), this.done]);
  }

  /** Sends the rest and waits for the server to have every row. */
  async end(): Promise<void> {
    this.send();
    this.into.end();
    await this.done;
  }

  /** Gives up the COPY (the server rolls the statement back): the connection is free for ROLLBACK. */
  async abort(): Promise<void> {
    this.into.destroy(new Error('import rolled back'));
    await this.done.catch(() => undefined);
  }
}

/** Characters that COPY's text format escapes. */
const SPECIAL = /[\\\t\n\r]/;

/** One row in COPY's text format: tab-separated, \N for NULL, backslash escapes. */
function copyLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) line += '\t';
    if (v === null || v === undefined) line += '\\N';
    else if (typeof v === 'number') line += v;
    else {
      const text = typeof v === 'string' ? v : String(v);
      line += SPECIAL.test(text)
        ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
        : text;
    }
  }
  return line + '\n';
}

/** Appends the manual pause ends among `events` of ticket `id`. */
export async function writePauseEnds(tx: Sql, id: string, events: readonly TicketEvent[]): Promise<void> {
  const ends = pauseEnds(events);
  if (ends.length) {
    await tx.unsafe(`INSERT INTO ticket_pause_ends (ticket_id, until) SELECT $1, unnest($2::bigint[])`, [id, ends.map(String)] as never[]);
  }
}

const UPSERT = `INSERT INTO tickets (${TICKET_COLUMNS.join(', ')}) VALUES (${placeholders(TICKET_COLUMNS.length)}) ${MERGE}`;

/** A ticket to write with its derived state, `events` appended to its history (see writeTicket). */
export interface TicketWrite {
  ticket: Ticket;
  computed: ComputedSla;
  events: readonly TicketEvent[];
  importHash?: string | null;
}

/** Above this many tickets, a COPY and one upsert (writeTicketRows) cost less than an upsert each. */
const FEW = 16;

/** Many tickets' writes at once; each id at most once. */
export async function writeTickets(tx: Sql, writes: readonly TicketWrite[]): Promise<void> {
  if (writes.length <= FEW) {
    await Promise.all(writes.map((w) => writeTicket(tx, w.ticket, w.computed, w.events, w.importHash ?? null)));
    return;
  }
  await writeTicketRows(tx, writes.map((w) =>
    ticketValues(new Array(TICKET_COLUMNS.length), w.ticket, w.computed, w.importHash ?? null, eventsToHistory(w.events))));
  await Promise.all(writes.map((w) => writePauseEnds(tx, w.ticket.id, w.events)));
}

/** Writes a ticket with its derived state, and appends `newEvents` to its history. */
export async function writeTicket(tx: Sql, t: Ticket, computed: ComputedSla, newEvents: readonly TicketEvent[], importHash: string | null = null): Promise<void> {
  const values = ticketValues(new Array(TICKET_COLUMNS.length), t, computed, importHash, eventsToHistory(newEvents));
  await tx.unsafe(UPSERT, values as never[], { prepare: true });
  await writePauseEnds(tx, t.id, newEvents);
}

export async function writeAudit(tx: Sql, a: AuditEntry): Promise<void> {
  await tx.unsafe('INSERT INTO audit (at, actor, action, ticket_id, reason, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    auditValues(a) as never[], { prepare: true });
}

/** A ticket's whole row; `lock`: FOR UPDATE (the caller's transaction then holds the ticket until it ends). */
export async function readTicketRow(tx: Sql, id: string, lock = false): Promise<TicketRecordRow | null> {
  const rows = await tx.unsafe(`SELECT * FROM tickets WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id], { prepare: true });
  return (rows[0] as unknown as TicketRecordRow | undefined) ?? null;
}

/**
 * Read-check-write of a ticket that may not exist yet: the row locked when it is there, else
 * the ticket's id locked (a transaction-scoped advisory lock), so that two machines deciding
 * about the same new ticket take turns.
 */
export async function lockTicket(tx: Sql, id: string): Promise<TicketRecordRow | null> {
  const row = await readTicketRow(tx, id, true);
  if (row) return row;
  await tx.unsafe(`SELECT pg_advisory_xact_lock(hashtextextended('sla ticket ' || $1, 0))`, [id]);
  return readTicketRow(tx, id, true);
}
