// A big import's SQLite writes on a second thread. The import (reading, merging,
// computing SLA states) keeps the main thread; the rows it puts are packed in
// batches (numbers in a Float64Array; texts — the history's JSON among them — as one string
// and their lengths, which cross the thread boundary as one copy instead of one per text) and
// written by a worker thread that owns the import's write transaction on its own
// connection — so on two cores the inserts run while the next rows are read and
// computed. Same SQL, same
// transaction semantics as Store.beginImport: BEGIN IMMEDIATE at the start (waiting
// on the busy timeout like any writer), nothing visible before COMMIT, a crash or a
// kill leaves the database as it was, rollback on any error.
//
// Reads the import needs (a stored ticket, its import digest) are answered from the
// main connection, which sees the database as it was when the import began — right
// for every ticket this import has not written yet (nobody else can write: the
// worker holds the write lock). For a ticket it may have written (a set of the ids
// put so far says so), the main thread asks the worker and waits for the answer.
//
// This file is the client (beginThreadedImport) and the protocol; the worker is import-writer.worker.ts.

import { workerFileExists } from '../../helper-thread.js';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { METRICS } from '../../domain/metrics.js';
import type { ComputedSla, Ticket, TicketEvent } from '../../domain/ticket.js';
import type { ImportIndexes } from '../contract.js';
import { IdSet } from '../id-set.js';
import { metricColumn } from '../metric-columns.js';
import { beginBulkJournal, endBulkJournal } from './open.js';
import { eventsToHistory, historyToEvents, NUMERIC_SLOTS, pauseEnds, rowToTicket, TEXT_SLOTS, TICKET_COLUMNS, ticketNumbers, ticketTexts, type TicketsTableRow } from '../ticket-row.js';
import type { EngineImportBatch, Store } from './tickets.js';
import { threadCpuMs, trace, tracing } from '../../import-trace.js';

/**
 * Rows per batch sent to the writer: small, so that a batch's strings die young (kept
 * alive across garbage collections, they cost more than they save).
 */
const BATCH_ROWS = 256;
/**
 * Characters of text per batch, at most (about): the batch's text is joined into one string,
 * and one longer than V8's largest ordinary object (128 KiB) is put in freshly mapped memory,
 * page faults and all, every batch (event-log tickets carry their whole history as text).
 */
const BATCH_CHARS = 48 * 1024;
/** Batches sent and not yet written, at most (then the main thread waits: bounded memory). */
const MAX_IN_FLIGHT = 32;
/** How long the main thread waits for the writer to start (it may wait on the busy timeout: BUSY_TIMEOUT_MS, 30 s). */
const START_TIMEOUT_MS = 60_000;
/** Batches written between two background syncs of the file the import grows (the WAL, or the database on a first import). */
export const SYNC_EVERY_BATCHES = 128;

// Shared control words (Int32Array over a SharedArrayBuffer).
export const REPLY = 0; // 1 when the worker has posted a reply on the reply port
export const IN_FLIGHT = 1; // batches posted and not yet written
export const FAILED = 2; // 1 once the worker has failed (it has rolled back)

/**
 * Values a row sends: numeric columns (NUMERIC_SLOTS) and text ones (TEXT_SLOTS; the
 * history among them: its JSON is made on the main thread, from the event objects it
 * has — one string per row to send, not six per event, and nothing to rebuild here).
 */
export const NUMERIC_COLUMNS = NUMERIC_SLOTS.length;
export const TEXT_COLUMNS = TEXT_SLOTS.length;
/**
 * Text columns of few distinct values (statuses, names from the config, tiers, groups …):
 * sent as numbers into a dictionary both threads keep, so that the same few strings are
 * not copied across for every row. The others (ids, subjects, digests, histories) go as text.
 */
const INTERNED_COLUMNS: ReadonlySet<string> = new Set([
  'tier', 'priority', 'status', 'assignee', 'grp', 'channel', 'tags', 'custom', 'initial_priority', 'policy', 'calendar',
  'no_sla_reason', 'sla_status', ...METRICS.map((m) => metricColumn(m, 'status')),
]);
export const INTERNED = TEXT_SLOTS.map((i) => INTERNED_COLUMNS.has(TICKET_COLUMNS[i]));
/** Dictionary entries at most (then interned columns' new values are sent as text). */
const DICTIONARY_MAX = 50_000;
/** Recent values remembered per interned column (see put). */
const RECENT = 4;

export interface Packed {
  type: 'rows';
  rows: number;
  /** NUMERIC_COLUMNS per row; NaN = NULL. */
  numbers: Float64Array;
  /** The texts of TEXT_COLUMNS per row (but those given as dictionary entries), one after the other. */
  text: string;
  /**
   * Per row and text column: -1 = NULL; else, for a column not interned, the text's length;
   * for an interned one, its dictionary entry (>= 0) or -2 - its length (sent as text).
   */
  textLengths: Int32Array;
  /** Dictionary entries added by this batch (they take the next numbers, in order). */
  newEntries: string[];
  /** Manual pauses that end by themselves: the row (in this batch) of each, and its end. */
  pauseRows: number[];
  pauseUntils: number[];
}

export type Request =
  | Packed
  | { type: 'importHash'; id: string }
  | { type: 'load'; id: string }
  | { type: 'end'; commit: boolean };

export type Reply =
  | { type: 'ready'; empty: boolean }
  | { type: 'importHash'; hash: string | null | undefined }
  | { type: 'load'; row: TicketsTableRow | undefined }
  | { type: 'ended' }
  | { type: 'error'; error: SerializedError };

export interface SerializedError { message: string; name?: string; code?: string; hint?: string; exitCode?: number; stack?: string }

export function serializeError(err: unknown): SerializedError {
  const e = err as Error & { code?: string; hint?: string; exitCode?: number };
  return { message: e?.message ?? String(err), name: e?.name, code: e?.code, hint: e?.hint, exitCode: e?.exitCode, stack: e?.stack };
}

function deserializeError(s: SerializedError): Error {
  const err = new Error(s.message) as Error & { code?: string; hint?: string; exitCode?: number };
  if (s.name) err.name = s.name;
  if (s.code !== undefined) err.code = s.code;
  if (s.hint !== undefined) err.hint = s.hint;
  if (s.exitCode !== undefined) err.exitCode = s.exitCode;
  if (s.stack) err.stack = s.stack;
  return err;
}

/** What the worker is started with. */
export interface WriterData { path: string; control: Int32Array; replies: MessagePort; indexes: ImportIndexes }

const WORKER_URL = new URL('./import-writer.worker.js', import.meta.url);

/**
 * An ImportBatch whose writes run on a worker thread, or null when that cannot be
 * done here (an in-memory database, or running from the TypeScript sources): then
 * use store.beginImport().
 */
export function beginThreadedImport(store: Store, indexes: ImportIndexes = 'rebuild'): EngineImportBatch | null {
  const db = store.db;
  if (db.memory || !db.name || db.name === ':memory:' || db.inTransaction) return null;
  if (!workerFileExists(WORKER_URL)) return null;

  // A first import writes through a rollback journal (open.ts, beginBulkJournal).
  const j0 = tracing ? performance.now() : 0;
  const bulk = beginBulkJournal(db);
  trace(bulk ? 'journal: rollback (a first import)' : 'journal: write-ahead log', tracing ? performance.now() - j0 : 0);
  const control = new Int32Array(new SharedArrayBuffer(16));
  const { port1: replies, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_URL, {
    workerData: { path: db.name, control, replies: port2, indexes } satisfies WriterData,
    transferList: [port2],
    // It allocates little: a small young generation keeps the process's memory down.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  worker.unref();
  replies.unref();

  let failed: Error | null = null;
  /** ms the main thread waited for the writer (traced only). */
  let waited = 0;
  let ended = false;

  /** The worker's next reply (the main thread blocks until it comes). */
  const awaitReply = (timeoutMs = Infinity): Reply => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('the import writer thread did not answer');
      Atomics.wait(control, REPLY, 0, Math.min(left, 1000));
      if (Atomics.load(control, REPLY) === 1) break;
    }
    Atomics.store(control, REPLY, 0);
    const msg = receiveMessageOnPort(replies);
    if (!msg) throw new Error('the import writer thread signalled without a reply');
    const reply = msg.message as Reply;
    if (reply.type === 'error') {
      failed = deserializeError(reply.error);
      throw failed;
    }
    return reply;
  };

  let endRead = (): void => {};
  const stop = (): void => {
    endRead();
    ended = true;
    replies.close();
    void worker.terminate();
    if (bulk) endBulkJournal(db);
  };

  // The writer's first reply: it has begun the write transaction. Waited for here — or,
  // on a first import (the main thread knows the table is empty), only before the first
  // question or the end, so that reading starts while the thread boots.
  let ready: { type: 'ready'; empty: boolean } | null = null;
  const takeReady = (): { type: 'ready'; empty: boolean } => {
    if (ready) return ready;
    let r: Reply;
    try {
      r = awaitReply(START_TIMEOUT_MS);
    } catch (err) {
      stop();
      throw err;
    }
    if (r.type !== 'ready') {
      stop();
      throw new Error(`the import writer thread answered ${r.type} to start`);
    }
    // Another process added tickets between the check and the write lock: this import
    // took them for new. Nothing is committed; run it again.
    if (bulk && !r.empty) {
      stop();
      throw new Error('tickets were added to the database while this import started; nothing was imported — run it again');
    }
    ready = r;
    return r;
  };
  if (!bulk) takeReady();
  // The main connection's reads, in one read transaction from now on (the worker holds
  // the write lock, so this is the database as it was when the import began); ended
  // before the worker commits, so that its checkpoint can copy everything. With a
  // rollback journal the main connection must not read at all (the writer's exclusive
  // lock would wait on it): the table is empty, and ids put again are asked of the writer.
  if (!bulk) db.exec('BEGIN');
  endRead = (): void => {
    if (db.inTransaction) db.exec('COMMIT');
  };

  // The batch being filled (its arrays are copied into the message and reused).
  let rows = 0;
  const numbers = new Float64Array(BATCH_ROWS * NUMERIC_COLUMNS);
  let text: string[] = [];
  let textChars = 0;
  const textLengths = new Int32Array(BATCH_ROWS * TEXT_COLUMNS);
  let pauseRows: number[] = [];
  let pauseUntils: number[] = [];
  const dictionary = new Map<string, number>();
  /** The dictionary's strings by code (the first occurrence of each). */
  const entries: string[] = [];
  let newEntries: string[] = [];
  // Per interned column, the codes of its last RECENT distinct values: most rows repeat a
  // column's few values, and comparing a string with a handful of others is cheaper than
  // hashing it for the map (a value read from a file is a new string every row).
  const recentCode = new Int32Array(TEXT_COLUMNS * RECENT).fill(-1);
  const recentNext = new Int32Array(TEXT_COLUMNS);
  const values: unknown[] = new Array(TICKET_COLUMNS.length);
  // Ids put so far (32-bit hashes: "maybe" for a few others, never "no" for one put).
  const written = new IdSet();

  /** The worker has failed (and rolled back): its error. */
  const workerError = (): Error => {
    if (!failed) {
      try {
        takeReady();
        awaitReply();
      } catch { /* sets failed */ }
    }
    return failed ?? new Error('the import writer thread failed');
  };
  const checkFailed = (): void => {
    if (failed || Atomics.load(control, FAILED) === 1) throw workerError();
  };

  const send = (req: Request): void => {
    worker.postMessage(req);
  };

  const flush = (): void => {
    if (rows === 0) return;
    checkFailed();
    // Bounded memory: wait while the writer is MAX_IN_FLIGHT batches behind.
    for (;;) {
      const n = Atomics.load(control, IN_FLIGHT);
      if (n < MAX_IN_FLIGHT) break;
      const w0 = tracing ? performance.now() : 0;
      Atomics.wait(control, IN_FLIGHT, n, 1000);
      if (tracing) waited += performance.now() - w0;
      checkFailed();
    }
    const packed: Packed = {
      type: 'rows', rows, numbers: numbers.subarray(0, rows * NUMERIC_COLUMNS), text: text.join(''),
      textLengths: textLengths.subarray(0, rows * TEXT_COLUMNS), newEntries, pauseRows, pauseUntils,
    };
    Atomics.add(control, IN_FLIGHT, 1);
    send(packed);
    rows = 0;
    text = [];
    textChars = 0;
    if (newEntries.length > 0) newEntries = [];
    if (pauseRows.length > 0) {
      pauseRows = [];
      pauseUntils = [];
    }
  };

  /** Ask the worker (after everything put so far is written). */
  const ask = (req: Request): Reply => {
    takeReady();
    flush();
    checkFailed();
    send(req);
    return awaitReply();
  };

  const end = (commit: boolean): void => {
    if (ended) return;
    try {
      // Failed: the worker has rolled back already (and a commit fails with its error).
      if (failed || Atomics.load(control, FAILED) === 1) throw workerError();
      takeReady();
      if (commit) flush();
      trace('rows read, computed and sent (since process start)', performance.now());
      if (tracing) trace('main thread CPU until then', threadCpuMs());
      trace('main thread waited for the writer', waited);
      endRead();
      send({ type: 'end', commit });
      awaitReply();
    } catch (err) {
      // A rollback does not fail: whatever happened, nothing was committed (stop()
      // ends the worker, whose connection's transaction goes with it).
      if (commit) throw err;
    } finally {
      stop();
    }
  };

  // A first import's table is empty (takeReady fails the import otherwise): nothing to read.
  const empty = bulk || takeReady().empty;
  return {
    importHash: (id) => {
      if (!written.has(id)) return empty ? undefined : store.importHashOf(id);
      const r = ask({ type: 'importHash', id });
      return r.type === 'importHash' ? r.hash : undefined;
    },
    load: (id) => {
      if (!written.has(id)) return empty ? null : store.getTicketWithEvents(id);
      const r = ask({ type: 'load', id });
      if (r.type !== 'load' || !r.row) return null;
      return { ticket: rowToTicket(r.row), events: historyToEvents(r.row.history), importHash: r.row.import_hash ?? null };
    },
    put: (ticket: Ticket, computed: ComputedSla, events: readonly TicketEvent[], importHash: string | null) => {
      if (ended) throw new Error('the import has ended');
      ticketNumbers(numbers, rows * NUMERIC_COLUMNS, ticket, computed);
      ticketTexts(values, ticket, computed, importHash, eventsToHistory(events));
      const tb = rows * TEXT_COLUMNS;
      for (let i = 0; i < TEXT_COLUMNS; i++) {
        const v = values[TEXT_SLOTS[i]];
        if (v === null || v === undefined) {
          textLengths[tb + i] = -1;
          continue;
        }
        const str = typeof v === 'string' ? v : String(v);
        if (INTERNED[i]) {
          const rb = i * RECENT;
          let code = -1;
          for (let k = rb; k < rb + RECENT; k++) {
            const c = recentCode[k];
            if (c >= 0 && entries[c] === str) { code = c; break; }
          }
          if (code < 0) {
            let c = dictionary.get(str);
            if (c === undefined && entries.length < DICTIONARY_MAX) {
              c = entries.length;
              dictionary.set(str, c);
              entries.push(str);
              newEntries.push(str);
            }
            if (c !== undefined) {
              code = c;
              recentCode[rb + recentNext[i]] = c;
              recentNext[i] = (recentNext[i] + 1) % RECENT;
            }
          }
          if (code >= 0) {
            textLengths[tb + i] = code;
            continue;
          }
          textLengths[tb + i] = -2 - str.length;
        } else textLengths[tb + i] = str.length;
        text.push(str);
        textChars += str.length;
      }
      for (const until of pauseEnds(events)) {
        pauseRows.push(rows);
        pauseUntils.push(until);
      }
      written.add(ticket.id);
      if (++rows === BATCH_ROWS || textChars > BATCH_CHARS) flush();
    },
    commit: () => end(true),
    rollback: () => end(false),
  };
}
