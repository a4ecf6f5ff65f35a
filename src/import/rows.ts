// Rows: the cells of a source's row (a CSV row, a JSON object's values) into a ticket row or
// an event row (SPEC §4), or a reject saying why not: timestamps, the vocabulary, activity
// rules, the mapping's derived times. A row costs a few array reads (the column plan says which
// index feeds which field), the timestamp parses and one object.

import { CANONICAL_STATUSES } from '../domain/types.js';
import { isoUtc } from '../render/format.js';
import { Columns, dedupeHeader, STR_FIELDS } from './columns.js';
import type { Mode, Plan } from './columns.js';
import { ImportError } from './errors.js';
import type { LoadedMapping } from './mapping.js';
import { eventRowDigest } from './row-digest.js';
import { compileTimestampParser, describeTimestampFormat } from './timestamp.js';
import type { TimestampParser } from './timestamp.js';
import { EVENT_TYPES } from './types.js';
import type {
  DeferredRow, EventRow, EventType, ImportRecord, ReaderOptions, ReadReport, RowEvent, TicketAttrs, ExportTicketRow, Vocabulary,
} from './types.js';
import { SourceVocabulary } from './vocabulary.js';

/** A cell: text (CSV, JSON scalars) or a list (a JSON array in the tags column). */
type Cell = string | string[];
const NO_TAGS: readonly string[] = [];
/** Where an unknown status or priority word can be mapped (reject reasons). */
const MAPPED_IN = { status: 'statusMap or the mapping', priority: 'priorityAliases or the mapping' } as const;

interface RuleEvent { type: EventType; value?: string }

/**
 * The rows of one source into records, pushed to `out` for the caller to take: a ticket row or
 * an event row (T), or a reject. Rows come as cells (`header`, then `csvRow`) or as JSON objects
 * (`jsonValue`: an export's, or those of a helpdesk API). Making one refuses (ImportError) a
 * mapping that does not fit the mode or the vocabulary.
 */
export class Converter<T> {
  readonly out: Array<ImportRecord<T>> = [];
  private readonly parseTime: TimestampParser;
  private readonly timeFormat: string;
  private readonly missing: Set<string> | null;
  private readonly tagSep: string;
  private readonly vocab: SourceVocabulary;
  private readonly columns: Columns;
  private readonly rules: Record<string, RuleEvent[]> | null;
  private readonly otherwise: 'note' | 'ignore';
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

  /** `sourceName`: how messages name the source. */
  constructor(private readonly mode: Mode, private readonly opts: ReaderOptions, sourceName: string) {
    const mapping = (opts.mapping ?? null) as LoadedMapping | null;
    this.latest = opts.now !== undefined ? opts.now + LATER_MS : LATEST;
    const vocab: Vocabulary = opts.vocab;
    this.timeFormat = describeTimestampFormat(mapping?.timestamps?.format);
    this.parseTime = compileTimestampParser({
      format: mapping?.timestamps?.format,
      zone: mapping?.timestamps?.zone ?? vocab.timezone,
    });
    this.missing = mapping?.missing && mapping.missing.length > 0 ? new Set(mapping.missing.map((s) => s.trim())) : null;
    this.tagSep = mapping?.tagSeparator ?? ';';
    this.vocab = new SourceVocabulary(vocab, mapping?.values);
    const ev = mapping?.events;
    this.otherwise = ev?.otherwise ?? 'note';
    this.rules = null;
    if (ev?.rules) {
      const rules: Record<string, RuleEvent[]> = Object.create(null) as Record<string, RuleEvent[]>;
      for (const [activity, list] of Object.entries(ev.rules)) {
        rules[activity.trim().toLowerCase()] = list.map((r, i) => {
          if ((r.type === 'status' || r.type === 'priority') && r.value !== undefined) {
            const v = r.type === 'status' ? this.vocab.status(r.value) : this.vocab.priority(r.value);
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
    this.report = opts.report ?? { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() };
    this.columns = new Columns(mode, mapping, sourceName, this.vocab.values, this.report); // refuses fields the mode does not use
    if (this.rules !== null) {
      for (const [k, list] of Object.entries(this.rules)) {
        if (!this.report.ruleRows.has(k)) this.report.ruleRows.set(k, 0);
        if (list.every((r) => r.value !== undefined)) {
          this.fixedEvents.set(k, Object.freeze(list.map((r) => Object.freeze({ type: r.type, value: r.value as string }))));
        }
      }
    }
    if (ev?.firstResponseAwayFrom !== undefined) {
      if (this.vocab.status(ev.firstResponseAwayFrom) === null) {
        throw new ImportError(`mapping ${mapping?.path}: events.firstResponseAwayFrom: "${ev.firstResponseAwayFrom}" is not a status`,
          `use one of ${CANONICAL_STATUSES.join(', ')}`);
      }
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
    const plan = this.columns.buildPlan(dedupeHeader(cells), true);
    this.columns.checkRequired(plan, 'column');
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
      plan = this.columns.buildPlan(keys, false);
      if (this.jsonPlans.size > 1000) this.jsonPlans.clear();
      this.jsonPlans.set(sig, plan);
    }
    if (this.firstJson) {
      this.firstJson = false;
      this.columns.checkRequired(plan, 'key');
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
    const v = type === 'status' ? this.vocab.status(text) : this.vocab.priority(text);
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
      const type = this.vocab.eventType(typeText);
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
export const CELL_SEP = '\u0000';

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
