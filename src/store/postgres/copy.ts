// The PostgreSQL engine's side of `sla db copy`: every table's rows read from one snapshot
// (a repeatable-read transaction, by a cursor), and written into an empty database in one
// transaction by COPY — identity columns keep their copied numbers, and their sequences then
// go on from the highest.

import { StoreError, type TablePage } from '../contract.js';
import { COPIED_TABLES, COPY_PAGE, refusedRow } from '../copy-tables.js';
import type { Sql } from './open.js';
import { begin } from './sql.js';
import { copyRows } from './ticket-write.js';

export async function* dumpTables(sql: Sql): AsyncIterable<TablePage> {
  const conn = await sql.reserve();
  const tx = conn as unknown as Sql;
  let ok = false;
  try {
    await tx.unsafe('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const { table, key } of COPIED_TABLES) {
      const columns = (await tx.unsafe(`SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [table]) as unknown as Array<{ attname: string }>).map((r) => r.attname);
      for await (const rows of tx.unsafe(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${key.join(', ')}`).values().cursor(COPY_PAGE)) {
        yield { table, columns, rows: rows as unknown as unknown[][] };
      }
    }
    await tx.unsafe('COMMIT');
    ok = true;
  } finally {
    if (!ok) await tx.unsafe('ROLLBACK').catch(() => undefined);
    conn.release();
  }
}

export async function loadTables(sql: Sql, pages: AsyncIterable<TablePage>): Promise<void> {
  await begin(sql, async (tx) => {
    for (const { table } of COPIED_TABLES) {
      const [row] = await tx.unsafe(`SELECT 1 AS x FROM ${table} LIMIT 1`);
      if (row !== undefined) {
        throw new StoreError(`the database to copy into is not empty (its ${table} table has rows)`,
          'copy into a new, empty database: a copy never merges into data that is there', 2);
      }
    }
    for await (const page of pages) {
      try {
        await copyRows(tx, page.table, page.columns, page.rows);
      } catch (err) {
        // class 23: integrity constraint violation
        throw String((err as { code?: unknown }).code ?? '').startsWith('23') ? refusedRow(page.table, (err as Error).message) : err;
      }
    }
    for (const { table, identity } of COPIED_TABLES) {
      if (!identity) continue;
      await tx.unsafe(`SELECT setval(pg_get_serial_sequence('${table}', '${identity}'), coalesce(max(${identity}), 0) + 1, false) FROM ${table}`);
    }
  });
}
