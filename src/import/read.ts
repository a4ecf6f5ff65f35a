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

import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import Papa from 'papaparse';
import type { Parser as PapaParser } from 'papaparse';
import { CANONICAL_STATUSES } from '../domain/types.js';
import { isoUtc } from '../render/format.js';
import { ImportError } from './errors.js';
import { invalidSequences } from './plain-csv.js';
import type { LoadedMapping } from './mapping.js';
import { eventRowDigest } from './row-digest.js';
import { compileTimestampParser, describeTimestampFormat } from './timestamp.js';
import type { TimestampParser } from './timestamp.js';
import type { RecordSource } from './records.js';
import { EVENT_TYPES, TICKET_TIME_FIELDS } from './types.js';
import type {
  DeferredRow, EventRow, EventType, ImportRecord, ReaderOptions, ReadReport, RowEvent, SourceFormat, TicketAttrs, ExportTicketRow, Vocabulary,
} from './types.js';

/**
 * Bytes read at a time. Small on purpose: the rows of a chunk die young (before the next
 * scavenge), where bigger chunks made the garbage collector promote them.
 */
const CHUNK_BYTES = 1 << 16;
/** onProgress is called about this often. */
const PROGRESS_BYTES = 1 << 20;

type Mode = 'tickets' | 'events';
/** A cell: text (CSV, JSON scalars) or a list (a JSON array in the tags column). */
type Cell = string | string[];
type StrField = 'subject' | 'requester' | 'customer' | 'tier' | 'assignee' | 'group' | 'channel';
const STR_FIELDS: readonly StrField[] = ['subject', 'requester', 'customer', 'tier', 'assignee', 'group', 'channel'];
/** The ticket time fields an event log may carry (its rows are dated by `at`, not `updated_at`). */
const EVENT_TIME_FIELDS = TICKET_TIME_FIELDS.filter((f) => f !== 'updated_at');
const STATUS_SET: ReadonlySet<string> = new Set(CANONICAL_STATUSES);
const NO_TAGS: readonly string[] = [];
const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
/** Where an unknown status or priority word can be mapped (reject reasons). */
const MAPPED_IN = { status: 'statusMap or the mapping', priority: 'priorityAliases or the mapping' } as const;

/** Canonical fields a mode reads from columns (events: plus `id` as an alias of ticket_id). */
const MODE_FIELDS: Record<Mode, readonly string[]> = {
  tickets: ['id', ...STR_FIELDS, 'priority', 'status', 'tags', ...TICKET_TIME_FIELDS],
  events: ['ticket_id', 'at', 'type', 'value', 'actor', ...STR_FIELDS, 'priority', 'status', 'tags', ...EVENT_TIME_FIELDS],
};

/** Why a canonical field means nothing in a mode (a mapping naming it is an error). */
function meaningless(mode: Mode, field: string): string | null {
  if (mode === 'events') {
    return field === 'updated_at' ? 'an event log\'s rows are dated by "at"; map the row\'s time to "at"' : null;
  }
  if (field === 'ticket_id') return 'ticket rows name the ticket with "id"';
  if (['at', 'type', 'value', 'actor'].includes(field)) {
    return `"${field}" is a field of event logs; import the file with --events (or "kind": "events" in the mapping)`;
  }
  return null;
}

/** Header names are matched to field names ignoring case, spaces, "_" and "-": "Created at" = created_at. */
const normKey = (s: string): string => s.toLowerCase().replace(/[\s_-]+/g, '');

// ------------------------------------------------------------------ format and source

/** The format of a source: opts.format, else the mapping's, else by extension (.json, .ndjson/.jsonl), else csv. */
export function detectFormat(opts: Pick<ReaderOptions, 'source' | 'format' | 'mapping'>): SourceFormat {
  if (opts.format) return opts.format;
  if (opts.mapping?.format) return opts.mapping.format;
  if (opts.source === '-') return 'csv';
  const ext = extname(opts.source).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  return 'csv';
}

interface TextSource {
  read(): Promise<string | null>;
  close(): Promise<void>;
  bytes: number;
  /** Byte sequences that were not UTF-8, decoded as U+FFFD so far. */
  invalid: number;
}

async function openFile(path: string): Promise<TextSource> {
  let fh: FileHandle;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied'
      : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new ImportError(`cannot read ${path}: ${why}`, 'check the file name, or pass - to read standard input');
  }
  // Two buffers: the next chunk is read while the current one is parsed.
  const bufs = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let k = 0;
  const decoder = new StringDecoder('utf8'); // 6× faster than TextDecoder here; the BOM is stripped later
  let done = false;
  let closed = false;
  let pending: Promise<number> | null = null;
  const start = (): Promise<number> => {
    const p = fh.read(bufs[k], 0, CHUNK_BYTES, null).then((r) => r.bytesRead);
    p.catch(() => undefined); // awaited by read(); never an unhandled rejection
    return p;
  };
  const src: TextSource = {
    bytes: 0,
    invalid: 0,
    async read() {
      if (done) return null;
      pending ??= start();
      const bytesRead = await pending;
      pending = null;
      if (bytesRead === 0) {
        done = true;
        const tail = decoder.end();
        return tail.length > 0 ? tail : null;
      }
      const cur = bufs[k];
      k ^= 1;
      pending = start(); // into the other buffer
      src.bytes += bytesRead;
      const bytes = cur.subarray(0, bytesRead);
      const text = decoder.write(bytes);
      src.invalid += invalidSequences(bytes, text);
      return text;
    },
    async close() {
      if (closed) return;
      closed = true;
      done = true;
      if (pending) await pending.catch(() => undefined);
      await fh.close();
    },
  };
  return src;
}

function openStream(stream: NodeJS.ReadableStream): TextSource {
  const it = (stream as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
  const decoder = new StringDecoder('utf8'); // 6× faster than TextDecoder here; the BOM is stripped later
  let done = false;
  const src: TextSource = {
    bytes: 0,
    invalid: 0,
    async read() {
      if (done) return null;
      const r = await it.next();
      if (r.done) {
        done = true;
        const tail = decoder.end();
        return tail.length > 0 ? tail : null;
      }
      const chunk = r.value;
      if (typeof chunk === 'string') { src.bytes += Buffer.byteLength(chunk); return chunk; }
      src.bytes += chunk.length;
      const text = decoder.write(chunk);
      src.invalid += invalidSequences(chunk, text);
      return text;
    },
    async close() {
      if (!done) { done = true; await it.return?.(); }
    },
  };
  return src;
}

// ------------------------------------------------------------------ splitters

/** Receives the rows of a source. */
interface RowSink {
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

interface Splitter { push(text: string, final: boolean): void }

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

class CsvSplitter implements Splitter {
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

const WS = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * Streams the values of a top-level JSON array: scans bracket depth and strings (jumping from
 * quote to quote), JSON.parse per value. Lines are counted outside strings (a raw line break
 * inside a string is invalid JSON, and that value is rejected).
 */
class JsonArraySplitter implements Splitter {
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

class NdjsonSplitter implements Splitter {
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

// ------------------------------------------------------------------ column plan

/** Which column index feeds which field; -1 = not in the source. Computed once per header. */
class Plan {
  id = -1; created = -1; firstResponse = -1; resolved = -1; closed = -1; updated = -1;
  ticketId = -1; at = -1; type = -1; value = -1; actor = -1; activity = -1;
  status = -1; priority = -1; tags = -1;
  subject = -1; requester = -1; customer = -1; tier = -1; assignee = -1; group = -1; channel = -1;
  /** Value maps of the plain attributes (mapping "values"), when any. */
  attrMaps: Partial<Record<StrField, Record<string, string>>> | null = null;
  custom: Array<{ idx: number; name: string }> = [];
  /** field → source column it comes from (for messages). */
  from: Record<string, string> = {};
  /** Mapped columns the header lacks. */
  missing: Array<{ field: string; column: string }> = [];
  /** The events.key column (event logs). */
  key = -1;
  /** Time fields derived from another one plus a duration column (mapping "derive"). */
  derive: Array<{ field: string; from: string; add: number; unit: string; unitMs: number }> = [];
  constructor(readonly header: string[]) {}
}

/** Second and later columns with the same name get "_2", "_3" … ("Variant", "Variant_2"); empty names "column_N". */
function dedupeHeader(names: string[]): string[] {
  const used = new Set<string>();
  const out: string[] = [];
  names.forEach((raw, i) => {
    let name = raw.trim();
    if (i === 0 && name.charCodeAt(0) === 0xfeff) name = name.slice(1).trim();
    if (name === '') name = `column_${i + 1}`;
    if (used.has(name)) {
      let k = 2;
      while (used.has(`${name}_${k}`) || names.includes(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    used.add(name);
    out.push(name);
  });
  return out;
}

// ------------------------------------------------------------------ conversion

interface RuleEvent { type: EventType; value?: string }

class Converter<T> {
  readonly out: Array<ImportRecord<T>> = [];
  private readonly mapping: LoadedMapping | null;
  private readonly parseTime: TimestampParser;
  private readonly timeFormat: string;
  private readonly missing: Set<string> | null;
  private readonly tagSep: string;
  private readonly ignore: Set<string>;
  private readonly values: Record<string, Record<string, string>>;
  private readonly statusMap: Record<string, string>;
  private readonly aliasMap: Record<string, string>;
  private readonly priorities = new Map<string, string>();
  private readonly statusCache = new Map<string, string | null>();
  private readonly priorityCache = new Map<string, string | null>();
  private readonly rules: Record<string, RuleEvent[]> | null;
  private readonly otherwise: 'note' | 'ignore';
  private readonly optional: Set<string>;
  /** The latest instant a timestamp may be: ten years after the import's now. */
  private readonly latest: number;
  /** The time fields of the row being read (see times()). */
  private readonly tm: Times = { created_at: null, first_response_at: null, resolved_at: null, closed_at: null, updated_at: null };
  /** Activities read so far (as read): their key, rules and fixed events. */
  private readonly activities = new Map<string, { key: string; rules: RuleEvent[] | undefined; fixed: readonly RowEvent[] | undefined }>();
  /** Activity rules whose every event has its value in the rule: their events, made once. */
  private readonly fixedEvents = new Map<string, readonly RowEvent[]>();
  /** What the summary reports (rules matched, activities without a rule, implicit columns). */
  private readonly report: ReadReport;
  private plan: Plan | null = null;
  private readonly jsonPlans = new Map<string, Plan>();
  private firstJson = true;

  constructor(private readonly mode: Mode, private readonly opts: ReaderOptions, private readonly sourceName: string) {
    const mapping = (opts.mapping ?? null) as LoadedMapping | null;
    this.mapping = mapping;
    this.latest = opts.now !== undefined ? opts.now + LATER_MS : LATEST;
    const vocab: Vocabulary = opts.vocab;
    this.timeFormat = describeTimestampFormat(mapping?.timestamps?.format);
    this.parseTime = compileTimestampParser({
      format: mapping?.timestamps?.format,
      zone: mapping?.timestamps?.zone ?? vocab.timezone,
    });
    this.missing = mapping?.missing && mapping.missing.length > 0 ? new Set(mapping.missing.map((s) => s.trim())) : null;
    this.tagSep = mapping?.tagSeparator ?? ';';
    this.ignore = new Set((mapping?.ignore ?? []).map((s) => s.trim().toLowerCase()));
    this.values = {};
    for (const [field, map] of Object.entries(mapping?.values ?? {})) this.values[field] = lowerKeys(map);
    this.statusMap = lowerKeys(vocab.statusMap ?? {});
    this.aliasMap = lowerKeys(vocab.priorityAliases ?? {});
    for (const p of vocab.priorities ?? []) this.priorities.set(p.toLowerCase(), p);
    const ev = mapping?.events;
    this.otherwise = ev?.otherwise ?? 'note';
    this.rules = null;
    if (ev?.rules) {
      const rules: Record<string, RuleEvent[]> = Object.create(null) as Record<string, RuleEvent[]>;
      for (const [activity, list] of Object.entries(ev.rules)) {
        rules[activity.trim().toLowerCase()] = list.map((r, i) => {
          if ((r.type === 'status' || r.type === 'priority') && r.value !== undefined) {
            const v = r.type === 'status' ? this.status(r.value) : this.priority(r.value);
            if (v === null) {
              throw new ImportError(
                `mapping ${mapping?.path}: events.rules["${activity}"][${i}]: "${r.value}" is not a known ${r.type}`,
                r.type === 'status' ? `use one of ${CANONICAL_STATUSES.join(', ')}` : 'use one of the config\'s priorities or aliases',
              );
            }
            return { type: r.type, value: v };
          }
          return r;
        });
      }
      this.rules = rules;
    }
    if (mapping?.kind === 'events' && mode === 'tickets') {
      throw new ImportError(`mapping ${mapping.path} is for an event log ("kind": "events")`, 'import it with --events');
    }
    if (mapping?.kind === 'tickets' && mode === 'events') {
      throw new ImportError(`mapping ${mapping.path} is for ticket rows ("kind": "tickets")`, 'import without --events, or use an event-log mapping');
    }
    this.optional = new Set((mapping?.optional ?? []).map((s) => s.trim().toLowerCase()));
    this.report = opts.report ?? { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() };
    if (this.rules !== null) {
      for (const [k, list] of Object.entries(this.rules)) {
        if (!this.report.ruleRows.has(k)) this.report.ruleRows.set(k, 0);
        if (list.every((r) => r.value !== undefined)) {
          this.fixedEvents.set(k, Object.freeze(list.map((r) => Object.freeze({ type: r.type, value: r.value as string }))));
        }
      }
    }
    for (const field of Object.keys(mapping?.columns ?? {})) {
      const why = field.startsWith('custom.') ? null : meaningless(mode, field);
      if (why !== null) {
        throw new ImportError(`mapping ${mapping?.path}: columns.${field}: "${field}" means nothing in ${mode === 'events' ? 'an event log' : 'a ticket export'}`, why);
      }
    }
    for (const [field, d] of Object.entries(mapping?.derive ?? {})) {
      const why = meaningless(mode, field) ?? meaningless(mode, d.from);
      if (why !== null) throw new ImportError(`mapping ${mapping?.path}: derive.${field}: means nothing in ${mode === 'events' ? 'an event log' : 'a ticket export'}`, why);
    }
    if (mode === 'tickets' && (ev?.activityColumn !== undefined || ev?.key !== undefined)) {
      throw new ImportError(`mapping ${mapping?.path}: "events" applies to event logs only`, 'import the file with --events, or set "kind": "events" in the mapping');
    }
    if (ev?.firstResponseAwayFrom !== undefined) {
      if (this.status(ev.firstResponseAwayFrom) === null) {
        throw new ImportError(`mapping ${mapping?.path}: events.firstResponseAwayFrom: "${ev.firstResponseAwayFrom}" is not a status`,
          `use one of ${CANONICAL_STATUSES.join(', ')}`);
      }
    }
  }

  // ---------------------------------------------------------------- vocabulary

  /** Source status word → canonical (mapping values, then statusMap, then canonical), or null. */
  status(text: string): string | null {
    let r = this.statusCache.get(text);
    if (r === undefined) {
      let w = text.trim().toLowerCase();
      const m = this.values.status?.[w];
      if (m !== undefined) w = m.trim().toLowerCase();
      const s = this.statusMap[w];
      if (s !== undefined) w = s.trim().toLowerCase();
      r = STATUS_SET.has(w) ? w : null;
      this.statusCache.set(text, r);
    }
    return r;
  }

  /** Source priority → canonical (mapping values, then aliases, then the config's priorities), or null. */
  priority(text: string): string | null {
    let r = this.priorityCache.get(text);
    if (r === undefined) {
      let w = text.trim().toLowerCase();
      const m = this.values.priority?.[w];
      if (m !== undefined) w = m.trim().toLowerCase();
      const a = this.aliasMap[w];
      if (a !== undefined) w = a.trim().toLowerCase();
      r = this.priorities.get(w) ?? null;
      this.priorityCache.set(text, r);
    }
    return r;
  }

  private eventType(text: string): EventType | null {
    let w = text.trim().toLowerCase();
    const m = this.values.type?.[w];
    if (m !== undefined) w = m.trim().toLowerCase();
    return TYPE_SET.has(w) ? (w as EventType) : null;
  }

  // ---------------------------------------------------------------- plan

  private buildPlan(header: string[], strict: boolean): Plan {
    const plan = new Plan(header);
    const exact = new Map<string, number>();
    const lower = new Map<string, number>();
    const norm = new Map<string, number>();
    header.forEach((h, i) => {
      if (!exact.has(h)) exact.set(h, i);
      if (!lower.has(h.toLowerCase())) lower.set(h.toLowerCase(), i);
      if (!norm.has(normKey(h))) norm.set(normKey(h), i);
    });
    const find = (name: string): number => exact.get(name) ?? lower.get(name.toLowerCase()) ?? norm.get(normKey(name)) ?? -1;
    const ignored = (i: number): boolean => this.ignore.has(header[i].toLowerCase());
    const used = new Set<number>();
    const fields = new Map<string, number>();
    const fieldsOfMode = MODE_FIELDS[this.mode];
    const mapping = this.mapping;

    for (const [field, column] of Object.entries(mapping?.columns ?? {})) {
      const idx = find(column);
      if (idx < 0) {
        if (!this.optional.has(column.trim().toLowerCase())) plan.missing.push({ field, column });
        continue;
      }
      used.add(idx);
      let f = field;
      if (this.mode === 'events' && f === 'id') f = 'ticket_id';
      if (f.startsWith('custom.')) plan.custom.push({ idx, name: f.slice(7) });
      else if (!fields.has(f)) fields.set(f, idx); // the constructor refused fields the mode does not use
    }
    const activityColumn = mapping?.events?.activityColumn;
    if (this.mode === 'events' && activityColumn !== undefined) {
      const idx = find(activityColumn);
      if (idx < 0) plan.missing.push({ field: 'events.activityColumn', column: activityColumn });
      else { used.add(idx); plan.activity = idx; plan.from.activity = header[idx]; }
    }
    const keyColumn = mapping?.events?.key;
    if (this.mode === 'events' && keyColumn !== undefined) {
      const idx = find(keyColumn);
      if (idx < 0) plan.missing.push({ field: 'events.key', column: keyColumn });
      else plan.key = idx; // also kept as a custom field unless mapped or ignored
    }
    for (const [field, d] of Object.entries(mapping?.derive ?? {})) {
      const idx = find(d.add);
      if (idx < 0) {
        if (!this.optional.has(d.add.trim().toLowerCase())) plan.missing.push({ field: `derive.${field}.add`, column: d.add });
        continue;
      }
      const unit = d.unit ?? 'minutes';
      plan.derive.push({ field, from: d.from, add: idx, unit, unitMs: unit === 'seconds' ? 1000 : unit === 'hours' ? 3_600_000 : 60_000 });
    }
    if (strict && plan.missing.length > 0) {
      const m = plan.missing[0];
      throw new ImportError(
        `column "${m.column}" (${m.field} in mapping ${mapping?.path}) is not in ${this.sourceName}`,
        `the columns are: ${header.map((h) => `"${h}"`).join(', ')}; fix the mapping or the file`,
      );
    }
    // canonical names (ignoring case, spaces, _ and -) for fields the mapping does not name
    const implicit: Array<{ field: string; column: string }> = [];
    const byName = (f: string, name: string): void => {
      if (fields.has(f)) return;
      const idx = norm.get(normKey(name));
      if (idx !== undefined && !used.has(idx) && !ignored(idx)) {
        fields.set(f, idx);
        used.add(idx);
        implicit.push({ field: f, column: header[idx] });
      }
    };
    for (const f of fieldsOfMode) byName(f, f);
    if (this.mode === 'events') byName('ticket_id', 'id');
    if (mapping) {
      // A column taken by its name while activity rules say what rows mean: its words are not
      // the rules' (a "Status" column of "Accepted" would reject every row), so say so.
      for (const c of implicit) {
        if (plan.activity >= 0 && (c.field === 'status' || c.field === 'type')) {
          throw new ImportError(
            `column "${c.column}" of ${this.sourceName} would be read as the ${c.field === 'status' ? 'ticket\'s status' : 'event type'} by its name, `
            + `while events.activityColumn ("${plan.from.activity}") says what each row means`,
            `add "${c.column}" to "ignore" in mapping ${mapping.path}, or map it on purpose ("columns": {"${c.field}": "${c.column}"})`,
          );
        }
      }
      for (const c of implicit) if (!this.report.implicitColumns.some((x) => x.field === c.field)) this.report.implicitColumns.push(c);
    }
    for (const [f, idx] of fields) plan.from[f] = header[idx];

    const get = (f: string): number => fields.get(f) ?? -1;
    plan.id = get('id');
    plan.created = get('created_at');
    plan.firstResponse = get('first_response_at');
    plan.resolved = get('resolved_at');
    plan.closed = get('closed_at');
    plan.updated = get('updated_at');
    plan.ticketId = get('ticket_id');
    plan.at = get('at');
    plan.type = get('type');
    plan.value = get('value');
    plan.actor = get('actor');
    plan.status = get('status');
    plan.priority = get('priority');
    plan.tags = get('tags');
    if (strict) for (const d of plan.derive) {
      if (get(d.from) < 0) throw new ImportError(`mapping ${mapping?.path}: derive.${d.field}.from: ${this.sourceName} has no "${d.from}" column to add to`, 'map that time field in "columns"');
    }
    for (const f of STR_FIELDS) {
      plan[f] = get(f);
      const map = this.values[f];
      if (plan[f] >= 0 && map !== undefined) (plan.attrMaps ??= {})[f] = map;
    }
    header.forEach((h, i) => {
      if (!used.has(i) && !ignored(i)) plan.custom.push({ idx: i, name: h });
    });
    return plan;
  }

  /** Throws when the source cannot be read as this kind of export at all. */
  private checkRequired(plan: Plan, what: string): void {
    const need = this.mode === 'tickets'
      ? [['id', plan.id], ['created_at', plan.created]] as const
      : [['ticket_id', plan.ticketId], ['at', plan.at]] as const;
    for (const [field, idx] of need) {
      if (idx < 0) {
        const only = plan.header.length === 1 ? plan.header[0] : '';
        const sep = only.includes(';') ? 'semicolons' : only.includes('\t') ? 'tabs' : only.includes('|') ? 'bars' : null;
        if (sep !== null && what === 'column') {
          throw new ImportError(`${this.sourceName} has no "${field}" column: its header seems separated by ${sep}`,
            'sla reads comma-separated CSV (RFC 4180); export with commas, or convert the file');
        }
        const cols = plan.header.slice(0, 20).map((h) => `"${h}"`).join(', ') + (plan.header.length > 20 ? ', …' : '');
        throw new ImportError(
          `${this.sourceName} has no "${field}" ${what}${this.mapping ? ` and mapping ${this.mapping.path} names none` : ''}`,
          `its ${what === 'column' ? 'columns' : 'keys'} are ${cols}; map one in a mapping file ("columns": {"${field}": "…"})`
          + (this.mode === 'tickets' ? ', or import an event log with --events' : ''),
        );
      }
    }
    if (this.mode === 'events' && plan.type < 0 && plan.activity < 0 && plan.status < 0) {
      throw new ImportError(`${this.sourceName} has no "type" or "status" ${what} and the mapping names no events.activityColumn`,
        'add a type column (created, status, reply, priority, assign, pause, resume, note), a status column (a log of status snapshots), '
        + 'or a mapping with "events": {"activityColumn": …}');
    }
  }

  // ---------------------------------------------------------------- one cell a row

  /** With ticketsOnly or deferring, once the header is read: the ticket's column (else -1). */
  onlyColumn(): number {
    return (this.opts.ticketsOnly || this.deferring) && this.mode === 'events' && this.plan !== null ? this.plan.ticketId : -1;
  }

  /**
   * The ticket cell of a row of text[start, end) without quotes: its record, as event() would
   * make it (ticketsOnly), or the row deferred as that text (split at commas when read).
   */
  onlyCell(cell: string, line: number, text: string, start: number, end: number): void {
    if (!this.deferring) {
      this.event(this.plan as Plan, [cell], line, 0);
      return;
    }
    const ticketId = this.text([cell], 0);
    if (ticketId === null) {
      this.csvRow(text.slice(start, end).split(','), line, null); // its reject
      return;
    }
    (this.out as Array<ImportRecord<DeferredRow>>).push({ kind: 'row', line, row: { ticketId, sep: ',', cells: text.slice(start, end) } });
  }

  // ---------------------------------------------------------------- deferred rows

  /**
   * CSV rows of an event log are deferred (readEventsDeferred) until a chunk of text holds
   * the cell separator (a NUL): from then on they are read at once.
   */
  deferring = false;

  /** A deferred row, read now: its record (the row, or why it is rejected). */
  readDeferred(deferred: string, line: number): ImportRecord<EventRow> {
    const was = this.deferring;
    this.deferring = false;
    try {
      this.csvRow(deferred.substring(1).split(deferred.charAt(0)), line, null);
    } finally {
      this.deferring = was;
    }
    return (this.out as Array<ImportRecord<EventRow>>).pop() as ImportRecord<EventRow>;
  }

  // ---------------------------------------------------------------- rows in

  header(cells: string[]): void {
    const plan = this.buildPlan(dedupeHeader(cells), true);
    this.checkRequired(plan, 'column');
    this.plan = plan;
  }

  hasHeader(): boolean {
    return this.plan !== null;
  }

  csvRow(cells: Cell[], line: number, error: string | null): void {
    const plan = this.plan as Plan;
    if (error !== null) { this.reject(plan, cells, line, `malformed CSV: ${error}`); return; }
    // A deferred row's fields are counted when it is read (readDeferred), as every deferred
    // row's are, whichever way its line was split: its reject comes at the same point.
    if (cells.length > plan.header.length && !this.deferring) {
      for (let k = plan.header.length; k < cells.length; k++) {
        if (cells[k] !== '') {
          this.reject(plan, cells, line, `row has ${cells.length} fields but the header has ${plan.header.length}`);
          return;
        }
      }
    }
    if (this.mode === 'tickets') this.ticket(plan, cells, line);
    else this.event(plan, cells, line);
  }

  jsonValue(value: unknown, line: number, rawText: string): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.broken(line, rawText, 'not a JSON object');
      return;
    }
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    const sig = keys.join('\u0001');
    let plan = this.jsonPlans.get(sig);
    if (plan === undefined) {
      plan = this.buildPlan(keys, false);
      if (this.jsonPlans.size > 1000) this.jsonPlans.clear();
      this.jsonPlans.set(sig, plan);
    }
    if (this.firstJson) {
      this.firstJson = false;
      this.checkRequired(plan, 'key');
    }
    const cells: Cell[] = new Array<Cell>(keys.length);
    for (let k = 0; k < keys.length; k++) {
      const v = obj[keys[k]];
      try {
        cells[k] = typeof v === 'string' ? v
          : v === null || v === undefined ? ''
            : Array.isArray(v) && k === plan.tags ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
              : typeof v === 'object' ? JSON.stringify(v) : String(v);
      } catch (e) {
        // a value nested thousands deep (JSON.stringify runs out of stack): this row only
        if (!(e instanceof RangeError)) throw e;
        this.broken(line, rawText.length > 200 ? `${rawText.slice(0, 200)}…` : rawText, `"${keys[k]}" is nested too deeply to be a ticket field`);
        return;
      }
    }
    if (this.mode === 'tickets') this.ticket(plan, cells, line);
    else this.event(plan, cells, line);
  }

  broken(line: number, rawText: string, reason: string): void {
    this.out.push({ kind: 'reject', line, raw: { text: rawText }, reason });
  }

  // ---------------------------------------------------------------- helpers

  /** Trimmed text of a cell; null when absent, empty or a "missing" placeholder. */
  private text(cells: Cell[], idx: number): string | null {
    if (idx < 0) return null;
    const c = cells[idx];
    if (c === undefined) return null;
    let s = typeof c === 'string' ? c : c.join(this.tagSep);
    const n = s.length;
    if (n === 0) return null;
    if (s.charCodeAt(0) <= 32 || s.charCodeAt(n - 1) <= 32) {
      s = s.trim();
      if (s.length === 0) return null;
    }
    if (this.missing !== null && this.missing.has(s)) return null;
    return s;
  }

  /**
   * Control characters (C0 but tab and line breaks, DEL, C1: terminal escapes, a NUL) in a
   * text field, each replaced by U+FFFD and counted. Looked for only once the text read
   * holds one (`controls`; always for JSON, where "\u001b" spells one).
   */
  controls = false;

  private clean(s: string): string {
    if (!this.controls || !CONTROL.test(s)) return s;
    return s.replace(CONTROLS, () => {
      this.report.controlChars = (this.report.controlChars ?? 0) + 1;
      return '\ufffd';
    });
  }

  /** text(), for a field of free text: control characters replaced (see clean). */
  private words(cells: Cell[], idx: number): string | null {
    const s = this.text(cells, idx);
    return s === null ? null : this.clean(s);
  }

  private label(plan: Plan, field: string): string {
    const src = plan.from[field];
    return src === undefined || src === field ? field : `${field} ("${src}")`;
  }

  private reject(plan: Plan, cells: Cell[], line: number, reason: string): void {
    const raw: Record<string, string> = {};
    const n = Math.max(plan.header.length, cells.length);
    for (let k = 0; k < n; k++) {
      const c = cells[k];
      const name = k < plan.header.length ? plan.header[k] : `column_${k + 1}`;
      raw[name] = c === undefined ? '' : typeof c === 'string' ? c : c.join(this.tagSep);
    }
    this.out.push({ kind: 'reject', line, raw, reason });
  }

  /**
   * Parsed timestamp; undefined (after rejecting) when unparseable, or when empty and
   * `required`; null when empty otherwise.
   */
  private time(plan: Plan, cells: Cell[], idx: number, field: string, line: number, required: true): number | undefined;
  private time(plan: Plan, cells: Cell[], idx: number, field: string, line: number): number | null | undefined;
  private time(plan: Plan, cells: Cell[], idx: number, field: string, line: number, required = false): number | null | undefined {
    const s = this.text(cells, idx);
    if (s === null) {
      if (!required) return null;
      this.reject(plan, cells, line, `missing ${this.label(plan, field)}`);
      return undefined;
    }
    const t = this.parseTime(s);
    if (t === null) {
      this.reject(plan, cells, line, `${this.label(plan, field)} "${s}" is not a valid timestamp (expected ${this.timeFormat})`);
      return undefined;
    }
    if (t < EARLIEST || t > this.latest) {
      this.reject(plan, cells, line, `${this.label(plan, field)} "${s}" is ${this.outside(t)}`);
      return undefined;
    }
    return t;
  }


  /** Why an instant outside the accepted window is refused (for a reject). */
  private outside(t: number): string {
    return t < EARLIEST
      ? 'before 1970 (a date a helpdesk export cannot hold: check the column and the format)'
      : `more than ten years after now (${(isoUtc(this.latest - LATER_MS) ?? '').slice(0, 10)}): check the column and the format`;
  }

  /** `text` as a canonical status or priority; null (after rejecting) when unknown. */
  private known(
    plan: Plan, cells: Cell[], line: number, type: 'status' | 'priority', text: string, where: string = MAPPED_IN[type],
  ): string | null {
    const v = type === 'status' ? this.status(text) : this.priority(text);
    if (v === null) this.reject(plan, cells, line, `unknown ${type} "${text}"; map it in ${where}`);
    return v;
  }

  /** Fills `into` with the ticket attributes of the row; returns false (after rejecting) when one is bad. */
  private attrs(plan: Plan, cells: Cell[], line: number, into: TicketAttrs): boolean {
    // one named store per field (not into[field]): the row objects keep one shape
    if (plan.subject >= 0) into.subject = this.words(cells, plan.subject);
    if (plan.requester >= 0) into.requester = this.words(cells, plan.requester);
    if (plan.customer >= 0) into.customer = this.words(cells, plan.customer);
    if (plan.tier >= 0) into.tier = this.words(cells, plan.tier);
    if (plan.assignee >= 0) into.assignee = this.words(cells, plan.assignee);
    if (plan.group >= 0) into.group = this.words(cells, plan.group);
    if (plan.channel >= 0) into.channel = this.words(cells, plan.channel);
    const maps = plan.attrMaps;
    if (maps !== null) {
      for (const f of STR_FIELDS) {
        const map = maps[f];
        const v = into[f];
        if (map !== undefined && v != null) into[f] = map[v.toLowerCase()] ?? v;
      }
    }
    if (plan.status >= 0) {
      const s = this.text(cells, plan.status);
      const st = s === null ? null : this.known(plan, cells, line, 'status', s);
      if (s !== null && st === null) return false;
      into.status = st;
    }
    if (plan.priority >= 0) {
      const s = this.text(cells, plan.priority);
      const p = s === null ? null : this.known(plan, cells, line, 'priority', s);
      if (s !== null && p === null) return false;
      into.priority = p;
    }
    if (plan.tags >= 0) {
      const c = cells[plan.tags];
      const list = c === undefined || c === '' ? NO_TAGS : typeof c === 'string' ? c.split(this.tagSep) : c;
      const tags: string[] = [];
      for (let k = 0; k < list.length; k++) {
        let t = list[k];
        if (t.length > 0 && (t.charCodeAt(0) <= 32 || t.charCodeAt(t.length - 1) <= 32)) t = t.trim();
        if (t !== '' && (this.missing === null || !this.missing.has(t))) tags.push(this.clean(t));
      }
      into.tags = tags;
    }
    const custom = plan.custom;
    if (custom.length > 0) {
      let out: Record<string, string> | null = null;
      for (let k = 0; k < custom.length; k++) {
        const s = this.words(cells, custom[k].idx);
        if (s !== null) {
          out ??= {};
          out[custom[k].name] = s;
        }
      }
      if (out !== null) into.custom = out;
    }
    return true;
  }

  // ---------------------------------------------------------------- tickets

  private ticket(plan: Plan, cells: Cell[], line: number): void {
    const id = this.text(cells, plan.id);
    if (id === null) { this.reject(plan, cells, line, `missing ${this.label(plan, 'id')}`); return; }
    if (id.includes('\u0000')) { this.reject(plan, cells, line, `${this.label(plan, 'id')} contains a NUL byte`); return; }
    if (!this.times(plan, cells, line, true)) return;
    const tm = this.tm;
    const createdAt = tm.created_at as number;
    const { first_response_at: firstResponseAt, resolved_at: resolvedAt, closed_at: closedAt, updated_at: updatedAt } = tm;
    const before = firstResponseAt !== null && firstResponseAt < createdAt ? 'first_response_at'
      : resolvedAt !== null && resolvedAt < createdAt ? 'resolved_at'
        : closedAt !== null && closedAt < createdAt ? 'closed_at' : null;
    if (before !== null) {
      const t = before === 'first_response_at' ? firstResponseAt : before === 'resolved_at' ? resolvedAt : closedAt;
      this.reject(plan, cells, line,
        `${this.label(plan, before)} (${isoUtc(t)}) is before ${this.label(plan, 'created_at')} (${isoUtc(createdAt)})`);
      return;
    }
    const row: ExportTicketRow = { id, createdAt, firstResponseAt, resolvedAt, closedAt, updatedAt };
    if (!this.attrs(plan, cells, line, row)) return;
    (this.out as Array<ImportRecord<ExportTicketRow>>).push({ kind: 'row', line, row });
  }

  /**
   * The row's ticket time fields into `this.tm` (reused: no object per row), derived ones
   * filled; false (after rejecting) when one is bad. For ticket rows created_at is required
   * and updated_at is read; an event log's rows are dated by `at` (no updated_at).
   */
  private times(plan: Plan, cells: Cell[], line: number, tickets: boolean): boolean {
    const tm = this.tm;
    const created = tickets
      ? this.time(plan, cells, plan.created, 'created_at', line, true)
      : this.time(plan, cells, plan.created, 'created_at', line);
    if (created === undefined) return false;
    tm.created_at = created;
    const fr = this.time(plan, cells, plan.firstResponse, 'first_response_at', line);
    if (fr === undefined) return false;
    tm.first_response_at = fr;
    const res = this.time(plan, cells, plan.resolved, 'resolved_at', line);
    if (res === undefined) return false;
    tm.resolved_at = res;
    const closed = this.time(plan, cells, plan.closed, 'closed_at', line);
    if (closed === undefined) return false;
    tm.closed_at = closed;
    const updated = tickets ? this.time(plan, cells, plan.updated, 'updated_at', line) : null;
    if (updated === undefined) return false;
    tm.updated_at = updated;
    return plan.derive.length === 0 || this.derive(plan, cells, line, tm);
  }

  /**
   * Fills the time fields the mapping derives (a time field plus a duration column) where the
   * row has none; false (after rejecting) when the duration is not a number.
   */
  private derive(plan: Plan, cells: Cell[], line: number, tm: Times): boolean {
    for (const d of plan.derive) {
      if (tm[d.field as keyof Times] !== null) continue;
      const base = tm[d.from as keyof Times];
      const s = this.text(cells, d.add);
      if (base === null || s === null) continue;
      const n = Number(s.replace(',', '.'));
      if (!Number.isFinite(n) || n < 0) {
        this.reject(plan, cells, line, `"${plan.header[d.add]}" is "${s}", not a number of ${d.unit} (it derives ${d.field})`);
        return false;
      }
      const t = base + Math.round(n * d.unitMs);
      if (t > this.latest) {
        this.reject(plan, cells, line, `"${plan.header[d.add]}" is "${s}": it derives ${d.field} ${this.outside(t)}`);
        return false;
      }
      tm[d.field as keyof Times] = t;
    }
    return true;
  }

  // ---------------------------------------------------------------- events

  /**
   * One row of an event log: one record, whatever it means (no events, one, or several by an
   * activity rule). Events derived from a ticket's run of rows (a priority column that
   * changes, a status snapshot, the first change away from a status) are made by the merge,
   * which sees the ticket's whole history.
   */
  private event(plan: Plan, cells: Cell[], line: number, idCell = plan.ticketId): void {
    const ticketId = this.text(cells, idCell);
    if (ticketId === null) { this.reject(plan, cells, line, `missing ${this.label(plan, 'ticket_id')}`); return; }
    // an id nobody can type (nor see): a broken export
    if (ticketId.includes('\u0000')) { this.reject(plan, cells, line, `${this.label(plan, 'ticket_id')} contains a NUL byte`); return; }
    if (this.opts.ticketsOnly) {
      (this.out as Array<ImportRecord<Pick<EventRow, 'ticketId'>>>).push({ kind: 'row', line, row: { ticketId } });
      return;
    }
    if (this.deferring) {
      (this.out as Array<ImportRecord<DeferredRow>>).push({ kind: 'row', line, row: { ticketId, sep: CELL_SEP, cells: (cells as string[]).join(CELL_SEP) } });
      return;
    }
    const at = this.time(plan, cells, plan.at, 'at', line, true);
    if (at === undefined) return;
    if (!this.times(plan, cells, line, false)) return;
    const { created_at: createdAt, first_response_at: firstResponseAt, resolved_at: resolvedAt, closed_at: closedAt } = this.tm;
    const read: TicketAttrs = {};
    if (!this.attrs(plan, cells, line, read)) return;
    const attrs = present(read);
    const actor = this.words(cells, plan.actor);
    const valueText = this.words(cells, plan.value);

    // what the row means
    let events: readonly RowEvent[];
    let activity: string | null = null;
    let key = '';
    if (plan.activity >= 0) {
      activity = this.text(cells, plan.activity);
      if (activity === null) { this.reject(plan, cells, line, `missing activity (column "${plan.from.activity}")`); return; }
      // a log has a few activities: what each means is looked up once (by its text as read)
      let known = this.activities.get(activity);
      if (known === undefined) {
        const k = activity.toLowerCase();
        const r = this.rules?.[k];
        known = { key: k, rules: r, fixed: r === undefined ? undefined : this.fixedEvents.get(k) };
        if (this.activities.size >= 1000) this.activities.clear();
        this.activities.set(activity, known);
      }
      key = known.key;
      const rules = known.rules;
      const fixed = known.fixed;
      if (fixed !== undefined) {
        events = fixed; // the same events for every row of this activity: shared, never changed
      } else if (rules !== undefined) {
        const list: RowEvent[] = [];
        events = list;
        for (const r of rules) {
          let value: string | null = r.value ?? null;
          if (value === null) {
            value = valueText ?? (r.type === 'note' ? this.clean(activity) : null);
            if (value !== null && (r.type === 'status' || r.type === 'priority')) {
              value = this.known(plan, cells, line, r.type, value, 'the mapping');
              if (value === null) return;
            }
          }
          list.push({ type: r.type, value });
        }
      } else {
        events = this.otherwise === 'ignore' ? NO_EVENTS : [{ type: 'note', value: this.clean(activity) }];
      }
    } else if (plan.type >= 0) {
      const typeText = this.text(cells, plan.type);
      if (typeText === null) { this.reject(plan, cells, line, `missing ${this.label(plan, 'type')}`); return; }
      const type = this.eventType(typeText);
      if (type === null) {
        this.reject(plan, cells, line,
          `unknown event type "${typeText}"; use one of ${EVENT_TYPES.join(', ')}, or map it in the mapping ("values": {"type": …})`);
        return;
      }
      let value = valueText;
      if (type === 'status' || type === 'priority') {
        if (value === null) { this.reject(plan, cells, line, `${type} event without a value`); return; }
        value = this.known(plan, cells, line, type, value);
        if (value === null) return;
      }
      events = [{ type, value }];
    } else {
      events = NO_EVENTS; // a snapshot log: its status and priority columns say what changed
    }
    for (let k = 0; k < events.length; k++) {
      const e = events[k];
      if ((e.type === 'status' || e.type === 'priority') && e.value === null) {
        this.reject(plan, cells, line, `${e.type} event without a value`);
        return;
      }
    }
    // Counted once the row is accepted.
    if (activity !== null) {
      const hits = this.report.ruleRows.get(key);
      if (hits !== undefined) this.report.ruleRows.set(key, hits + 1);
      else this.report.otherwise.set(activity, (this.report.otherwise.get(activity) ?? 0) + 1);
    }

    // The row's identity within its ticket: its key column, else all it says.
    const keyText = plan.key >= 0 ? this.text(cells, plan.key) : null;
    const digest = eventRowDigest({ at, events, actor, attrs, createdAt, firstResponseAt, resolvedAt, closedAt }, keyText);
    const row: EventRow = { ticketId, at, events, actor, attrs, createdAt, firstResponseAt, resolvedAt, closedAt, digest };
    (this.out as Array<ImportRecord<EventRow>>).push({ kind: 'row', line, row });
  }
}

const NO_EVENTS: readonly RowEvent[] = Object.freeze([]);

/**
 * The window of instants an import accepts: from 1970 (a year-0001 date is a broken column,
 * not a ticket; calendars and reports are not made for centuries) to ten years after now
 * (a far-future date is one too); without a now, to the end of year 9999.
 */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATER_MS = 10 * 365.25 * 86_400_000;
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A control character of a text field (see Converter.clean): not tab, LF or CR. */
export const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/** Between the cells of a deferred row (a chunk of text that holds one stops the deferring). */
const CELL_SEP = '\u0000';

/** The attributes a row of an event log says something about: an empty or missing value says nothing. */
function present(a: TicketAttrs): TicketAttrs {
  const values = a as Record<string, unknown>;
  let all = true;
  for (const k in values) if (!says(values[k])) { all = false; break; }
  if (all) return a; // the usual case: no copy
  const out: Record<string, unknown> = {};
  for (const k in values) if (says(values[k])) out[k] = values[k];
  return out as TicketAttrs;
}

const says = (v: unknown): boolean => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);

type Times = Record<'created_at' | 'first_response_at' | 'resolved_at' | 'closed_at' | 'updated_at', number | null>;

function lowerKeys(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(map)) out[k.trim().toLowerCase()] = v;
  return out;
}

// ------------------------------------------------------------------ the iterator

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
    const name = opts.source === '-' ? 'standard input' : opts.source;
    const converter = new Converter<T>(this.mode, opts, name); // validates the mapping against the vocabulary
    const source = opts.source === '-' ? openStream(opts.stdin ?? process.stdin) : await openFile(opts.source);
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
    if (!conv.controls && !this.opts.ticketsOnly && CONTROL.test(text)) conv.controls = true;
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
      throw new ImportError(`${this.opts.source === '-' ? 'standard input' : this.opts.source} has no header row`,
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
  const converter = new Converter<EventRow>('events', opts, opts.source === '-' ? 'standard input' : opts.source);
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

