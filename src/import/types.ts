// The boundary between reading an export (formats, mappings, vocabularies) and
// merging it into the store (import service). Readers yield normalised records.

import type { Instant } from '../domain/types.js';

/** Canonical ticket columns (SPEC §4); anything else is a custom field. */
export const TICKET_COLUMNS = [
  'id', 'subject', 'requester', 'customer', 'tier', 'priority', 'status', 'assignee', 'group', 'channel', 'tags',
  'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'updated_at',
] as const;

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
export interface TicketRow extends TicketAttrs {
  id: string;
  createdAt: Instant;
  firstResponseAt: Instant | null;
  resolvedAt: Instant | null;
  closedAt: Instant | null;
  updatedAt: Instant | null;
}

/** One change of an event log. A source row may yield several (same line). */
export interface EventRow {
  ticketId: string;
  at: Instant;
  type: EventType;
  value: string | null;
  actor: string | null;
  /** Ticket attributes the row carries (last value wins). */
  attrs: TicketAttrs;
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
  };
}
