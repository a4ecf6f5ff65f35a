// The tickets table's row: how a Ticket, its computed state and its history become the
// columns every writer sets (each engine's writes, the SQLite import writer thread's), and back.
// Both engines' tickets tables have these columns (migrations/sqlite/, migrations/postgres/),
// the history kept as the same JSON text: one codec for both.

import type { Assignment } from '../domain/clock.js';
import { byMetric, METRIC, METRICS, perMetric } from '../domain/metrics.js';
import type { ComputedSla, Ticket, TicketEvent } from '../domain/ticket.js';
import type { BreachReasons, TicketRecord } from './contract.js';
import { metricColumn, STATE_COLUMNS, targetColumn, type BreachReasonColumns, type TargetColumns } from './metric-columns.js';

/** A row of the tickets table, as an engine gives it (rowToTicket makes a Ticket of it). */
export interface TicketsTableRow extends TargetColumns {
  id: string; subject: string | null; requester: string | null; customer: string | null; tier: string | null;
  priority: string | null; status: string; assignee: string | null; grp: string | null; channel: string | null;
  tags: string; custom: string; created_at: number; first_response_at: number | null; resolved_at: number | null;
  closed_at: number | null; updated_at: number | null; initial_priority: string | null; policy: string | null;
  calendar: string | null; no_sla_reason: string | null;
  /** The ticket's events, JSON (see historyToEvents); absent when the query did not select it. */
  history?: string;
  /** The digest(s) of what an import last brought; absent when the query did not select it. */
  import_hash?: string | null;
}

export function rowToTicket(r: TicketsTableRow): Ticket {
  const assignment: Assignment | null =
    r.policy && r.calendar && METRICS.every((m) => r[targetColumn(m)] !== null)
      ? { policy: r.policy, calendar: r.calendar, targets: perMetric((m) => r[targetColumn(m)] as number) }
      : null;
  return {
    id: r.id, subject: r.subject, requester: r.requester, customer: r.customer, tier: r.tier, priority: r.priority,
    status: r.status, assignee: r.assignee, group: r.grp, channel: r.channel,
    tags: JSON.parse(r.tags) as string[], custom: JSON.parse(r.custom) as Record<string, string>,
    createdAt: r.created_at, firstResponseAt: r.first_response_at, resolvedAt: r.resolved_at, closedAt: r.closed_at,
    updatedAt: r.updated_at, initialPriority: r.initial_priority, assignment, noSlaReason: r.no_sla_reason,
  };
}

/** A whole tickets row (SELECT *): with its history and breach reasons. */
export type TicketRecordRow = TicketsTableRow & BreachReasonColumns;

function reasonsOf(r: TicketRecordRow): BreachReasons {
  return byMetric((m) => r[metricColumn(m, 'breach_reason')] ?? null);
}

/** A whole tickets row (read with its `history` column) as a record. */
export function rowToRecord(r: TicketRecordRow): TicketRecord {
  return { ticket: rowToTicket(r), events: historyToEvents(r.history), breachReasons: reasonsOf(r) };
}

// A ticket's history (migration 004): the column `tickets.history` is a JSON array of
// its events in insertion order, each [at, type, value, source, actor, reason, data]
// with trailing nulls left out; seq = 1-based position (ties at an instant keep it).
type EncodedEvent = [number, string, (string | null)?, (string | null)?, (string | null)?, (string | null)?, Record<string, unknown>?];

/** What an event carries besides its columns (until, recalculate, assignment), or null. */
export function eventData(e: TicketEvent): Record<string, unknown> | null {
  if ((e.until === undefined || e.until === null) && !e.recalculate && e.assignment === undefined && e.previous === undefined) return null;
  const d: Record<string, unknown> = {};
  if (e.until !== undefined && e.until !== null) d.until = e.until;
  if (e.recalculate) d.recalculate = true;
  if (e.assignment !== undefined) d.assignment = e.assignment;
  if (e.previous !== undefined) d.previous = e.previous;
  return d;
}

/** One event as stored: [at, type, value, source, actor, reason, data], trailing nulls left out. */
function encodeEvent(e: TicketEvent): unknown[] {
  if (!Number.isFinite(e.at)) throw new Error(`event ${e.type} has no valid instant (${String(e.at)})`);
  const data = eventData(e);
  if (data !== null) return [e.at, e.type, e.value ?? null, e.source ?? null, e.actor ?? null, e.reason ?? null, data];
  if (e.reason != null) return [e.at, e.type, e.value ?? null, e.source ?? null, e.actor ?? null, e.reason];
  if (e.actor != null) return [e.at, e.type, e.value ?? null, e.source ?? null, e.actor];
  if (e.source != null) return [e.at, e.type, e.value ?? null, e.source];
  if (e.value != null) return [e.at, e.type, e.value];
  return [e.at, e.type];
}

/**
 * Events as the JSON the history column holds ('[]' for none). The array is pushed, not
 * preallocated: JSON.stringify has a fast path for packed arrays only (a `new Array(n)`
 * is holey even once filled).
 */
export function eventsToHistory(events: readonly TicketEvent[]): string {
  if (events.length === 0) return '[]';
  const a: unknown[][] = [];
  for (let i = 0; i < events.length; i++) a.push(encodeEvent(events[i]));
  return JSON.stringify(a);
}

/** The history column → the ticket's events in time order (ties: insertion order), with seq. */
export function historyToEvents(history: string | null | undefined): TicketEvent[] {
  if (!history || history === '[]') return [];
  const raw = JSON.parse(history) as EncodedEvent[];
  const out: TicketEvent[] = new Array(raw.length);
  let sorted = true;
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i];
    const data = a[6];
    const e: TicketEvent = {
      ...(data ?? {}), seq: i + 1, at: a[0], type: a[1], value: a[2] ?? null, actor: a[4] ?? null, reason: a[5] ?? null,
      source: a[3] ?? null,
    };
    out[i] = e;
    if (i > 0 && e.at < out[i - 1].at) sorted = false;
  }
  if (!sorted) out.sort((x, y) => x.at - y.at || x.seq! - y.seq!);
  return out;
}

/**
 * The columns every ticket write sets, in the order of ticketValues; each metric's come
 * from the metric table (target_fr_min …, fr_status … res_elapsed_min).
 */
export const TICKET_COLUMNS: readonly string[] = [
  'id', 'subject', 'requester', 'customer', 'tier', 'priority', 'status', 'assignee', 'grp', 'channel', 'tags', 'custom',
  'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'updated_at', 'initial_priority', 'policy', 'calendar',
  ...METRICS.map(targetColumn), 'no_sla_reason', 'sla_status', 'sla_cycle', ...STATE_COLUMNS,
  'breached_at', 'paused_at', 'total_paused_ms', 'next_change_at', 'computed_at', 'import_hash', 'history',
];
const slot = (column: string): number => TICKET_COLUMNS.indexOf(column);
const NO_SLA_REASON = slot('no_sla_reason');
const SLA_STATUS = slot('sla_status');
const METRIC_STATUS = METRICS.map((m) => slot(metricColumn(m, 'status')));
const IMPORT_HASH = slot('import_hash');
const HISTORY = slot('history');
const KEYS = METRICS.map((m) => METRIC[m].key);

/** Which of TICKET_COLUMNS hold numbers (the others text), for the import writer thread. */
export const TICKET_NUMERIC: readonly boolean[] = TICKET_COLUMNS.map((c) =>
  /_at$|_min$|_ms$|^sla_cycle$/.test(c));

/**
 * One ticket write's values, in TICKET_COLUMNS order, into `out` (reused: a big import
 * writes millions). `history` = the events to append (JSON, see eventsToHistory).
 */
export function ticketValues(out: unknown[], t: Ticket, c: ComputedSla, importHash: string | null, history: string): unknown[] {
  ticketTexts(out, t, c, importHash, history);
  ticketNumbers(numberScratch, 0, t, c);
  for (let i = 0; i < NUMERIC_SLOTS.length; i++) {
    const v = numberScratch[i];
    out[NUMERIC_SLOTS[i]] = v !== v ? null : v;
  }
  return out;
}

/** Where (in TICKET_COLUMNS) ticketNumbers' values go, in its order; and the text columns' places. */
export const NUMERIC_SLOTS: readonly number[] = TICKET_COLUMNS.flatMap((_, i) => (TICKET_NUMERIC[i] ? [i] : []));
export const TEXT_SLOTS: readonly number[] = TICKET_COLUMNS.flatMap((_, i) => (TICKET_NUMERIC[i] ? [] : [i]));
const numberScratch = new Float64Array(NUMERIC_SLOTS.length);

/** ticketValues' text columns (strings or null) into their places in `out`; the numeric places are left alone. */
export function ticketTexts(out: unknown[], t: Ticket, c: ComputedSla, importHash: string | null, history: string): void {
  const a = t.assignment;
  out[0] = t.id; out[1] = t.subject; out[2] = t.requester; out[3] = t.customer; out[4] = t.tier; out[5] = t.priority;
  out[6] = t.status; out[7] = t.assignee; out[8] = t.group; out[9] = t.channel;
  out[10] = tagsJson(t.tags);
  out[11] = isEmpty(t.custom) ? '{}' : JSON.stringify(t.custom);
  out[17] = t.initialPriority; out[18] = a ? a.policy : null; out[19] = a ? a.calendar : null;
  out[NO_SLA_REASON] = t.noSlaReason; out[SLA_STATUS] = c.slaStatus;
  for (let i = 0; i < METRICS.length; i++) out[METRIC_STATUS[i]] = c.metrics[METRICS[i]].status;
  out[IMPORT_HASH] = importHash; out[HISTORY] = history;
}

/**
 * ticketValues' numeric columns, in column order (NUMERIC_SLOTS), into `out` from `at`;
 * NaN for NULL (null or undefined — never 0, which a Float64Array would make of null).
 * Each metric's numbers follow STATE_SUFFIXES (at_risk_at, due_at, stopped_at, elapsed_min).
 * The import writer thread's rows go straight into a Float64Array: no number boxed on
 * the way.
 */
export function ticketNumbers(out: Float64Array, at: number, t: Ticket, c: ComputedSla): void {
  const a = t.assignment;
  let k = at;
  out[k++] = t.createdAt ?? NaN; out[k++] = t.firstResponseAt ?? NaN; out[k++] = t.resolvedAt ?? NaN;
  out[k++] = t.closedAt ?? NaN; out[k++] = t.updatedAt ?? NaN;
  for (let i = 0; i < KEYS.length; i++) out[k++] = a ? a.targets[KEYS[i]] ?? NaN : NaN;
  out[k++] = c.cycle ?? NaN;
  for (let i = 0; i < METRICS.length; i++) {
    const s = c.metrics[METRICS[i]];
    out[k++] = s.atRiskAt ?? NaN; out[k++] = s.dueAt ?? NaN; out[k++] = s.stoppedAt ?? NaN; out[k++] = s.elapsedMin ?? NaN;
  }
  out[k++] = c.breachedAt ?? NaN; out[k++] = c.pausedAt ?? NaN; out[k++] = c.totalPausedMs ?? NaN;
  out[k++] = c.nextChangeAt ?? NaN; out[k] = c.computedAt ?? NaN;
}

/**
 * A tags list as stored (JSON). Lists of one or two short tags are remembered (a few
 * thousand): a big import repeats a few, and a lookup costs a quarter of JSON.stringify
 * of a small array. Short: a longer string read from a file can be a slice that keeps
 * its whole chunk of the file alive (V8 slices strings of 13 characters or more).
 */
function tagsJson(tags: readonly string[]): string {
  if (tags.length === 0) return '[]';
  const n = tags.length;
  if (n > 2 || typeof tags[0] !== 'string' || tags[0].length >= 13 || (n === 2 && (typeof tags[1] !== 'string' || tags[1].length >= 13))) {
    return JSON.stringify(tags);
  }
  let byFirst = knownTags.get(tags[0]);
  if (byFirst === undefined || byFirst.size >= TAGS_REMEMBERED) {
    if (knownTags.size >= TAGS_REMEMBERED) knownTags.clear();
    byFirst = new Map();
    knownTags.set(tags[0], byFirst);
  }
  const second = n === 1 ? ONE_TAG : tags[1];
  let json = byFirst.get(second);
  if (json === undefined) {
    json = JSON.stringify(tags);
    byFirst.set(second, json);
  }
  return json;
}
const TAGS_REMEMBERED = 4096;
/** Marks a one-tag list in knownTags (a symbol: no tag equals it). */
const ONE_TAG = Symbol('one tag');
const knownTags = new Map<string, Map<string | symbol, string>>();

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** The manual pauses among `events` that end by themselves: their `until`s. */
export function pauseEnds(events: readonly TicketEvent[]): number[] {
  let out: number[] | null = null;
  for (const e of events) if (e.type === 'pause' && e.until !== undefined && e.until !== null) (out ??= []).push(e.until);
  return out ?? NO_PAUSE_ENDS;
}
const NO_PAUSE_ENDS: number[] = [];
