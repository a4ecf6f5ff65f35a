// The import writer's worker thread (see import-writer.ts, its client): owns the import's
// write transaction on its own connection and writes the batches of rows the import's
// thread packs; answers that thread's reads of tickets it has written. An entry file: it
// runs the writer as soon as it is loaded in a worker.

import Database from 'better-sqlite3';
import { fdatasync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { runAsHelperThread } from '../../helper-thread.js';
import {
  FAILED, IN_FLIGHT, INTERNED, NUMERIC_COLUMNS, REPLY, serializeError, SYNC_EVERY_BATCHES, TEXT_COLUMNS,
  type Packed, type Reply, type Request, type WriterData,
} from './import-writer.js';
import { threadCpuMs, trace, tracing } from '../../import-trace.js';
import { BUSY_TIMEOUT_MS, beginImportTransaction, configureConnection, endImportTransaction, type ImportTransaction } from './open.js';
import { NUMERIC_SLOTS, TEXT_SLOTS, TICKET_COLUMNS, type TicketsTableRow } from '../ticket-row.js';
import { INSERT_PAUSE_END_SQL, SELECT_IMPORT_HASH_SQL, SELECT_TICKET_SQL, upsertTicketSql } from './ticket-row.js';

function runWriter(data: WriterData): void {
  runAsHelperThread();
  const { control, replies } = data;
  const reply = (r: Reply): void => {
    replies.postMessage(r);
    Atomics.store(control, REPLY, 1);
    Atomics.notify(control, REPLY);
  };

  let db: Database.Database | null = null;
  /** ms spent writing rows (traced only). */
  let busy = 0;
  let tx: ImportTransaction | null = null;
  // The connection is closed before the last reply: the main thread may then need to be
  // the file's only connection (endBulkJournal).
  const closeDb = (): void => {
    try { db?.close(); } catch { /* closing */ }
    db = null;
  };
  const close = (): void => {
    closeDb();
    replies.close();
    parentPort?.close();
  };
  const fail = (err: unknown): void => {
    if (db && tx && db.inTransaction) {
      try { db.exec('ROLLBACK'); } catch { /* the original error matters */ }
    }
    closeDb();
    Atomics.store(control, FAILED, 1);
    Atomics.store(control, IN_FLIGHT, 0);
    Atomics.notify(control, IN_FLIGHT);
    reply({ type: 'error', error: serializeError(err) });
    close();
  };

  let upsert: Database.Statement;
  let insertPauseEnd: Database.Statement;
  let importHash: Database.Statement<[string], string | null>;
  let getTicket: Database.Statement<[string], TicketsTableRow>;
  try {
    db = new Database(data.path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    configureConnection(db);
    upsert = db.prepare(upsertTicketSql());
    insertPauseEnd = db.prepare(INSERT_PAUSE_END_SQL);
    importHash = db.prepare<[string], string | null>(SELECT_IMPORT_HASH_SQL).pluck();
    getTicket = db.prepare<[string], TicketsTableRow>(SELECT_TICKET_SQL);
    tx = beginImportTransaction(db, data.indexes);
  } catch (err) {
    fail(err);
    return;
  }
  reply({ type: 'ready', empty: tx.empty });

  const params: unknown[] = new Array(TICKET_COLUMNS.length);
  const dictionary: string[] = [];
  const write = (b: Packed): void => {
    const { numbers, text, textLengths, pauseRows, pauseUntils } = b;
    for (const e of b.newEntries) dictionary.push(e);
    let pos = 0;
    let n = 0;
    let t = 0;
    let p = 0;
    for (let r = 0; r < b.rows; r++) {
      for (let i = 0; i < NUMERIC_COLUMNS; i++) {
        const v = numbers[n++];
        params[NUMERIC_SLOTS[i]] = v !== v ? null : v;
      }
      for (let i = 0; i < TEXT_COLUMNS; i++) {
        const x = textLengths[t++];
        if (x === -1) params[TEXT_SLOTS[i]] = null;
        else if (INTERNED[i] && x >= 0) params[TEXT_SLOTS[i]] = dictionary[x];
        else {
          const len = x >= 0 ? x : -2 - x;
          params[TEXT_SLOTS[i]] = text.slice(pos, pos + len);
          pos += len;
        }
      }
      // Spread, not the array: better-sqlite3 binds arguments faster than array elements.
      upsert.run(...params);
      for (; p < pauseRows.length && pauseRows[p] === r; p++) insertPauseEnd.run(params[0], pauseUntils[p]);
    }
  };

  // The file this transaction grows — the write-ahead log, or with a rollback journal
  // (beginBulkJournal) the database itself, whose new pages are written straight into
  // it — flushed to disk in the background (a thread of libuv's pool) while rows are
  // still being written and while the indexes are built, so that the sync at commit
  // (the WAL's checkpoint, or the journal's commit) finds little left to write. Only the
  // timing of the disk writes changes; what is written, and when it is durable, is
  // SQLite's as always. The descriptor is never closed: closing any descriptor of the
  // database file drops every POSIX lock this process holds on it (SQLite's included);
  // it goes when the process ends, as an import's does after the import.
  const wal = db!.pragma('journal_mode', { simple: true }) === 'wal';
  let growingFd: number | null = null;
  let syncing = false;
  let batchesSinceSync = 0;
  const syncGrowing = (): void => {
    if (syncing) return;
    if (growingFd === null) {
      try { growingFd = openSync(wal ? `${data.path}-wal` : data.path, 'r'); } catch { return; }
    }
    syncing = true;
    batchesSinceSync = 0;
    fdatasync(growingFd, () => { syncing = false; });
  };

  process.on('uncaughtException', fail);
  parentPort!.on('message', (req: Request) => {
    if (Atomics.load(control, FAILED) === 1) return;
    try {
      switch (req.type) {
        case 'rows': {
          const w0 = tracing ? performance.now() : 0;
          write(req);
          if (tracing) busy += performance.now() - w0;
          if (++batchesSinceSync >= SYNC_EVERY_BATCHES) syncGrowing();
        }
          Atomics.sub(control, IN_FLIGHT, 1);
          Atomics.notify(control, IN_FLIGHT);
          return;
        case 'importHash': {
          const h = importHash.get(req.id);
          reply({ type: 'importHash', hash: h === undefined ? undefined : h });
          return;
        }
        case 'load':
          reply({ type: 'load', row: getTicket.get(req.id) });
          return;
        case 'end':
          trace('writer busy (writing rows)', busy);
          if (tracing) trace('writer thread CPU until then', threadCpuMs());
          if (req.commit) syncGrowing();
          endImportTransaction(db!, tx!, req.commit);
          closeDb();
          reply({ type: 'ended' });
          close();
          return;
      }
    } catch (err) {
      fail(err);
    }
  });
}

runWriter(workerData as WriterData);
