// Splitters: the text of a source, chunk by chunk, into its rows (CSV rows as arrays of cells,
// the values of a JSON array, the lines of NDJSON), with physical line numbers, handed to a
// RowSink; a piece that is no row at all goes to the sink as broken.
//
// A CSV is parsed with papaparse's low-level Parser, rows as arrays.

import Papa from 'papaparse';
import type { Parser as PapaParser } from 'papaparse';

/** Receives the rows of a source. */
export interface RowSink {
  /** A CSV row (the first non-blank one is the header). `error`: papaparse's complaint, if any. */
  csvRow(cells: string[], line: number, error: string | null): void;
  /** A JSON value of the array / a line of NDJSON. */
  jsonValue(value: unknown, line: number, rawText: string): void;
  /** A piece of the source that is not a record at all. */
  broken(line: number, rawText: string, reason: string): void;
  /** The one cell wanted of each row, when only one is (else -1): see onlyCell. */
  onlyColumn(): number;
  /** That cell of a row, the row being text[start, end) (for a quick pass: readEventTickets, readEventsDeferred). */
  onlyCell(cell: string, line: number, text: string, start: number, end: number): void;
}

export interface Splitter { push(text: string, final: boolean): void }

function countChar(s: string, ch: string, end: number): number {
  let n = 0;
  let i = s.indexOf(ch);
  while (i !== -1 && i < end) {
    n++;
    i = s.indexOf(ch, i + 1);
  }
  return n;
}

interface PapaResult {
  data: string[][];
  errors: Array<{ row?: number; code: string; message: string }>;
  meta: { cursor: number };
}

/** Above this, an incomplete record waits for more text before it is parsed again. */
const LARGE_RECORD = 1 << 20;
/** A record (one CSV row, quoted line breaks and all) longer than this is a stray quote. */
const MAX_RECORD = 64 << 20;

export class CsvSplitter implements Splitter {
  private partial = '';
  /** Text that arrived while a large incomplete record waits (see push). */
  private waiting = '';
  private line = 1;
  private newline: '\n' | '\r\n' | '\r' | null = null;
  private lineChar = '\n';
  private parser: PapaParser | null = null;

  constructor(private readonly sink: RowSink) {}

  /** The row terminator: the first line break outside quotes. Null: cannot tell yet. */
  private detectNewline(s: string, final: boolean): '\n' | '\r\n' | '\r' | null {
    let quoted = false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 34) quoted = !quoted;
      else if (!quoted && c === 10) return '\n';
      else if (!quoted && c === 13) {
        if (i + 1 === s.length) return final ? '\r' : null;
        return s.charCodeAt(i + 1) === 10 ? '\r\n' : '\r';
      }
    }
    return final ? '\n' : null;
  }

  push(text: string, final: boolean): void {
    // A record longer than a chunk waits in `partial`; once it is large, wait for at least as
    // much new text before parsing again, so a huge record costs linear, not quadratic, time.
    if (!final && this.partial.length > LARGE_RECORD && this.waiting.length + text.length < this.partial.length) {
      this.waiting += text;
      return;
    }
    let input = this.partial + this.waiting + text;
    this.partial = '';
    this.waiting = '';
    if (this.newline === null) {
      this.newline = this.detectNewline(input, final);
      if (this.newline === null) { this.partial = input; return; }
      this.lineChar = this.newline === '\r' ? '\r' : '\n';
      this.parser = new Papa.Parser({ delimiter: ',', newline: this.newline, quoteChar: '"' });
    }
    const parser = this.parser as PapaParser;
    const only = this.sink.onlyColumn();
    if (only >= 0 && input.indexOf('"') === -1) {
      // no quote: a row is a line, and only one cell of it is wanted
      const rest = this.onlyCells(input, only, final);
      if (rest === null) {
        this.partial = input.substring(this.onlyPos);
        return;
      }
      input = rest;
      if (input.length === 0) return;
    }
    for (;;) {
      // the complete records; `rest` is the last, incomplete one
      const res = parser.parse(input, 0, true) as PapaResult;
      const consumed = res.meta.cursor;
      this.emit(res, input, consumed, false);
      const rest = consumed === 0 ? input : input.substring(consumed);
      if (rest.length === 0) return;
      if (!final && rest.length <= MAX_RECORD) { this.partial = rest; return; }
      if (final) {
        const last = parser.parse(rest, 0, false) as PapaResult;
        if (!last.errors.some((e) => e.code === 'MissingQuotes')) { this.emit(last, rest, rest.length, true); return; }
      }
      // A quote opens a field and never closes (before the end of the file, or within
      // MAX_RECORD): reject the line where that record starts and read on from the next line.
      const nl = rest.indexOf(this.lineChar);
      const first = nl === -1 ? rest : rest.slice(0, this.newline === '\r\n' && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      this.sink.broken(this.line, first, nl === -1
        ? 'malformed CSV: a quoted field is not closed'
        : `malformed CSV: a quoted field is not closed ${final ? 'before the end of the file' : `within ${MAX_RECORD >> 20} MiB`}; reading on from the next line`);
      this.line++;
      if (nl === -1) return;
      input = rest.substring(nl + 1);
    }
  }

  private onlyPos = 0;

  /**
   * The `col`th cell of each complete line of `input` (a text without quotes) to the sink: as
   * papaparse would split it, without making the other cells. Returns what is left to parse
   * ('' when nothing), or null when the rest is an incomplete line, from onlyPos on. A line
   * break papaparse would not take for one (a bare LF in a CRLF file) hands the text on from
   * that line to papaparse.
   */
  private onlyCells(input: string, col: number, final: boolean): string | null {
    const lf = this.lineChar;
    const crlf = this.newline === '\r\n';
    let pos = 0;
    for (;;) {
      let nl = input.indexOf(lf, pos);
      if (nl === -1) {
        if (pos >= input.length) return '';
        if (!final) { this.onlyPos = pos; return null; }
        nl = input.length;
      }
      let end = nl;
      if (crlf && nl < input.length) {
        if (input.charCodeAt(nl - 1) !== 13) return input.substring(pos);
        end--;
      }
      const line = this.line++;
      if (end > pos) {
        let s = pos;
        for (let k = 0; k < col && s !== -1; k++) {
          const c = input.indexOf(',', s);
          s = c === -1 || c >= end ? -1 : c + 1;
        }
        if (s === -1) this.sink.onlyCell('', line, input, pos, end);
        else {
          let e = input.indexOf(',', s);
          if (e === -1 || e > end) e = end;
          this.sink.onlyCell(input.slice(s, e), line, input, pos, end);
        }
      }
      pos = nl + 1;
    }
  }

  /** Hands the rows of one parse to the sink, with physical line numbers. */
  private emit(res: PapaResult, input: string, consumed: number, lastUnterminated: boolean): void {
    const rows = res.data;
    let errors: Map<number, string> | null = null;
    for (const e of res.errors) {
      if (e.row === undefined || e.row >= rows.length) continue;
      errors ??= new Map();
      if (!errors.has(e.row)) errors.set(e.row, e.message);
    }
    // When every row is exactly one line (the usual case) the line breaks in the consumed text
    // equal the rows ended by one; otherwise count the breaks inside each row.
    const ch = this.lineChar;
    const simple = countChar(input, ch, consumed) === (lastUnterminated ? rows.length - 1 : rows.length);
    for (let r = 0; r < rows.length; r++) {
      const cells = rows[r];
      const line = this.line;
      let span = 1;
      if (!simple) {
        for (let k = 0; k < cells.length; k++) if (cells[k].indexOf(ch) !== -1) span += countChar(cells[k], ch, cells[k].length);
      }
      this.line += span;
      if (cells.length === 1 && cells[0] === '' && (errors === null || !errors.has(r))) continue; // blank line
      let error = errors?.get(r) ?? null;
      if (error !== null && span > 1) error += ` (the record runs from line ${line} to line ${line + span - 1})`;
      this.sink.csvRow(cells, line, error);
    }
  }
}

/** Whitespace between JSON values (and before a source's first character): space, LF, CR, tab. */
export const WS = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * Streams the values of a top-level JSON array: scans bracket depth and strings (jumping from
 * quote to quote), JSON.parse per value. Lines are counted outside strings (a raw line break
 * inside a string is invalid JSON, and that value is rejected).
 */
export class JsonArraySplitter implements Splitter {
  private buf = '';
  private pos = 0;
  /** 0 before '[', 1 expecting a value or ']', 2 inside a value, 3 expecting ',' or ']', 4 after ']', 5 gave up. */
  private state = 0;
  private depth = 0;
  private inStr = false;
  private valStart = 0;
  private valLine = 0;
  private line = 1;

  constructor(private readonly sink: RowSink) {}

  private emit(end: number): void {
    const text = this.buf.slice(this.valStart, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.sink.broken(this.valLine, text, `not valid JSON: ${(e as Error).message}`);
      return;
    }
    this.sink.jsonValue(value, this.valLine, text);
  }

  push(text: string, final: boolean): void {
    this.buf += text;
    const s = this.buf;
    const n = s.length;
    let i = this.pos;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (this.state === 2) {
        if (this.inStr) {
          // jump to the closing quote: the next '"' not preceded by an odd number of '\'
          let q = s.indexOf('"', i);
          for (;;) {
            if (q === -1) break;
            let b = q - 1;
            while (b >= this.valStart && s.charCodeAt(b) === 92) b--;
            if ((q - 1 - b) % 2 === 0) break;
            q = s.indexOf('"', q + 1);
          }
          if (q === -1) { i = n; break; } // the string goes on in the next chunk
          this.inStr = false;
          i = q + 1;
          if (this.depth === 0) { this.emit(i); this.state = 3; }
          continue;
        }
        if (c === 34) this.inStr = true;
        else if (c === 123 || c === 91) this.depth++;
        else if (c === 125 || c === 93) {
          if (this.depth === 0) { this.emit(i); this.state = 3; continue; } // scalar then ']'
          if (--this.depth === 0) { this.emit(i + 1); this.state = 3; }
        } else if (this.depth === 0 && (c === 44 || WS(c))) {
          this.emit(i); this.state = 3; continue; // scalar ended
        } else if (c === 10) this.line++;
        i++;
        continue;
      }
      if (WS(c)) {
        if (c === 10) this.line++;
        i++;
        continue;
      }
      switch (this.state) {
        case 0:
          if (c === 91) this.state = 1;
          else { this.sink.broken(this.line, s.slice(i, i + 40), 'not a JSON array'); this.state = 5; }
          break;
        case 1:
          if (c === 93) this.state = 4;
          else if (c === 44) this.sink.broken(this.line, ',', 'unexpected "," in the JSON array');
          else {
            this.state = 2;
            this.valStart = i;
            this.valLine = this.line;
            this.inStr = c === 34;
            this.depth = c === 123 || c === 91 ? 1 : 0;
          }
          break;
        case 3:
          if (c === 44) this.state = 1;
          else if (c === 93) this.state = 4;
          else { this.sink.broken(this.line, s.slice(i, i + 40), 'expected "," or "]" after a value of the JSON array'); this.state = 5; }
          break;
        case 4:
          this.sink.broken(this.line, s.slice(i, i + 40), 'text after the end of the JSON array');
          this.state = 5;
          break;
        default:
          break;
      }
      if (this.state === 5) { i = n; break; }
      i++;
    }
    // keep only what is still needed
    const cut = this.state === 2 ? this.valStart : n;
    this.buf = cut === n ? '' : s.slice(cut);
    this.valStart -= cut;
    this.pos = n - cut;
    if (final) {
      if (this.state === 2) {
        if (this.depth === 0 && !this.inStr) { this.emit(this.buf.length); this.state = 3; }
        else this.sink.broken(this.valLine, this.buf.slice(0, 200), 'the file ends inside a value (JSON array not closed)');
      }
      if (this.state === 1 || this.state === 3) this.sink.broken(this.line, '', 'JSON array not closed (missing "]")');
      this.buf = '';
    }
  }
}

export class NdjsonSplitter implements Splitter {
  private buf = '';
  private line = 1;

  constructor(private readonly sink: RowSink) {}

  private handle(text: string): void {
    const line = this.line++;
    let s = text;
    if (s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
    let i = 0;
    while (i < s.length && WS(s.charCodeAt(i))) i++;
    if (i === s.length) return; // blank line
    if (s.charCodeAt(i) !== 123) { this.sink.broken(line, s, 'not a JSON object (NDJSON has one object per line)'); return; }
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch (e) {
      this.sink.broken(line, s, `not valid JSON: ${(e as Error).message}`);
      return;
    }
    this.sink.jsonValue(value, line, s);
  }

  push(text: string, final: boolean): void {
    const s = this.buf.length > 0 ? this.buf + text : text;
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl === -1) break;
      this.handle(s.slice(start, nl));
      start = nl + 1;
    }
    this.buf = s.slice(start);
    if (final) {
      if (this.buf.length > 0) this.handle(this.buf);
      this.buf = '';
    }
  }
}
