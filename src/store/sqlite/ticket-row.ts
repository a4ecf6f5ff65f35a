// The SQLite engine's SQL over the tickets table's row (the row itself: ../ticket-row.ts).

import { staleCondition, type Dialect } from '../list-sql.js';
import { TICKET_COLUMNS } from '../ticket-row.js';

export { OPEN_SQL } from '../list-sql.js';

/**
 * Insert or update a ticket. A write without an import digest (agents' commands) keeps
 * the last import's digest; `history` holds the events to append to the stored ones
 * (JSON arrays joined as text).
 */
export function upsertTicketSql(): string {
  const updates = TICKET_COLUMNS.filter((c) => c !== 'id')
    .map((c) =>
      c === 'import_hash' ? `${c} = coalesce(excluded.${c}, ${c})`
      : c === 'history' ? `history = CASE WHEN excluded.history = '[]' THEN history WHEN history = '[]' THEN excluded.history
          ELSE substr(history, 1, length(history) - 1) || ',' || substr(excluded.history, 2) END`
      : `${c} = excluded.${c}`)
    .join(', ');
  return `INSERT INTO tickets (${TICKET_COLUMNS.join(', ')}) VALUES (${TICKET_COLUMNS.map(() => '?').join(', ')})
    ON CONFLICT(id) DO UPDATE SET ${updates}`;
}

export const INSERT_PAUSE_END_SQL = 'INSERT INTO ticket_pause_ends (ticket_id, until) VALUES (?, ?)';
/** A ticket's whole row (with its history), by id. */
export const SELECT_TICKET_SQL = 'SELECT * FROM tickets WHERE id = ?';
/** The digest of a ticket's last imported row, by id. */
export const SELECT_IMPORT_HASH_SQL = 'SELECT import_hash FROM tickets WHERE id = ?';

/** SQLite's side of the SQL both engines share (../list-sql.ts). */
export const SQLITE: Dialect = {
  nocase: (column, param) => `${column} = @${param} COLLATE NOCASE`,
  // `main.`: the report's connection has a TEMP table of the same name
  pauseEnds: 'main.ticket_pause_ends',
};

/** A tickets row (`alias`) whose stored state cannot answer for @now (see ../list-sql.ts). */
export const staleSql = (alias: string): string => staleCondition(alias, SQLITE);
