// The boundary between reading an export (formats, mappings, vocabularies) and
// merging it into the store (import service). Readers yield normalised records.

import type { Instant } from '../domain/types.js';

/** Canonical ticket columns (SPEC §4); anything else is a custom field. */
export const TICKET_COLUMNS = [
  'id', 'subject', 'requester', 'customer', 'tier', 'priority', 'status', 'assignee', 'group', 'channel', 'tags',
  'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'updated_at',
] as const;

/** The ticket's time columns (a mapping can derive one from another plus a duration). */
export const TICKET_TIME_FIELDS = ['created_at', 'first_response_at', 'resolved_at', 'closed_at', 'updated_at'] as const;

/** Canonical event columns (SPEC §4, --events), besides any ticket column. */
export const EVENT_COLUMNS = ['ticket_id', 'at', 'type', 'value', 'actor'] as const;
export const EVENT_TYPES = ['created', 'status', 'reply', 'priority', 'assign', 'pause', 'resume', 'note'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Ticket attributes a row may carry. Absent keys = the source does not say (keep what is stored). */
export interface TicketAttrs {
  subject?: string | null;
  requester?: string | null;
  customer?: string | null;
  tier?: string | null;
  /** Canonical priority (aliases and mapping applied). */
  priority?: string | null;
  /** Canonical status (statusMap and mapping applied). */
  status?: string | null;
  assignee?: string | null;
  group?: string | null;
  channel?: string | null;
  tags?: string[];
  /** Non-canonical columns, by source column name (or the mapping's name for them). */
  custom?: Record<string, string>;
}

/** One row of a ticket export: the ticket's state at `updatedAt`. */
export interface ExportTicketRow extends TicketAttrs {
  id: string;
  createdAt: Instant;
  firstResponseAt: Instant | null;
  resolvedAt: Instant | null;
  closedAt: Instant | null;
  updatedAt: Instant | null;
}

/** An event a row of an event log means (its type column, or its activity's rule). */
export interface RowEvent { type: EventType; value: string | null }

/**
 * One row of an event log: the events it means (none when it only carries fields), at its
 * instant, and the ticket fields it carries. A field absent here (an empty cell, a
 * `missing` placeholder) says nothing: the ticket keeps what earlier rows set.
 */
export interface EventRow {
  ticketId: string;
  at: Instant;
  /** In row order; several when an activity rule means several events. */
  events: readonly RowEvent[];
  actor: string | null;
  /** Ticket attributes the row carries; `status` / `priority` are the ticket's as of this row. */
  attrs: TicketAttrs;
  /** Mapped ticket time fields (null: the row does not say). */
  createdAt: Instant | null;
  firstResponseAt: Instant | null;
  resolvedAt: Instant | null;
  closedAt: Instant | null;
  /** The row's identity within its ticket (digest of its key column or of its content; see merge). */
  digest: string;
}

/**
 * A row of an event log not read yet (readEventsDeferred): its ticket, and its cells as one
 * text — its line (`sep` ','), or its cells joined by NULs (`sep` NUL) — to be read later
 * from `sep + cells`. `cells` may be a slice of the text read from the file: a caller that
 * keeps it copies it (see import/waiting.ts).
 */
export interface DeferredRow {
  ticketId: string;
  sep: string;
  cells: string;
}

export type ImportRecord<T> =
  | { kind: 'row'; line: number; row: T }
  /** `raw` is the source row (column → text) for --rejects. */
  | { kind: 'reject'; line: number; raw: Record<string, string>; reason: string };

/** Words and zone from the config that readers need. */
export interface Vocabulary {
  /** lowercased source word → canonical status */
  statusMap: Record<string, string>;
  /** lowercased alias → canonical priority */
  priorityAliases: Record<string, string>;
  priorities: string[];
  /** Zone for timestamps without an offset when the mapping names none. */
  timezone: string;
}

export type SourceFormat = 'csv' | 'json' | 'ndjson';

export interface ReaderOptions {
  /** A file path, or '-' for standard input. */
  source: string;
  /** Default: from the mapping, else from the file extension (.json, .ndjson/.jsonl), else csv. */
  format?: SourceFormat;
  mapping?: Mapping | null;
  vocab: Vocabulary;
  /** Standard input (defaults to process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Called now and then with bytes read so far (for a progress bar). */
  onProgress?: (bytesRead: number) => void;
  /** Filled while reading: what the summary reports about the mapping. */
  report?: ReadReport;
  /** Event logs: records carry only the row's ticket (a first pass over a file; see readEventTickets). */
  ticketsOnly?: boolean;
  /** Event logs: CSV rows are read later (see readEventsDeferred). */
  deferRows?: boolean;
  /** The import's now: timestamps later than ten years after it are rejected (none when absent). */
  now?: Instant;
  /** CSV: called with the header row's cells once it is read. */
  onHeader?: (cells: string[]) => void;
}

/** A mapping file (see README "Mapping files"); validated by loadMapping. */
export interface Mapping {
  /** Absolute path it was loaded from. */
  path: string;
  format?: SourceFormat;
  /** 'events' makes `sla import` read an event log even without --events. */
  kind?: 'tickets' | 'events';
  /** Canonical field → source column. */
  columns: Record<string, string>;
  /** Source columns to drop instead of keeping as custom fields. */
  ignore?: string[];
  timestamps?: { format?: string; zone?: string };
  /** Source texts meaning "no value", e.g. ["?", "-"]. */
  missing?: string[];
  /** Per canonical field, source value → canonical value (status, priority, type …). */
  values?: Record<string, Record<string, string>>;
  /** Event logs whose rows are activities rather than typed changes. */
  events?: {
    /** Column whose value selects a rule (e.g. "Activity"). */
    activityColumn?: string;
    /** Activity → one or more events it means. */
    rules?: Record<string, Array<{ type: EventType; value?: string }>>;
    /** What an activity with no rule becomes. */
    otherwise?: 'note' | 'ignore';
    /** The first status change away from this status counts as the first agent response. */
    firstResponseAwayFrom?: string;
    /** Column identifying a row within its ticket (an audit id, a sequence number): re-imports recognise rows by it. */
    key?: string;
  };
  /** Mapped source columns that may be absent from a file (the field then has no value). */
  optional?: string[];
  /** Time fields computed from another time field plus a duration column (e.g. Zendesk's "First reply time in minutes"). */
  derive?: Record<string, DerivedTime>;
}

/** `field` = the time field `from` + the number in column `add`, in `unit`s of calendar time. */
export interface DerivedTime { from: string; add: string; unit: 'seconds' | 'minutes' | 'hours' }

/** What a reader saw that a user needs to check a mapping (import summary, --dry-run). */
export interface ReadReport {
  /** Columns taken for a field because of their name (the mapping does not name them). */
  implicitColumns: Array<{ field: string; column: string }>;
  /** Activity rule (as written in the mapping, lower-cased) → rows it matched. */
  ruleRows: Map<string, number>;
  /** Activities without a rule → rows (each became a note, or was skipped with otherwise "ignore"). */
  otherwise: Map<string, number>;
  /** Byte sequences of the source that were not UTF-8, each read as U+FFFD. */
  invalidUtf8?: number;
  /** Control characters in text fields (terminal escapes, NULs …), each replaced by U+FFFD. */
  controlChars?: number;
}
