// When is a ticket of an event log merged? Rows wait here, by ticket, until their ticket's
// last row is read (or, for standard input, until the rows say the log is grouped by ticket,
// or until too many wait): then the ticket's rows go to `emit`, to be merged. Shared by the
// import on the main thread and its reading thread (read-thread.ts): both merge the same
// tickets at the same points of the file.

import { LineSet } from './ticket-ends.js';

/** Event-log rows waiting at most before the least recently seen tickets are merged and written. */
export const ROUND_ROWS = Number(process.env.SLA_IMPORT_ROUND_ROWS) || 20_000;
/** The most the waiting rows' window grows to when tickets keep coming back (see windowRows). */
const MAX_WINDOW_ROWS = ROUND_ROWS * 8;
/** Rows of an event log read before it is told whether it is grouped by ticket. */
export const DECIDE_ROWS = Math.min(4096, ROUND_ROWS);

/**
 * `ends`: the file's last line of each ticket (ticketEnds); null: the log is grouped by
 * ticket (a ticket ends when the next begins); undefined: not known (standard input: told
 * from its first DECIDE_ROWS rows). `emit(id, rows, last)`: `last` when the ticket's last row
 * is among `rows` (it cannot come back).
 */
export class TicketQueue<Q> {
  // Waiting rows by ticket, in the order tickets were (re)queued; `last` = the number of the
  // ticket's last row, so that the oldest are found without reordering the map per row.
  private readonly byTicket = new Map<string, { rows: Q[]; last: number }>();
  /** Tickets emitted with more rows to come (a row of one of them later is a comeback), unless the caller keeps them (wasEmitted). */
  private readonly emitted: Set<string> | null;
  private buffered = 0;
  private lastId: string | null = null;
  private eager: boolean;
  private decided: boolean;
  private runs = 0;
  private merged = 0;
  private comebacks = 0;
  private rowsSeen = 0;
  // More than windowRows waiting (a ticket never ends, or standard input in time order):
  // the tickets seen least recently are merged. The window grows (to MAX_WINDOW_ROWS) while
  // tickets come back after being merged: a ticket merged again costs a round trip to the
  // writer thread, which answers only once it has written all it was sent.
  private windowRows = ROUND_ROWS;
  private comebacksAtPass = 0;
  private mergedAtPass = 0;

  /**
   * `wasEmitted`: whether a ticket was emitted before with more rows to come — for a caller
   * that remembers its tickets anyway (the import's rounds: one set of ids, not two).
   */
  constructor(
    private readonly ends: LineSet | null | undefined,
    private readonly emit: (id: string, rows: Q[], last: boolean) => void,
    private readonly wasEmitted?: (id: string) => boolean,
  ) {
    this.eager = ends === null;
    this.decided = ends !== undefined;
    this.emitted = wasEmitted ? null : new Set();
  }

  /** A row that is not one (a reject): counted, for the decision on standard input. */
  skip(): void {
    this.rowsSeen++;
  }

  /** Row `line` of ticket `id`, as the caller keeps it until emitted. */
  row(id: string, queued: Q, line: number): void {
    const n = ++this.rowsSeen;
    if (!this.decided && n >= DECIDE_ROWS) {
      // standard input: runs of the same ticket 1.5 rows long on average say grouped
      this.decided = true;
      if (n >= 1.5 * this.runs) {
        this.eager = true;
        for (const other of [...this.byTicket.keys()]) if (other !== this.lastId) this.emitWaiting(other, false);
      }
    }
    if (id !== this.lastId) {
      this.runs++;
      if (this.eager && this.lastId !== null) this.emitWaiting(this.lastId, false);
    }
    this.lastId = id;
    const w = this.byTicket.get(id);
    if (w === undefined) {
      this.byTicket.set(id, { rows: [queued], last: n });
      // a ticket merged already: not grouped by ticket after all (more than 1 in 50)
      const again = this.emitted ? this.emitted.has(id) : (this.wasEmitted as (id: string) => boolean)(id);
      if (again && ++this.comebacks > 20 && this.eager && this.comebacks * 50 > this.merged) this.eager = false;
    } else {
      w.rows.push(queued);
      w.last = n;
    }
    this.buffered++;
    if (this.ends && this.ends.has(line)) this.emitWaiting(id, true);
    else if (this.buffered > this.windowRows) {
      if ((this.comebacks - this.comebacksAtPass) * 100 > this.merged - this.mergedAtPass && this.windowRows < MAX_WINDOW_ROWS) this.windowRows *= 2;
      this.comebacksAtPass = this.comebacks;
      this.mergedAtPass = this.merged;
      this.emitOldest(this.windowRows - (this.windowRows >> 2));
    }
  }

  /** The end of the file: every ticket still waiting is emitted. */
  end(): void {
    this.emitOldest(0);
  }

  private emitWaiting(id: string, last: boolean): void {
    const w = this.byTicket.get(id);
    if (w === undefined) return;
    this.byTicket.delete(id);
    this.buffered -= w.rows.length;
    this.send(id, w.rows, last);
  }

  private send(id: string, rows: Q[], last: boolean): void {
    this.merged++;
    if (last) this.emitted?.delete(id);
    else this.emitted?.add(id);
    this.emit(id, rows, last);
  }

  /**
   * Emits the tickets seen least recently until `keep` rows wait: first passing over the
   * ones seen since they were queued (to the back of the queue), then, if that was not
   * enough, in queue order.
   */
  private emitOldest(keep: number): void {
    const recent = this.rowsSeen - (keep >> 1);
    for (let pass = 0; pass < 2 && this.buffered > keep; pass++) {
      let visits = this.byTicket.size; // a ticket put back comes round again: each is looked at once
      for (const [id, w] of this.byTicket) {
        if (this.buffered <= keep || visits-- === 0) break;
        this.byTicket.delete(id);
        if (pass === 0 && w.last > recent) { this.byTicket.set(id, w); continue; }
        this.buffered -= w.rows.length;
        this.send(id, w.rows, false);
      }
    }
  }
}
