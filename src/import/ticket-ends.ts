// Where each ticket of an event log ends: a quick first pass over a file (ticket ids only)
// tells, for a log not grouped by ticket, which lines are their ticket's last row — so that
// the import merges each ticket once, when that line is read, and rows wait only while their
// ticket has more to come.

import { textKey } from './row-digest.js';
import { NO_CELL, NOT_PLAIN, plainCellKey, scanPlainCsv } from './plain-csv.js';
import { forEachRecord } from './records.js';
import type { EventRow, ImportRecord, ReaderOptions, ReadReport } from './types.js';

/**
 * The lines of `reader`'s file that are their ticket's last row (a log not grouped by ticket:
 * groupedByTicket tells). Ids are told apart by textKey: two ids with one key leave one of the
 * two tickets without a last line (merged at the end).
 */
export async function ticketEnds(
  read: (opts: ReaderOptions) => AsyncIterable<ImportRecord<Pick<EventRow, 'ticketId'>>>,
  reader: ReaderOptions,
): Promise<LineSet> {
  const ends = new KeyLines();
  let lastLine = 0;
  const report: ReadReport = { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() };
  await forEachRecord(read({ ...reader, report }), (rec) => {
    if (rec.kind !== 'row') return;
    ends.set(textKey(rec.row.ticketId), rec.line);
    lastLine = rec.line;
  });
  const lines = new LineSet(lastLine);
  ends.forEachLine((line) => lines.add(line));
  return lines;
}

/**
 * ticketEnds for a plain CSV file, read as bytes: each line's ticket cell is hashed where it
 * lies (no text decoded, no record made) — much cheaper than reading the file as text,
 * and this pass is all the import waits for before it merges. Only for a file the text
 * reading would split the same way and whose ids it would read as the same bytes: no quote,
 * no carriage return, and ids of printable ASCII without spaces at their ends (trimmed there);
 * null for any other file (read it as text: ticketEnds). `ticketColumn(header)`: the ticket
 * column's index for the header row's cells (-1: none; null is returned then too).
 */
export function ticketEndsOfPlainCsv(path: string, ticketColumn: (header: string[]) => number): LineSet | null {
  const ends = new KeyLines();
  let lines = 0;
  const plain = scanPlainCsv(path, {
    header: ticketColumn,
    line: (buf, start, end, s, e, line) => {
      lines = line;
      const key = plainCellKey(buf, s, e);
      if (key === NOT_PLAIN) return false; // read the file as text
      if (key !== NO_CELL) ends.set(key, line); // (no ticket: rejected by the text reading too)
      return true;
    },
  });
  if (!plain) return null;
  const set = new LineSet(lines);
  ends.forEachLine((l) => set.add(l));
  return set;
}

/**
 * Whether `reader`'s file is grouped by ticket, told from its first `decideRows` rows (runs
 * of the same ticket 1.5 rows long on average), reading no further: decided before an import
 * chooses how to write (see ImportIndexes) and how to read (ticketEnds for a log that is not).
 */
export async function groupedByTicket(
  read: (opts: ReaderOptions) => AsyncIterable<ImportRecord<Pick<EventRow, 'ticketId'>>>,
  reader: ReaderOptions,
  decideRows: number,
): Promise<boolean> {
  let rows = 0;
  let runs = 0;
  let last: string | null = null;
  const report: ReadReport = { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() };
  try {
    await forEachRecord(read({ ...reader, report }), (rec) => {
      if (rec.kind !== 'row') return;
      if (rec.row.ticketId !== last) { runs++; last = rec.row.ticketId; }
      if (++rows === decideRows) throw rows >= 1.5 * runs ? GROUPED : NOT_GROUPED;
    });
  } catch (e) {
    if (e === GROUPED) return true;
    if (e === NOT_GROUPED) return false;
    throw e;
  }
  return false; // fewer rows than that: read as a log in time order
}

const GROUPED = Symbol('grouped by ticket');
const NOT_GROUPED = Symbol('not grouped by ticket');

/** A set of line numbers (one bit a line): asked once per row, without hashing the row's ticket. */
export class LineSet {
  private readonly bits: Uint8Array;
  constructor(maxLine: number) {
    this.bits = new Uint8Array((maxLine >> 3) + 1);
  }
  add(line: number): void {
    this.bits[line >> 3] |= 1 << (line & 7);
  }
  has(line: number): boolean {
    return (line >> 3) < this.bits.length && (this.bits[line >> 3] & (1 << (line & 7))) !== 0;
  }
}

/**
 * key (a textKey: an integer below 2^52) → line, in typed arrays (open addressing, linear
 * probing): a Map of number keys keeps each key above 2^31 as an object.
 */
class KeyLines {
  private hi = new Int32Array(1 << 12);
  private lo = new Int32Array(1 << 12);
  /** 0: an empty slot (lines start at 1). */
  private line = new Float64Array(1 << 12);
  private size = 0;

  set(key: number, line: number): void {
    if ((this.size + 1) * 2 > this.line.length) this.grow();
    this.put(Math.floor(key / 4294967296) | 0, key | 0, line);
  }

  forEachLine(fn: (line: number) => void): void {
    for (let i = 0; i < this.line.length; i++) if (this.line[i] !== 0) fn(this.line[i]);
  }

  private put(hi: number, lo: number, line: number): void {
    const mask = this.line.length - 1;
    for (let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (this.line[i] === 0) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.line[i] = line;
        this.size++;
        return;
      }
      if (this.hi[i] === hi && this.lo[i] === lo) {
        this.line[i] = line;
        return;
      }
    }
  }

  private grow(): void {
    const { hi, lo, line } = this;
    const n = line.length * 2;
    this.hi = new Int32Array(n);
    this.lo = new Int32Array(n);
    this.line = new Float64Array(n);
    this.size = 0;
    for (let i = 0; i < line.length; i++) if (line[i] !== 0) this.put(hi[i], lo[i], line[i]);
  }
}
