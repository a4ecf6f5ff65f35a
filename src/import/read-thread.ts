// A big event log in time order is read on a thread of its own (read-worker.ts): the file's
// first pass (ticketEnds), its CSV splitting, and the waiting of each row until its ticket's
// last row (ticket-queue.ts) happen there, while this thread reads each finished ticket's
// rows, merges the ticket and computes its SLA — and the import writer's thread writes. The
// reading was the import thread's work too: this thread, which merges, is the one that waits
// on no other; taking the reading off it shortens the import on two cores.
//
// The reading thread hands over tickets in batches: their rows' text as UTF-8 bytes (moved
// to this thread, not copied), unread; at most MAX_IN_FLIGHT batches wait here (bounded
// memory: the reading thread waits). What the reading thread counts (rows, rejected rows
// without a ticket, bytes that were not UTF-8) comes with the batches.

import { Worker } from 'node:worker_threads';
import { workerFileExists } from '../helper-thread.js';
import { ImportError } from './errors.js';
import { utf8Text } from './waiting.js';
import type { DeferredEventReader, PlainTicketPlan } from './read.js';
import type { EventRow, ReaderOptions, ReadReport } from './types.js';

/** Batches handed over and not yet merged, at most. */
export const MAX_IN_FLIGHT = 8;

// Shared control words (Int32Array over a SharedArrayBuffer).
export const CONSUMED = 0; // batches this thread has merged
export const STOP = 1; // 1: the import stopped (the reading thread ends)
export const WAITING = 2; // 1 while the reading thread waits for CONSUMED to change (else nobody needs waking)

export type Reject = { line: number; raw: Record<string, string>; reason: string };
/** A line the reading thread did not read (read as bytes, it has no ticket: its reject is read here). */
export type Unread = { line: number; text: string };

/** What the reading thread is given: the reader's options that cross a thread (no functions). */
export interface ReadThreadData {
  opts: Pick<ReaderOptions, 'source' | 'format' | 'mapping' | 'vocab' | 'now'>;
  /** For a file that may be plain CSV (plain-csv.ts): its tickets are found in its bytes, and the reading thread loads no reader of text unless the file is not plain after all. */
  plain: PlainTicketPlan | null;
  control: Int32Array;
}

export type FromReader =
  | { type: 'header'; cells: string[] }
  | {
    type: 'tickets';
    /** Per ticket: its id, its number of rows, 1 when its last row is among them. */
    ids: string[]; counts: Int32Array; last: Uint8Array;
    /** Per row: where its text ends in `bytes` (its separator first; see WaitingText), or -1 - its index in `objects` (a row read already); its line. */
    ends: Int32Array; lines: Int32Array; bytes: Uint8Array; objects: EventRow[];
    /** Rows rejected while reading (no ticket, a broken line), each before the ticket numbered by `rejectsAt` (in this batch). */
    rejects: Array<Reject | Unread>; rejectsAt: number[];
    rowsRead: number; bytesRead: number;
    /** A chunk of the file read so far held a control character (then every row's text fields are looked through). */
    controls: boolean;
  }
  | { type: 'end'; rowsRead: number; bytesRead: number; invalidUtf8: number; controlChars: number }
  | { type: 'error'; error: { message: string; name?: string; hint?: string; exitCode?: number; stack?: string } };

const WORKER_URL = new URL('./read-worker.js', import.meta.url);

export interface ReadThread {
  /** The reading thread's next message (an error it met is thrown). */
  next(): Promise<FromReader>;
  /** A batch is merged (the reading thread may send another). */
  consumed(): void;
  stop(): void;
}

/** A reading thread for `opts`' file, or null when that cannot be done here (running from the TypeScript sources). */
export function startReadThread(opts: ReaderOptions, plain: PlainTicketPlan | null): ReadThread | null {
  if (!workerFileExists(WORKER_URL)) return null;
  const control = new Int32Array(new SharedArrayBuffer(12));
  const data: ReadThreadData = {
    control, plain,
    opts: { source: opts.source, format: opts.format, mapping: opts.mapping, vocab: opts.vocab, now: opts.now },
  };
  const worker = new Worker(WORKER_URL, { workerData: data });
  const queue: FromReader[] = [];
  let waiter: ((m: FromReader) => void) | null = null;
  let failure: Error | null = null;
  let failed: ((e: Error) => void) | null = null;
  const deliver = (m: FromReader): void => {
    if (waiter) { const w = waiter; waiter = null; failed = null; w(m); } else queue.push(m);
  };
  const fail = (e: Error): void => {
    failure ??= e;
    if (failed) { const f = failed; waiter = null; failed = null; f(failure); }
  };
  worker.on('message', deliver);
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('the import reader thread ended before the file did')));
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    Atomics.store(control, STOP, 1);
    Atomics.notify(control, CONSUMED);
    worker.removeAllListeners('exit');
    void worker.terminate();
  };
  return {
    next: () => {
      const m = queue.shift();
      const got = m !== undefined ? Promise.resolve(m) : failure ? Promise.reject(failure) : new Promise<FromReader>((resolve, reject) => {
        waiter = resolve;
        failed = reject;
      });
      return got.then((msg) => {
        if (msg.type === 'error') throw asError(msg.error);
        if (msg.type === 'end') stop();
        return msg;
      }, (e: unknown) => { stop(); throw e; });
    },
    consumed: () => {
      Atomics.add(control, CONSUMED, 1);
      if (Atomics.load(control, WAITING) === 1) Atomics.notify(control, CONSUMED);
    },
    stop,
  };
}

function asError(e: Extract<FromReader, { type: 'error' }>['error']): Error {
  const err = e.name === 'ImportError' && e.hint !== undefined ? new ImportError(e.message, e.hint, e.exitCode) : new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}

/**
 * The import's side of a reading thread: merges each ticket it hands over (`merge`),
 * rejecting (`reject`) the rows that cannot be read, and counts what it counted.
 */
export async function readFromThread(
  thread: ReadThread,
  opts: ReaderOptions,
  deferredReader: (opts: ReaderOptions, header: string[]) => DeferredEventReader,
  summary: { rowsRead: number },
  report: ReadReport,
  reject: (r: Reject) => void,
  merge: (id: string, rows: EventRow[], last: boolean) => void,
  prepare: (ids: readonly string[]) => Promise<void>,
): Promise<void> {
  try {
    let reader: DeferredEventReader | null = null;
    let controls = false;
    for (;;) {
      const msg = await thread.next();
      if (msg.type === 'header') reader = deferredReader(opts, msg.cells);
      else if (msg.type === 'tickets') {
        const read = (reader as DeferredEventReader).read;
        if (msg.controls && !controls) { controls = true; (reader as DeferredEventReader).controls(); }
        let r = 0;
        const bytes = Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength);
        await prepare(msg.ids);
        let row = 0;
        let at = 0;
        for (let t = 0; t <= msg.ids.length; t++) {
          // rejected rows in the order they were read among the rows that end tickets
          for (; r < msg.rejects.length && msg.rejectsAt[r] === t; r++) {
            const x = msg.rejects[r];
            if (!('text' in x)) { reject(x); continue; }
            const rec = read(`,${x.text}`, x.line);
            if (rec.kind === 'row') throw new Error(`line ${x.line} was read as a row of ticket ${rec.row.ticketId} after the reading thread found no ticket in it (this is a bug)`);
            reject(rec);
          }
          if (t === msg.ids.length) break;
          const rows: EventRow[] = [];
          for (let k = 0; k < msg.counts[t]; k++, row++) {
            const end = msg.ends[row];
            if (end < 0) { rows.push(msg.objects[-1 - end]); continue; }
            const rec = read(utf8Text(bytes, at, end), msg.lines[row]);
            at = end;
            if (rec.kind === 'row') rows.push(rec.row);
            else reject(rec);
          }
          merge(msg.ids[t], rows, msg.last[t] === 1);
        }
        summary.rowsRead = msg.rowsRead;
        opts.onProgress?.(msg.bytesRead);
        thread.consumed();
      } else if (msg.type === 'end') {
        summary.rowsRead = msg.rowsRead;
        opts.onProgress?.(msg.bytesRead);
        if (msg.invalidUtf8 > 0) report.invalidUtf8 = msg.invalidUtf8;
        if (msg.controlChars > 0) report.controlChars = (report.controlChars ?? 0) + msg.controlChars;
        return;
      }
    }
  } finally {
    thread.stop();
  }
}
