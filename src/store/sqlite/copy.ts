// The SQLite engine's side of `sla db copy`: every table's rows read from one snapshot (a
// read transaction held while the pages are taken), and written into an empty file in one
// immediate transaction.

import type Database from 'better-sqlite3';
import { StoreError, type TablePage } from '../contract.js';
import { COPIED_TABLES, COPY_PAGE, refusedRow } from '../copy-tables.js';

export async function* dumpTables(db: Database.Database): AsyncIterable<TablePage> {
  db.exec('BEGIN');
  try {
    for (const { table, key } of COPIED_TABLES) {
      const stmt = db.prepare(`SELECT * FROM ${table} ORDER BY ${key.join(', ')}`).raw(true);
      const columns = stmt.columns().map((c) => c.name);
      let rows: unknown[][] = [];
      for (const row of stmt.iterate() as Iterable<unknown[]>) {
        rows.push(row);
        if (rows.length === COPY_PAGE) {
          yield { table, columns, rows };
          rows = [];
        }
      }
      if (rows.length) yield { table, columns, rows };
    }
  } finally {
    db.exec('COMMIT');
  }
}

export async function loadTables(db: Database.Database, pages: AsyncIterable<TablePage>): Promise<void> {
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const { table } of COPIED_TABLES) {
      if (db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined) {
        throw new StoreError(`the database to copy into is not empty (its ${table} table has rows)`,
          'copy into a new, empty database (or file): a copy never merges into data that is there', 2);
      }
    }
    const inserts = new Map<string, Database.Statement>();
    for await (const page of pages) {
      const sig = `${page.table}(${page.columns.join(',')})`;
      let insert = inserts.get(sig);
      if (!insert) {
        insert = db.prepare(`INSERT INTO ${page.table} (${page.columns.join(', ')}) VALUES (${page.columns.map(() => '?').join(', ')})`);
        inserts.set(sig, insert);
      }
      for (const row of page.rows) {
        try {
          insert.run(...row);
        } catch (err) {
          const code = String((err as { code?: unknown }).code ?? '');
          throw code.startsWith('SQLITE_CONSTRAINT') ? refusedRow(page.table, (err as Error).message) : err;
        }
      }
    }
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
