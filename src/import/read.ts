// Readers: stream an export (CSV, JSON array or NDJSON; a file or standard input) and yield
// normalised ticket rows or event rows, or rejects (`{kind: 'reject', line, raw, reason}`) for
// bad rows. Problems with the source as a whole (unreadable file, content that is not the
// format, a header without the id column, a mapping naming a column the header lacks) throw
// ImportError before any row is yielded.
//
// Speed: a CSV is parsed chunk by chunk (64 KiB) with papaparse's low-level Parser, rows as
// arrays; the column plan (which index feeds which field) is computed once from the header,
// so a row costs a few array reads, the timestamp parses and one object. Records are handed out
// by a hand-written async iterator from a per-chunk buffer (cheaper than an async generator's
// per-item machinery).
//
// Line numbers are physical, 1-based, header = line 1; a record's line is where it starts.
//
// The parts: source.ts (the text of a file or standard input), split.ts (text into rows),
// columns.ts (the column plan), vocabulary.ts (a source's words), rows.ts (cells into records);
// this file drives them, a chunk at a time.

import type { Mode } from './columns.js';
import { ImportError } from './errors.js';
import type { RecordSource } from './records.js';
import { CELL_SEP, Converter } from './rows.js';
import { detectFormat, openSource, sourceName } from './source.js';
import type { TextSource } from './source.js';
import { CsvSplitter, JsonArraySplitter, NdjsonSplitter, WS } from './split.js';
import type { RowSink, Splitter } from './split.js';
import type { DeferredRow, EventRow, ImportRecord, ReaderOptions, ExportTicketRow } from './types.js';

/** onProgress is called about this often. */
const PROGRESS_BYTES = 1 << 20;

class RecordIterator<T> implements AsyncIterator<ImportRecord<T>> {
  private buf: Array<ImportRecord<T>> = [];
  private pos = 0;
  private done = false;
  private source: TextSource | null = null;
  private splitter: Splitter | null = null;
  private converter: Converter<T> | null = null;
  private lastProgress = 0;

  constructor(private readonly mode: Mode, private readonly opts: ReaderOptions) {}

  /** See readEventsDeferred. */
  controls(): boolean {
    return this.converter?.controls ?? false;
  }

  /** See readEventsDeferred. */
  readDeferred(deferred: string, line: number): ImportRecord<T> {
    if (this.converter === null) throw new Error('a deferred row before any was read');
    return this.converter.readDeferred(deferred, line) as ImportRecord<T>;
  }

  next(): Promise<IteratorResult<ImportRecord<T>>> {
    if (this.pos < this.buf.length) return Promise.resolve({ value: this.buf[this.pos++], done: false });
    return this.fill();
  }

  /**
   * The records read so far and not yet taken, at least one (reading on as needed), or
   * null at the end: a caller that loops over a chunk's records without an `await` per
   * record (an import of a million rows) uses this instead of next().
   */
  async nextBatch(): Promise<Array<ImportRecord<T>> | null> {
    if (this.pos >= this.buf.length) {
      const r = await this.fill();
      if (r.done) return null;
      this.pos--; // fill() handed out the first record: take it back into the batch
    }
    const out = this.pos === 0 ? this.buf : this.buf.slice(this.pos);
    this.buf = [];
    this.pos = 0;
    return out;
  }

  async return(): Promise<IteratorResult<ImportRecord<T>>> {
    this.done = true;
    this.buf = [];
    this.pos = 0;
    await this.source?.close();
    return { value: undefined, done: true };
  }

  private async start(): Promise<void> {
    const opts = this.opts;
    const format = detectFormat(opts);
    const name = sourceName(opts.source);
    const converter = new Converter<T>(this.mode, opts, name); // validates the mapping against the vocabulary
    const source = await openSource(opts);
    this.source = source;
    // look at the first non-blank character
    let head = '';
    let first = -1;
    for (;;) {
      const text = await source.read();
      if (text === null) break;
      head += text;
      let i = 0;
      while (i < head.length && (WS(head.charCodeAt(i)) || head.charCodeAt(i) === 0xfeff)) i++;
      if (i < head.length) { first = head.charCodeAt(i); break; }
      if (head.length > PROGRESS_BYTES) head = '';
    }
    const hintFor = (c: number): string => (c === 91 ? 'it looks like a JSON array: use --input-format json'
      : c === 123 ? 'it looks like NDJSON (one object per line): use --input-format ndjson' : 'it looks like CSV: use --input-format csv');
    if (first < 0) {
      if (format === 'json') throw new ImportError(`${name} is empty`, 'a JSON export must be an array: [ {…}, … ]');
      if (format === 'csv') throw new ImportError(`${name} is empty (no header row)`, 'a CSV export needs a header row naming its columns');
    } else if (format === 'json' && first !== 91) {
      throw new ImportError(`${name} is not a JSON array (it starts with ${JSON.stringify(String.fromCharCode(first))})`, hintFor(first));
    } else if (format === 'ndjson' && first !== 123) {
      throw new ImportError(`${name} is not NDJSON (it starts with ${JSON.stringify(String.fromCharCode(first))})`, hintFor(first));
    } else if (format === 'csv' && (first === 91 || first === 123)) {
      throw new ImportError(`${name} does not look like CSV (it starts with ${JSON.stringify(String.fromCharCode(first))})`, hintFor(first));
    }
    if (head.charCodeAt(0) === 0xfeff) head = head.slice(1);

    const sink: RowSink = {
      csvRow: (cells, line, error) => {
        if (!converter.hasHeader()) {
          if (error !== null) throw new ImportError(`${name}: the header row is not valid CSV (${error})`, 'fix the file\'s first line');
          converter.header(cells);
          opts.onHeader?.(cells);
        } else converter.csvRow(cells, line, error);
      },
      jsonValue: (value, line, raw) => converter.jsonValue(value, line, raw),
      onlyColumn: () => converter.onlyColumn(),
      onlyCell: (cell, line, text, start, end) => converter.onlyCell(cell, line, text, start, end),
      broken: (line, raw, reason) => {
        if (format === 'csv' && !converter.hasHeader()) {
          throw new ImportError(`${name}: the header row is not valid CSV (${reason})`, 'fix the file\'s first line');
        }
        converter.broken(line, raw, reason);
      },
    };
    converter.deferring = this.mode === 'events' && format === 'csv' && opts.deferRows === true && !opts.ticketsOnly;
    converter.controls = format !== 'csv'; // JSON can spell a control character as an escape
    this.splitter = format === 'csv' ? new CsvSplitter(sink) : format === 'json' ? new JsonArraySplitter(sink) : new NdjsonSplitter(sink);
    this.converter = converter;
    if (head.length > 0) this.feed(head, false);
    if (first < 0) this.finish();
  }

  private feed(text: string, final: boolean): void {
    const conv = this.converter as Converter<T>;
    if (conv.deferring && text.includes(CELL_SEP)) conv.deferring = false;
    if (!conv.controls && !this.opts.ticketsOnly && (this.source as TextSource).controls) conv.controls = true;
    (this.splitter as Splitter).push(text, final);
    if (conv.out.length > 0) {
      if (this.pos >= this.buf.length) {
        this.buf = conv.out.splice(0, conv.out.length);
        this.pos = 0;
      } else {
        for (const r of conv.out) this.buf.push(r);
        conv.out.length = 0;
      }
    }
  }

  private finish(): void {
    this.feed('', true);
    if (this.converter && !this.converter.hasHeader() && detectFormat(this.opts) === 'csv') {
      throw new ImportError(`${sourceName(this.opts.source)} has no header row`,
        'a CSV export needs a header row naming its columns');
    }
    this.done = true;
  }

  private progress(): void {
    const bytes = this.source?.bytes ?? 0;
    if (this.opts.onProgress && bytes - this.lastProgress >= PROGRESS_BYTES) {
      this.lastProgress = bytes;
      this.opts.onProgress(bytes);
    }
  }

  private async fill(): Promise<IteratorResult<ImportRecord<T>>> {
    this.buf = [];
    this.pos = 0;
    try {
      if (this.source === null && !this.done) {
        await this.start();
        this.progress();
      }
      while (this.buf.length === 0) {
        if (this.done) {
          if (this.source) {
            if (this.source.invalid > 0 && this.opts.report) this.opts.report.invalidUtf8 = this.source.invalid;
            await this.source.close();
            if (this.opts.onProgress && this.source.bytes !== this.lastProgress) {
              this.lastProgress = this.source.bytes;
              this.opts.onProgress(this.source.bytes);
            }
          }
          return { value: undefined, done: true };
        }
        const text = await (this.source as TextSource).read();
        if (text === null) this.finish();
        else this.feed(text, false);
        this.progress();
      }
    } catch (e) {
      this.done = true;
      this.buf = [];
      await this.source?.close().catch(() => undefined);
      throw e;
    }
    return { value: this.buf[this.pos++], done: false };
  }
}

function iterable<T>(mode: Mode, opts: ReaderOptions): RecordSource<T> {
  return { [Symbol.asyncIterator]: () => new RecordIterator<T>(mode, opts) };
}


/** Ticket rows (SPEC §4) of a CSV / JSON / NDJSON export, file or '-' (stdin), streamed. */
export function readTickets(opts: ReaderOptions): AsyncIterable<ImportRecord<ExportTicketRow>> {
  return iterable<ExportTicketRow>('tickets', opts);
}

/** Event rows (SPEC §4 --events) of an export: a record per row. */
export function readEvents(opts: ReaderOptions): AsyncIterable<ImportRecord<EventRow>> {
  return iterable<EventRow>('events', opts);
}

/**
 * Event rows of an export, where a CSV row may come as a DeferredRow (its ticket and its
 * cells, unread) to be read by `read` (with its line) when its turn comes: for a caller that keeps rows
 * waiting (a log in time order). Everything else about the row (its conversion, its reject,
 * the report's counts) happens then.
 */
export function readEventsDeferred(opts: ReaderOptions): {
  records: AsyncIterable<ImportRecord<EventRow | DeferredRow>>;
  read(deferred: string, line: number): ImportRecord<EventRow>;
  /** Whether the text read so far held a control character (rows read elsewhere are then looked through: DeferredEventReader.controls). */
  controls(): boolean;
} {
  const it = new RecordIterator<EventRow | DeferredRow>('events', { ...opts, deferRows: true });
  return {
    records: { [Symbol.asyncIterator]: () => it },
    read: (deferred, line) => it.readDeferred(deferred, line) as ImportRecord<EventRow>,
    controls: () => it.controls(),
  };
}

/**
 * Deferred rows (readEventsDeferred's) of a CSV event log whose header row is `header`, read
 * elsewhere than where they were deferred (the import's reading thread defers them): each
 * row's record, as `read` of readEventsDeferred gives it.
 */
export function deferredEventReader(opts: ReaderOptions, header: string[]): DeferredEventReader {
  const converter = new Converter<EventRow>('events', opts, sourceName(opts.source));
  converter.header(header);
  return {
    read: (deferred, line) => converter.readDeferred(deferred, line),
    controls: () => { converter.controls = true; },
  };
}

/** The ticket column's index of an event log whose header row is `header` (-1: it has none, or the mapping does not fit it). */
export function eventTicketColumn(opts: ReaderOptions, header: string[]): number {
  try {
    const converter = new Converter<EventRow>('events', { ...opts, report: { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() } }, opts.source);
    converter.header(header);
    converter.deferring = true;
    return converter.onlyColumn();
  } catch {
    return -1;
  }
}

/**
 * What the reading thread needs to find the tickets of a plain CSV event log in its bytes
 * (plain-csv.ts), without reading rows as text: the ticket column's index for `header` (-1:
 * none), and the values the mapping calls missing (a row with one for its ticket is
 * rejected, as the text reading rejects it).
 */
export interface PlainTicketPlan { header: string[]; ticketColumn: number; missing: string[] }

export function plainTicketPlan(opts: ReaderOptions, header: string[]): PlainTicketPlan {
  return { header, ticketColumn: eventTicketColumn(opts, header), missing: (opts.mapping?.missing ?? []).map((s) => s.trim()) };
}

export interface DeferredEventReader {
  read(deferred: string, line: number): ImportRecord<EventRow>;
  /** The file has a control character somewhere (the reader of its text saw one): from now on, text fields are looked through for them. */
  controls(): void;
}

/**
 * The ticket of each row of an event log, and nothing else (no timestamps parsed, no
 * rules applied; rejects only for rows without a ticket): a quick first pass over a file.
 */
export function readEventTickets(opts: ReaderOptions): AsyncIterable<ImportRecord<Pick<EventRow, 'ticketId'>>> {
  return iterable<Pick<EventRow, 'ticketId'>>('events', { ...opts, ticketsOnly: true, onProgress: undefined });
}
