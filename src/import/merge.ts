// Merging imported rows into a ticket and its history. Pure: the stored state,
// the rows and the import instant in; the new ticket and the events to append out.

import type { Ticket, TicketEvent } from '../domain/ticket.js';
import { DONE_STATUSES, type Instant } from '../domain/types.js';
import { textDigest } from './row-digest.js';
import type { EventRow, TicketAttrs, ExportTicketRow } from './types.js';

export type Outcome = 'new' | 'updated' | 'unchanged' | 'stale';

export interface Merged {
  outcome: Outcome;
  ticket: Ticket;
  /** Events to append (in time order). */
  events: TicketEvent[];
  /**
   * The ticket's whole history after the merge (stored events and `events`, in time order),
   * when the merge built it (event imports); otherwise undefined.
   */
  history?: TicketEvent[];
}

// Written out field by field (not a loop over the keys): it runs for every row of an import.
// `t.custom` is the merge's own copy (blankTicket's, or a copy of the stored one): updated in place.
function applyAttrs(t: Ticket, a: TicketAttrs): void {
  if (a.subject !== undefined) t.subject = a.subject ?? null;
  if (a.requester !== undefined) t.requester = a.requester ?? null;
  if (a.customer !== undefined) t.customer = a.customer ?? null;
  if (a.tier !== undefined) t.tier = a.tier ?? null;
  if (a.assignee !== undefined) t.assignee = a.assignee ?? null;
  if (a.group !== undefined) t.group = a.group ?? null;
  if (a.channel !== undefined) t.channel = a.channel ?? null;
  if (a.tags !== undefined) t.tags = a.tags;
  if (a.custom !== undefined) Object.assign(t.custom, a.custom);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function blankTicket(id: string, createdAt: Instant): Ticket {
  return {
    id, subject: null, requester: null, customer: null, tier: null, priority: null, status: 'new', assignee: null,
    group: null, channel: null, tags: [], custom: {}, createdAt, firstResponseAt: null, resolvedAt: null, closedAt: null,
    updatedAt: null, initialPriority: null, assignment: null, noSlaReason: null,
  };
}

const ev = (at: Instant, type: string, value: string | null = null): TicketEvent => ({ at, type, value, source: 'import' });

/**
 * `events` in time order, ties kept in order (as the stable Array.prototype.sort). A
 * snapshot row makes at most a few events: sorted by insertion, without the work array
 * the built-in sort allocates.
 */
function sortByAt(events: TicketEvent[]): void {
  const n = events.length;
  if (n > 8) {
    events.sort((a, b) => a.at - b.at);
    return;
  }
  for (let i = 1; i < n; i++) {
    const e = events[i];
    let j = i - 1;
    while (j >= 0 && events[j].at > e.at) {
      events[j + 1] = events[j];
      j--;
    }
    events[j + 1] = e;
  }
}

/**
 * One row of a ticket snapshot export. A status or priority that differs from
 * the stored one becomes an event at the row's `updated_at` (else `now`); a row
 * older than the stored state changes nothing.
 */
export function mergeTicketRow(stored: Ticket | null, row: ExportTicketRow, now: Instant): Merged {
  const at = Math.max(row.updatedAt ?? now, row.createdAt);
  const events: TicketEvent[] = [];

  if (!stored) {
    const t = blankTicket(row.id, row.createdAt);
    applyAttrs(t, row);
    t.priority = row.priority ?? null;
    t.initialPriority = t.priority;
    t.updatedAt = row.updatedAt;
    if (row.firstResponseAt !== null) events.push(ev(row.firstResponseAt, 'reply'));
    if (row.resolvedAt !== null) events.push(ev(row.resolvedAt, 'status', 'resolved'));
    const status = row.status ?? 'new';
    if (status === 'closed') {
      events.push(ev(row.closedAt ?? row.updatedAt ?? row.resolvedAt ?? row.createdAt, 'status', 'closed'));
    } else if (status === 'resolved') {
      if (row.resolvedAt === null) events.push(ev(row.updatedAt ?? row.createdAt, 'status', 'resolved'));
    } else if (status !== 'new') {
      // When it entered this status is unknown: updated_at is the best the export says.
      events.push(ev(Math.max(at, row.resolvedAt ?? -Infinity), 'status', status));
    }
    t.status = status;
    t.firstResponseAt = row.firstResponseAt;
    t.resolvedAt = row.resolvedAt;
    t.closedAt = row.closedAt;
    sortByAt(events);
    return { outcome: 'new', ticket: t, events };
  }

  if (row.updatedAt !== null && stored.updatedAt !== null && row.updatedAt < stored.updatedAt) {
    return { outcome: 'stale', ticket: stored, events };
  }
  const t: Ticket = { ...stored, tags: [...stored.tags], custom: { ...stored.custom } };
  applyAttrs(t, row);
  if (row.updatedAt !== null) t.updatedAt = row.updatedAt;

  if (row.firstResponseAt !== null && stored.firstResponseAt === null) {
    events.push(ev(row.firstResponseAt, 'reply'));
    t.firstResponseAt = row.firstResponseAt;
  }
  if (row.priority && row.priority !== stored.priority) {
    events.push(ev(at, 'priority', row.priority));
    t.priority = row.priority;
  }
  if (row.status && row.status !== stored.status) {
    const wasDone = DONE_STATUSES.has(stored.status);
    if (row.status === 'closed' && !wasDone && row.resolvedAt !== null && row.resolvedAt >= (stored.updatedAt ?? stored.createdAt)) {
      events.push(ev(row.resolvedAt, 'status', 'resolved'));
    }
    const when =
      row.status === 'resolved' && row.resolvedAt !== null && !wasDone ? row.resolvedAt
      : row.status === 'closed' && row.closedAt !== null ? row.closedAt
      : at;
    events.push(ev(when, 'status', row.status));
    t.status = row.status;
  }
  if (row.status !== undefined && row.status !== null) {
    if (DONE_STATUSES.has(row.status)) {
      t.resolvedAt = row.resolvedAt ?? t.resolvedAt ?? (row.status === 'resolved' ? at : null);
      t.closedAt = row.closedAt ?? t.closedAt;
    } else {
      t.resolvedAt = null;
      t.closedAt = null;
    }
  }
  if (row.assignee !== undefined && row.assignee !== stored.assignee) events.push({ ...ev(at, 'assign', row.assignee ?? null), previous: stored.assignee });

  sortByAt(events);
  const changed = events.length > 0 || !sameJson({ ...t, updatedAt: null }, { ...stored, updatedAt: null });
  return { outcome: changed ? 'updated' : 'unchanged', ticket: t, events };
}

/** What the merge of an event log's rows needs besides the rows. */
export interface EventLogRules {
  /** firstResponseAwayFrom (canonical): the first status event to another status also counts as the first response. */
  awayFrom: string | null;
}

/** A stored ticket as an event-log merge sees it: its history and the digest of its imported rows. */
export interface StoredHistory {
  ticket: Ticket;
  events: TicketEvent[];
  /** tickets.import_hash: for an event log, "e" and the 16-digit digests of the rows imported so far. */
  importHash?: string | null;
  /**
   * Where this import's own digests begin in importHash, when this import has already merged
   * rows of the ticket: the digests before are earlier imports' (known rows), those after are
   * identities this import has given (counted on, never taken for known rows).
   */
  importStart?: number;
}

export interface MergedEvents extends Merged {
  history: TicketEvent[];
  /** The ticket's new row digests ("e…") when this import brought new rows, else null (nothing to record). */
  importHash: string | null;
  /** Rows of this import already imported before (recognised by their digest), skipped. */
  rowsKnown: number;
  /** The creation instant (created_at, or a "created" event) came after the ticket's first row: the first row's instant was taken. */
  createdAfterFirstRow: boolean;
}

const DIGEST_CHARS = 16;

/**
 * Every row's identity within its ticket: its digest (key column or content), and for the
 * second and later rows with the same digest, that digest with the row's count — so rows
 * that are alike within one file are all kept, and the same file imported again gives the
 * same identities. `taken`: identities this import already gave rows of the ticket (an
 * import that merges a ticket's rows in several rounds counts on from there).
 */
function rowIdentities(rows: readonly EventRow[], taken: ReadonlySet<string> | null): string[] {
  const n = rows.length;
  const out: string[] = new Array(n);
  if (taken === null && n <= 16) {
    // a ticket's few rows: compared with each other, no set
    for (let i = 0; i < n; i++) {
      const d = rows[i].digest;
      let id = d;
      for (let k = 2, j = 0; j < i; j++) {
        if (out[j] === id) { id = textDigest(`${d}#${k++}`); j = -1; }
      }
      out[i] = id;
    }
    return out;
  }
  const used = new Set<string>(taken ?? []);
  for (let i = 0; i < n; i++) {
    const d = rows[i].digest;
    let id = d;
    for (let k = 2; used.has(id); k++) id = textDigest(`${d}#${k}`);
    used.add(id);
    out[i] = id;
  }
  return out;
}

/** The digests in import_hash between two offsets (null when it holds no event-log digests). */
function storedDigests(hash: string | null | undefined, from = 1, to = hash?.length ?? 0): Set<string> | null {
  if (!hash || hash.charCodeAt(0) !== 101 /* e */) return null;
  const set = new Set<string>();
  for (let i = Math.max(1, from); i + DIGEST_CHARS <= to; i += DIGEST_CHARS) set.add(hash.slice(i, i + DIGEST_CHARS));
  return set;
}

/**
 * Whether an earlier import brought every one of these rows of a ticket (whose import_hash
 * is `hash`): then merging them changes nothing, and the stored ticket need not be read.
 */
export function allRowsKnown(rows: readonly EventRow[], hash: string | null | undefined): boolean {
  const known = storedDigests(hash);
  if (known === null || known.size < rows.length) return false;
  for (const id of rowIdentities(rows, null)) if (!known.has(id)) return false;
  return true;
}

const eventKey = (at: Instant, type: string, value: string | null | undefined): string => `${at}|${type}|${value ?? ''}`;

/** One step of the walk over a ticket's history: a stored event, an event of a time column, or a new row. */
type Step =
  | { kind: 0; at: Instant; i: number; e: TicketEvent }
  | { kind: 1; at: Instant; i: number; type: 'reply' | 'resolved' | 'closed' }
  | { kind: 2; at: Instant; i: number; row: EventRow };

/**
 * The rows of an event log for one ticket, in file order, merged into its stored history.
 *
 * - Every row is an event (or several, or none: a row may only carry fields); rows with the
 *   same instant keep their file order. A row is skipped only when an earlier import
 *   already brought it (the same identity, see rowIdentities), so importing a file twice,
 *   or a log split into files imported in order, gives one history.
 * - The walk goes through the stored events and the new rows in time order (stored first
 *   at the same instant) and derives what the rows imply: a priority column that changes
 *   is a priority event; a status column (a snapshot log) that changes is a status event;
 *   with `awayFrom`, the first status event to another status is also a reply; the time
 *   columns first_response_at, resolved_at, closed_at are a reply / resolution / closing at
 *   their instant (once, unless the history already says so).
 * - Attributes: last value wins, in time order; an absent value changes nothing.
 * - The ticket is created at its created_at (or a "created" row), else at its first row.
 */
export function mergeEventRows(stored: StoredHistory | null, rows: EventRow[], rules: EventLogRules = { awayFrom: null }): MergedEvents {
  const hash = stored?.importHash;
  const start = stored?.importStart ?? hash?.length ?? 0;
  const known = stored ? storedDigests(hash, 1, start) : null;
  const ids = rowIdentities(rows, hash && start < hash.length ? storedDigests(hash, start) : null);
  // The stored events as (instant, type, value), made once when needed.
  let keys: Set<string> | null = null;
  const storedKeys = (): Set<string> => (keys ??= new Set((stored?.events ?? []).map((e) => eventKey(e.at, e.type, e.value))));
  // Before row digests were stored: a row is known when all its events are in the history.
  const legacy = stored && known === null ? storedKeys() : null;
  const fresh: EventRow[] = [];
  const freshIds: string[] = [];
  let rowsKnown = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const isKnown = known !== null ? known.has(ids[i])
      : legacy !== null && r.events.length > 0 && r.events.every((e) => e.type === 'created' || legacy.has(eventKey(r.at, e.type, e.value)));
    if (isKnown) rowsKnown++;
    else { fresh.push(r); freshIds.push(ids[i]); }
  }

  const storedEvents = stored?.events ?? [];
  const t: Ticket = stored
    ? { ...stored.ticket, tags: [...stored.ticket.tags], custom: { ...stored.ticket.custom } }
    : blankTicket(rows[0].ticketId, rows[0].at);
  if (fresh.length === 0) {
    // Rows recognised the old way (no digests stored yet): record their digests now.
    const importHash = legacy !== null ? `e${ids.join('')}` : null;
    return { outcome: 'unchanged', ticket: t, events: [], history: storedEvents, importHash, rowsKnown, createdAfterFirstRow: false };
  }

  // Creation: the earliest created_at / "created" row, never after the first row.
  let firstAt = Infinity;
  let created = Infinity;
  for (const r of fresh) {
    if (r.at < firstAt) firstAt = r.at;
    if (r.createdAt !== null && r.createdAt < created) created = r.createdAt;
    const evs = r.events;
    for (let k = 0; k < evs.length; k++) if (evs[k].type === 'created' && r.at < created) created = r.at;
  }
  let createdAfterFirstRow = false;
  if (created === Infinity) created = firstAt;
  else if (created > firstAt) { created = firstAt; createdAfterFirstRow = true; }
  if (!stored || created < t.createdAt) t.createdAt = created;

  // Events of the time columns, once each, unless the history already has them.
  const has = storedEvents.length === 0 ? null : storedKeys();
  const timeSteps: Step[] = [];
  const timeEvent = (at: Instant, type: 'reply' | 'resolved' | 'closed'): void => {
    const key = type === 'reply' ? eventKey(at, 'reply', null) : eventKey(at, 'status', type);
    if (timeSteps.some((x) => x.at === at && x.kind === 1 && x.type === type) || has?.has(key)) return;
    timeSteps.push({ kind: 1, at, i: timeSteps.length, type });
  };
  for (const r of fresh) {
    if (r.firstResponseAt !== null) timeEvent(r.firstResponseAt, 'reply');
    if (r.resolvedAt !== null) timeEvent(r.resolvedAt, 'resolved');
    if (r.closedAt !== null) timeEvent(r.closedAt, 'closed');
  }

  const added: TicketEvent[] = [];
  const add = (at: Instant, type: string, value: string | null, actor: string | null): void => {
    added.push({ at, type, value, actor, source: 'import' });
  };
  let priority: string | null = t.initialPriority;
  let status = 'new';
  let responded = false;
  const toStatus = (at: Instant, value: string, actor: string | null): void => {
    if (rules.awayFrom !== null && !responded && value !== rules.awayFrom) {
      responded = true;
      add(at, 'reply', null, actor);
    }
    add(at, 'status', value, actor);
    status = value;
  };
  const lastStored = stored ? (stored.ticket.updatedAt ?? -Infinity) : -Infinity;
  const walkRow = (r: EventRow): void => {
    if (r.at >= lastStored) applyAttrs(t, r.attrs);
    const p = r.attrs.priority;
    if (p) {
      if (priority === null) {
        if (t.initialPriority === null) t.initialPriority = p;
        else add(r.at, 'priority', p, r.actor);
        priority = p;
      } else if (p !== priority) {
        add(r.at, 'priority', p, r.actor);
        priority = p;
      }
    }
    // indexed: a row's events are often one shared frozen array, which for…of iterates slowly
    const evs = r.events;
    for (let k = 0; k < evs.length; k++) {
      const e = evs[k];
      if (e.type === 'created') continue;
      if (e.type === 'status' && e.value) { toStatus(r.at, e.value, r.actor); continue; }
      if (e.type === 'reply') responded = true;
      else if (e.type === 'priority' && e.value) priority = e.value;
      add(r.at, e.type, e.value, r.actor);
    }
    const st = r.attrs.status;
    if (st && st !== status) toStatus(r.at, st, r.actor);
  };

  if (storedEvents.length === 0 && timeSteps.length === 0) {
    // Only rows (a new ticket, the usual case): in time order, ties in file order.
    let sorted = true;
    for (let i = 1; i < fresh.length && sorted; i++) sorted = fresh[i - 1].at <= fresh[i].at;
    const rowsInOrder = sorted ? fresh : [...fresh].sort((a, b) => a.at - b.at);
    for (let i = 0; i < rowsInOrder.length; i++) walkRow(rowsInOrder[i]);
  } else {
    // The walk's steps, in time order: stored events, then time-column events, then rows.
    const steps: Step[] = [];
    for (let i = 0; i < storedEvents.length; i++) steps.push({ kind: 0, at: storedEvents[i].at, i, e: storedEvents[i] });
    for (const x of timeSteps) steps.push(x);
    for (let i = 0; i < fresh.length; i++) steps.push({ kind: 2, at: fresh[i].at, i, row: fresh[i] });
    steps.sort((a, b) => a.at - b.at || a.kind - b.kind || a.i - b.i);
    for (const s of steps) {
      if (s.kind === 0) {
        const e = s.e;
        if (e.type === 'priority' && e.value) priority = e.value;
        else if (e.type === 'status' && e.value) status = e.value;
        else if (e.type === 'reply') responded = true;
      } else if (s.kind === 1) {
        if (s.type === 'reply') {
          if (!responded) { responded = true; add(s.at, 'reply', null, null); }
        } else if (s.type === 'resolved' ? !DONE_STATUSES.has(status) : status !== 'closed') {
          toStatus(s.at, s.type, null);
        }
      } else walkRow(s.row);
    }
  }
  t.priority = priority ?? t.initialPriority;

  // Derive the ticket's columns from its whole history (the walk added events in time order).
  let all = added;
  if (storedEvents.length > 0) {
    all = [...storedEvents, ...added];
    all.sort((a, b) => a.at - b.at || (a.seq ?? Infinity) - (b.seq ?? Infinity));
  }
  deriveColumns(t, all);

  const importHash = known !== null ? `${stored?.importHash ?? 'e'}${freshIds.join('')}` : `e${ids.join('')}`;
  if (!stored) return { outcome: 'new', ticket: t, events: added, history: all, importHash, rowsKnown, createdAfterFirstRow };
  const changed = added.length > 0 || !sameJson(t, stored.ticket);
  return { outcome: changed ? 'updated' : 'unchanged', ticket: t, events: added, history: all, importHash, rowsKnown, createdAfterFirstRow };
}

/** A ticket's status, first response, resolution and closing from its history (in time order). */
function deriveColumns(t: Ticket, all: readonly TicketEvent[]): void {
  let status = 'new';
  let firstResponseAt: Instant | null = null;
  let resolvedAt: Instant | null = null;
  let closedAt: Instant | null = null;
  let last = t.createdAt;
  for (const e of all) {
    last = Math.max(last, e.at);
    if (e.type === 'reply' && firstResponseAt === null) firstResponseAt = e.at;
    if (e.type === 'assign') t.assignee = e.value ?? null;
    if (e.type !== 'status' || !e.value) continue;
    if (e.value === 'resolved' && !DONE_STATUSES.has(status)) resolvedAt = e.at;
    if (e.value === 'closed') closedAt = e.at;
    if (!DONE_STATUSES.has(e.value)) { resolvedAt = null; closedAt = null; }
    status = e.value;
  }
  t.status = status;
  t.firstResponseAt = firstResponseAt;
  t.resolvedAt = resolvedAt ?? (closedAt !== null && DONE_STATUSES.has(status) ? closedAt : null);
  t.closedAt = closedAt;
  t.updatedAt = last;
}
