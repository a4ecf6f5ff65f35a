// The reading thread of a big event log (see read-thread.ts): a worker's entry file. It reads
// the file once for its tickets (ticketEnds), then again row by row, keeps each row's text
// until its ticket's last row (ticket-queue.ts), and hands each finished ticket's rows over,
// unread, in batches.

import { isUtf8 } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import { hasControl, invalidSequences, plainId, scanPlainCsv } from './plain-csv.js';
import { ImportError } from './errors.js';
import type { FromReader, ReadThreadData, Reject, Unread } from './read-thread.js';
import { CONSUMED, MAX_IN_FLIGHT, STOP, WAITING } from './read-thread.js';
import { forEachRecord } from './records.js';
import { ticketEnds, ticketEndsOfPlainCsv } from './ticket-ends.js';
import { TicketQueue } from './ticket-queue.js';
import { threadCpuMs, trace, tracing } from '../import-trace.js';
import { runAsHelperThread } from '../helper-thread.js';
import type { DeferredRow, EventRow, ImportRecord, ReaderOptions, ReadReport } from './types.js';
import { WaitingText } from './waiting.js';

/** A batch is handed over once it holds this many bytes of rows, or BATCH_ROWS rows. */
const BATCH_BYTES = 128 * 1024;
const BATCH_ROWS = 2048;

const data = workerData as ReadThreadData;
const post = (m: FromReader, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);

async function run(): Promise<void> {
  const { control } = data;
  const report: ReadReport = { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() };
  let bytesRead = 0;
  const opts: ReaderOptions = { ...data.opts, report, onProgress: (b) => { bytesRead = b; } };
  // A plain CSV (no quote, no carriage return: a row is a line) is read as bytes, twice,
  // and the reader of text (read.ts, its libraries) is not even loaded: this pass is all
  // the import waits for before it merges. Any other file is read as text.
  const plan = data.plain;
  const sameHeader = (cells: string[]): boolean => plan !== null && cells.length === plan.header.length && cells.every((c, i) => c === plan.header[i]);
  const plainEnds = plan && plan.ticketColumn >= 0 ? ticketEndsOfPlainCsv(opts.source, (cells) => (sameHeader(cells) ? plan.ticketColumn : -1)) : null;
  const text = plainEnds === null ? await import('./read.js') : null;
  const ends = plainEnds ?? await ticketEnds(text!.readEventTickets, opts);
  // the first pass is all the import waits for; from here on this thread is a helper
  runAsHelperThread();

  let sent = 0;
  /** ms the merge kept this thread waiting (traced only). */
  let waited = 0;
  let rowsRead = 0;
  let ids: string[] = [];
  let counts: number[] = [];
  let last: number[] = [];
  let rowEnds: number[] = [];
  let lines: number[] = [];
  let objects: EventRow[] = [];
  let rejects: Array<Reject | Unread> = [];
  let rejectsAt: number[] = [];
  let bytes = Buffer.allocUnsafeSlow(2 * BATCH_BYTES);
  let used = 0;
  /** A chunk of the file read so far held a control character. */
  let controls = false;
  let invalidUtf8 = 0;
  const flush = (): void => {
    if (ids.length === 0 && rejects.length === 0) return;
    // bounded memory: wait while MAX_IN_FLIGHT batches wait to be merged
    for (;;) {
      if (Atomics.load(control, STOP) === 1) throw STOPPED;
      const consumed = Atomics.load(control, CONSUMED);
      if (sent - consumed < MAX_IN_FLIGHT) break;
      Atomics.store(control, WAITING, 1);
      const w0 = tracing ? performance.now() : 0;
      // not woken if CONSUMED changed before WAITING was set: then it is no longer `consumed`, and this returns at once
      Atomics.wait(control, CONSUMED, consumed, 1000);
      if (tracing) waited += performance.now() - w0;
      Atomics.store(control, WAITING, 0);
    }
    const out = new Uint8Array(bytes.buffer, bytes.byteOffset, used);
    post({
      type: 'tickets', ids, counts: Int32Array.from(counts), last: Uint8Array.from(last), ends: Int32Array.from(rowEnds),
      lines: Int32Array.from(lines), bytes: out, objects, rejects, rejectsAt, rowsRead, bytesRead, controls,
    }, [bytes.buffer as ArrayBuffer]);
    sent++;
    ids = [];
    counts = [];
    last = [];
    rowEnds = [];
    lines = [];
    objects = [];
    rejects = [];
    rejectsAt = [];
    bytes = Buffer.allocUnsafeSlow(2 * BATCH_BYTES);
    used = 0;
  };

  const waiting = new WaitingText();
  const queue = new TicketQueue<number | EventRow>(ends, (id, rows, isLast) => {
    ids.push(id);
    counts.push(rows.length);
    last.push(isLast ? 1 : 0);
    for (const q of rows) {
      if (typeof q !== 'number') {
        objects.push(q);
        rowEnds.push(-objects.length);
        lines.push(0);
        continue;
      }
      const need = used + waiting.bytesOf(q);
      if (need > bytes.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(need, 2 * bytes.length));
        bytes.copy(grown, 0, 0, used);
        bytes = grown;
      }
      lines.push(waiting.lineOf(q));
      used += waiting.takeBytes(q, bytes, used);
      rowEnds.push(used);
    }
    if (used >= BATCH_BYTES || rowEnds.length >= BATCH_ROWS) flush();
  });
  const record = (rec: ImportRecord<EventRow | DeferredRow>): void => {
    rowsRead++;
    if (rec.kind === 'reject') {
      rejects.push({ line: rec.line, raw: rec.raw, reason: rec.reason });
      rejectsAt.push(ids.length);
      queue.skip();
      if (rejects.length >= BATCH_ROWS) flush();
      return;
    }
    const row = rec.row;
    queue.row(row.ticketId, 'cells' in row ? waiting.put(row.sep, row.cells, rec.line) : row, rec.line);
  };
  if (plainEnds !== null && plan !== null) {
    // Each line's bytes wait as they are (a line is its row's cells, split at commas when
    // read on the import's thread). The first pass found every ticket cell plain (printable
    // ASCII, no blank at its ends), so a line without one (no such cell, an empty one, a
    // `missing` placeholder) is a row without a ticket: its reject is read there too.
    trace('event log read as bytes (plain CSV)', 0);
    const missing = new Set(plan.missing);
    const plain = scanPlainCsv(opts.source, {
      header: (cells) => {
        if (!sameHeader(cells)) return -1;
        post({ type: 'header', cells });
        return plan.ticketColumn;
      },
      chunk: (buf, start, end, read) => {
        bytesRead = read;
        if (!controls && hasControl(buf, start, end)) controls = true;
        if (!isUtf8(buf.subarray(start, end))) invalidUtf8 += invalidSequences(buf.subarray(start, end), buf.toString('utf8', start, end));
      },
      line: (buf, start, end, s, e, line) => {
        rowsRead++;
        const id = plainId(buf, s, e);
        if (id === null || missing.has(id)) {
          rejects.push({ line, text: buf.toString('utf8', start, end) });
          rejectsAt.push(ids.length);
          queue.skip();
          if (rejects.length >= BATCH_ROWS) flush();
        } else queue.row(id, waiting.putBytes(',', buf, start, end, line), line);
        return true;
      },
    });
    if (!plain) throw new ImportError(`${opts.source} changed while it was being imported`, 'nothing was imported; run the import again once the file is complete');
  } else {
    const deferred = text!.readEventsDeferred({ ...opts, onHeader: (cells) => post({ type: 'header', cells }) });
    await forEachRecord<EventRow | DeferredRow>(deferred.records, (rec) => {
      if (!controls && deferred.controls()) controls = true;
      record(rec);
    });
    invalidUtf8 = report.invalidUtf8 ?? 0;
  }
  queue.end();
  flush();
  trace('reading thread waited for the merge', waited);
  if (tracing) trace('reading thread CPU', threadCpuMs());
  post({ type: 'end', rowsRead, bytesRead, invalidUtf8, controlChars: report.controlChars ?? 0 });
}

const STOPPED = Symbol('stopped');

run().catch((err: unknown) => {
  if (err === STOPPED) return;
  const e = err as Error & { hint?: string; exitCode?: number };
  post({ type: 'error', error: { message: e?.message ?? String(err), name: e?.name, hint: e?.hint, exitCode: e?.exitCode, stack: e?.stack } });
});
