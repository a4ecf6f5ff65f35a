// An import's transaction on PostgreSQL (team mode): a connection of its own, open until commit
// or rollback. Each round's tickets are read and locked in `prepare` (in id order: two imports
// never wait on each other in a circle); what the round put is written when the next round
// starts (or at commit), together (writeTickets: a COPY and one upsert).
//
// Into an empty tickets table (a team's first import, as into a new SQLite file), the rows go
// down one COPY straight into the table for as long as no round asks for a ticket this import
// wrote already — there is nothing to read or merge — and, for an import that writes rows as
// fast as it reads them (ImportIndexes 'rebuild'), the table's secondary indexes are dropped
// at the start and built once after the last row, in the same transaction. The table is
// locked against other writers meanwhile (readers go on; a writer waits for the commit), and
// is only treated as empty once that lock is held.

import type { ComputedSla, Ticket, TicketEvent } from '../../domain/ticket.js';
import type { CursorAdvance, ImportBatch, ImportHint } from '../contract.js';
import { IdSet } from '../id-set.js';
import { eventsToHistory, historyToEvents, rowToTicket, TICKET_COLUMNS, ticketValues, type TicketRecordRow } from '../ticket-row.js';
import type { Sql } from './open.js';
import type { PgPulls } from './pulls.js';
import { connectionLost } from './sql.js';
import { CopyStream, writePauseEnds, writeTickets, type TicketWrite } from './ticket-write.js';

/** A ticket as this transaction has it: its stored history, and the events put since (encoded only if read). */
interface Known { ticket: Ticket; history: string; added: readonly TicketEvent[]; importHash: string | null }

/** The empty table's lock and its secondary indexes (dropped for 'rebuild'), or null when it holds rows. */
async function takeEmptyTable(tx: Sql, indexes: ImportHint['indexes']): Promise<{ rebuild: string[] } | null> {
  // Looked at first without a lock: a table with rows is imported into as usual, and locks nothing more.
  const [seen] = await tx.unsafe('SELECT EXISTS (SELECT 1 FROM tickets) AS rows') as unknown as Array<{ rows: boolean }>;
  if (seen.rows) return null;
  // The lock lives in a savepoint, so that it is let go if a row came in meanwhile.
  await tx.unsafe('SAVEPOINT empty_tickets');
  await tx.unsafe('LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE');
  const [now] = await tx.unsafe('SELECT EXISTS (SELECT 1 FROM tickets) AS rows') as unknown as Array<{ rows: boolean }>;
  if (now.rows) {
    await tx.unsafe('ROLLBACK TO SAVEPOINT empty_tickets');
    return null;
  }
  await tx.unsafe('RELEASE SAVEPOINT empty_tickets');
  if (indexes !== 'rebuild') return { rebuild: [] };
  const defs = await tx.unsafe(
    `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index
     WHERE indrelid = 'tickets'::regclass AND NOT indisunique ORDER BY indexrelid`,
  ) as unknown as Array<{ name: string; def: string }>;
  for (const d of defs) await tx.unsafe(`DROP INDEX ${d.name}`);
  return { rebuild: defs.map((d) => d.def) };
}

/** A history (JSON array) with the events of `added` (another) after its own, as the stored one will be. */
function appendHistory(history: string, added: string): string {
  return history === '[]' ? added : added === '[]' ? history : `${history.slice(0, -1)},${added.slice(1)}`;
}

export async function beginPgImport(sql: Sql, pulls: PgPulls, hint: ImportHint): Promise<ImportBatch> {
  const conn = await sql.reserve();
  const tx = conn as unknown as Sql;
  let empty: { rebuild: string[] } | null = null;
  try {
    await tx.unsafe('BEGIN');
    if (!hint.pull) empty = await takeEmptyTable(tx, hint.indexes);
  } catch (err) {
    if (!connectionLost(err)) {
      await tx.unsafe('ROLLBACK').catch(() => undefined);
      conn.release();
    }
    throw err;
  }
  /** What this transaction holds of the tickets of the round. */
  const known = new Map<string, Known>();
  /** What the round put, by ticket: its last state, every event it appended. */
  const puts = new Map<string, TicketWrite & { events: TicketEvent[] }>();
  const cursors: CursorAdvance[] = [];
  /** Into an empty table: the ids this import wrote (maybe: see IdSet), and the open COPY. */
  const written = empty ? new IdSet() : null;
  let copy: CopyStream | null = null;
  /** Streamed tickets whose manual pause ends are written once their rows are in. */
  let ends: TicketWrite[] = [];

  const endCopy = async (): Promise<void> => {
    if (copy) {
      const c = copy;
      copy = null;
      await c.end();
    }
    const those = ends;
    ends = [];
    await Promise.all(those.map((w) => writePauseEnds(tx, w.ticket.id, w.events)));
  };

  const flush = async (): Promise<void> => {
    if (puts.size === 0) return;
    const writes = [...puts.values()];
    puts.clear();
    if (!written) {
      await writeTickets(tx, writes);
      return;
    }
    const again: TicketWrite[] = [];
    for (const w of writes) {
      if (written.has(w.ticket.id)) {
        again.push(w);
        continue;
      }
      written.add(w.ticket.id);
      copy ??= await CopyStream.open(tx, 'tickets', TICKET_COLUMNS);
      copy.add(ticketValues(new Array(TICKET_COLUMNS.length), w.ticket, w.computed, w.importHash ?? null, eventsToHistory(w.events)));
      if (w.events.some((e) => e.type === 'pause')) ends.push(w);
    }
    if (again.length) {
      await endCopy();
      await writeTickets(tx, again);
    }
  };

  let open = true;
  const end = async (commit: boolean): Promise<void> => {
    if (!open) return;
    open = false;
    try {
      if (commit) {
        await flush();
        await endCopy();
        for (const def of empty?.rebuild ?? []) await tx.unsafe(def);
        for (const c of cursors) await pulls.advance(tx, c);
        await tx.unsafe('COMMIT');
      } else {
        if (copy) await copy.abort();
        await tx.unsafe('ROLLBACK');
      }
    } catch (err) {
      // a connection that is gone is the pool's again (see begin in sql.ts)
      if (connectionLost(err)) throw err;
      if (copy) await copy.abort();
      await tx.unsafe('ROLLBACK').catch(() => undefined);
      conn.release();
      throw err;
    }
    conn.release();
  };

  return {
    prepare: async (ids) => {
      await flush();
      known.clear();
      // Into an empty table, only what this import wrote can be there.
      const stored = [...new Set(written ? ids.filter((id) => written.has(id)) : ids)].sort();
      if (stored.length === 0) {
        await copy?.drained();
        return;
      }
      await endCopy();
      const rows = await tx.unsafe('SELECT * FROM tickets WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [stored] as never[]) as unknown as TicketRecordRow[];
      for (const r of rows) known.set(r.id, { ticket: rowToTicket(r), history: r.history ?? '[]', added: [], importHash: r.import_hash ?? null });
    },
    importHash: (id) => {
      const k = known.get(id);
      return k === undefined ? undefined : k.importHash;
    },
    load: (id) => {
      const k = known.get(id);
      return k === undefined ? null : { ticket: k.ticket, events: historyToEvents(appendHistory(k.history, eventsToHistory(k.added))), importHash: k.importHash };
    },
    put: (ticket: Ticket, computed: ComputedSla, events: readonly TicketEvent[], importHash: string | null) => {
      const before = known.get(ticket.id);
      const added = before && before.added.length ? before.added.concat(events) : events;
      known.set(ticket.id, { ticket, history: before?.history ?? '[]', added, importHash: importHash ?? before?.importHash ?? null });
      const put = puts.get(ticket.id);
      if (put) puts.set(ticket.id, { ticket, computed, events: put.events.concat(events), importHash: importHash ?? put.importHash });
      else puts.set(ticket.id, { ticket, computed, events: [...events], importHash });
    },
    advanceCursor: (c) => {
      if (!hint.pull) throw new Error('advanceCursor on a batch not begun for a pull');
      cursors.push(c);
    },
    commit: () => end(true),
    rollback: () => end(false),
  };
}
