// A plain CSV file read as bytes: no quote and no carriage return anywhere, so that a row is
// a line and a cell lies between two commas — what the text reading (split.ts: papaparse, or
// its quick path for one cell) would make of it, found without decoding the file. Both passes
// of the reading thread over an event log in time order use it: the first for each ticket's
// last line (ticketEndsOfPlainCsv), the second for the rows themselves (read-worker.ts).

import { closeSync, openSync, readSync } from 'node:fs';

/** What scanPlainCsv does with the file's lines. */
export interface PlainCsvSink {
  /** The header row's cells (a byte order mark left out): the index of the one cell wanted of each row, or -1 to stop (not plain). */
  header(cells: string[]): number;
  /**
   * A line other than the header and not blank: bytes [start, end) of `buf` (valid until this
   * returns), its `col`th cell at [cellStart, cellEnd) (cellStart -1: the line has fewer
   * cells); false to stop (not plain).
   */
  line(buf: Buffer, start: number, end: number, cellStart: number, cellEnd: number, line: number): boolean;
  /** Bytes [start, end) of `buf` hold whole lines, about to be handed to line(); `bytesRead` so far. */
  chunk?(buf: Buffer, start: number, end: number, bytesRead: number): void;
}

/** The chunk read at a time; a longer line makes a file not plain. */
const CHUNK_BYTES = 1 << 20;

/**
 * Hands `path`'s lines to `sink`, numbered from 1 as the text reading numbers them (blank
 * lines counted, not handed). False when the file is not plain — a quote, a carriage
 * return, a line longer than a chunk, or the sink said so — and was not read to its end.
 */
export function scanPlainCsv(path: string, sink: PlainCsvSink): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry = 0;
    let line = 0;
    let col = -1;
    let bytesRead = 0;
    for (;;) {
      const n = readSync(fd, buf, carry, buf.length - carry, null);
      bytesRead += n;
      const end = carry + n;
      const quote = buf.indexOf(34, carry);
      if (quote !== -1 && quote < end) return false;
      const cr = buf.indexOf(13, carry);
      if (cr !== -1 && cr < end) return false;
      // the whole lines of this chunk: up to its last line break (all of it at the end)
      const lastNl = n === 0 ? end - 1 : buf.lastIndexOf(10, end - 1);
      if (sink.chunk && lastNl >= 0) sink.chunk(buf, 0, n === 0 ? end : lastNl + 1, bytesRead);
      let pos = 0;
      for (;;) {
        let nl = buf.indexOf(10, pos);
        if (nl === -1 || nl >= end) {
          if (n > 0 || pos >= end) break;
          nl = end; // the last line, without a line break
        }
        line++;
        if (line === 1) {
          const bom = nl - pos >= 3 && buf[pos] === 0xef && buf[pos + 1] === 0xbb && buf[pos + 2] === 0xbf ? 3 : 0;
          col = sink.header(buf.toString('utf8', pos + bom, nl).split(','));
          if (col < 0) return false;
        } else if (nl > pos) {
          // the col-th cell, as the text reading splits a line without quotes
          let s = pos;
          for (let k = 0; k < col && s !== -1; k++) {
            const c = buf.indexOf(44, s);
            s = c === -1 || c >= nl ? -1 : c + 1;
          }
          let e = -1;
          if (s !== -1) {
            e = buf.indexOf(44, s);
            if (e === -1 || e > nl) e = nl;
          }
          if (!sink.line(buf, pos, nl, s, e, line)) return false;
        }
        pos = nl + 1;
        if (nl === end) break;
      }
      if (n === 0) break;
      buf.copy(buf, 0, pos, end);
      carry = end - pos;
      if (carry === buf.length) return false; // a line longer than the buffer
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/** plainCellKey: the line has no ticket cell, or an empty one. */
export const NO_CELL = -1;
/** plainCellKey: the cell is not plain (the text reading would trim, decode or clean it). */
export const NOT_PLAIN = -2;

/**
 * The ticket cell in bytes [s, e) of `buf` as a 52-bit key of its bytes, when the text reading
 * would read it from the bytes alone: printable ASCII without a blank at either end. Else
 * NO_CELL or NOT_PLAIN. Both passes over a plain file ask this, so that the lines the first
 * marks are the rows the second reads from their bytes.
 */
export function plainCellKey(buf: Buffer, s: number, e: number): number {
  if (s < 0 || e <= s) return NO_CELL;
  if (buf[s] <= 32 || buf[e - 1] <= 32) return NOT_PLAIN;
  let h1 = 0x811c9dc5;
  let h2 = 0x2545f491;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c >= 127 || c < 32) return NOT_PLAIN;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return ((h1 >>> 0) & 0xfffff) * 4294967296 + (h2 >>> 0);
}

/** The ticket id in bytes [s, e) of `buf` as the text reading would read it (plainCellKey), or null (the line is read as text). */
export function plainId(buf: Buffer, s: number, e: number): string | null {
  return plainCellKey(buf, s, e) < 0 ? null : buf.toString('latin1', s, e);
}

/**
 * Whether bytes [start, end) of `buf` (whole UTF-8 lines) hold a control character that a
 * text field is cleaned of (rows.ts CONTROL: C0 but tab, LF and CR; DEL; C1, which UTF-8
 * spells C2 80 … C2 9F). Four bytes at a time: a word with no byte below 0x20, no 0x7f and
 * no 0xc2 holds none; the few others (one a line: its LF) are looked at byte by byte.
 */
export function hasControl(buf: Buffer, start: number, end: number): boolean {
  const first = start + ((4 - ((buf.byteOffset + start) & 3)) & 3); // the first byte at a word's start
  if (first + 4 > end) return controlIn(buf, start, end, end);
  if (controlIn(buf, start, first, end)) return true;
  const words = (end - first) >> 2;
  const w = new Int32Array(buf.buffer, buf.byteOffset + first, words);
  for (let i = 0; i < words; i++) {
    const x = w[i];
    const del = x ^ 0x7f7f7f7f;
    const c2 = x ^ 0xc2c2c2c2;
    // a byte below 0x20, or equal to 0x7f or 0xc2 (exact for "some byte is", per word)
    if ((((x - 0x20202020) & ~x) | ((del - 0x01010101) & ~del) | ((c2 - 0x01010101) & ~c2)) & 0x80808080) {
      const at = first + 4 * i;
      if (controlIn(buf, at, at + 4, end)) return true;
    }
  }
  return controlIn(buf, first + 4 * words, end, end);
}

/** hasControl for bytes [from, to) one by one (a C2 at to - 1 looks at the byte after it, before `end`). */
function controlIn(buf: Buffer, from: number, to: number, end: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c < 32) {
      if (c !== 9 && c !== 10 && c !== 13) return true;
    } else if (c === 127) return true;
    else if (c === 0xc2 && i + 1 < end && buf[i + 1] >= 0x80 && buf[i + 1] <= 0x9f) return true;
  }
  return false;
}

const FFFD = Buffer.from('\ufffd', 'utf8');

/** The U+FFFD the decoder made of `bytes` (decoded as `text`): those in the text, less those the bytes spelled. */
export function invalidSequences(bytes: Buffer, text: string): number {
  if (text.indexOf('\ufffd') === -1) return 0;
  let made = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) made++;
  for (let i = bytes.indexOf(FFFD); i !== -1; i = bytes.indexOf(FFFD, i + 3)) made--;
  return Math.max(0, made);
}
