// What a kind of pull source is (Zendesk, Freshdesk, Jira Service Management): one file each,
// listed by config `type` in registry.ts. A kind owns everything about its helpdesk: its config
// entry (checked and resolved at load), its credentials (resolved at the moment of use, never
// stored), and how its API's pages become event-log rows — the rows `sla import --events`
// merges, so a pull and an import of the same history give the same tickets. It reads; the
// use case (app/pull.ts) writes each page with its cursor in one transaction.

import type { z } from 'zod';
import type { Instant } from '../../domain/types.js';
import type { EventRow } from '../types.js';
import type { SourceVocabulary } from '../vocabulary.js';
import type { PullHttp, RefusalHints } from './http.js';

/** A problem at `path`, below the source's own path (sources.<name>). */
export type Report = (path: PropertyKey[], message: string) => void;

/** What every source's resolved entry has. */
export interface SourceConfigBase {
  name: string;
  type: string;
  /** Replaces the vendor's base URL (a proxy, a sandbox, a test server); null: the vendor's. */
  url: string | null;
  /** Canonical field (customer, tier, group, …, custom.NAME) → the helpdesk's field (see each kind). */
  columns: Record<string, string>;
  /** Per canonical field, the helpdesk's value → sla's (status, priority, tier …), keys lower-cased. */
  values: Record<string, Record<string, string>>;
}

/** One page of a source's changes, read: rows to merge and where the source stands after them. */
export interface PullPage {
  rows: EventRow[];
  /** The cursor after this page (the kind's JSON text), saved with the page's rows. */
  cursor: string;
  /** This page reached the end of the source's changes: the database is then current. */
  end: boolean;
  /** The source's changes are in up to this instant (for the progress line); null: not known. */
  through: Instant | null;
}

/** What a kind reads its pages with. */
export interface PullContext {
  http: PullHttp;
  vocab: SourceVocabulary;
  /** Where a first pull starts (--since, default 30 days before now). */
  since: Instant;
  now: Instant;
  /** A row's identity from a text that names it for good (an audit's id): the same text, the same identity. */
  identity(text: string): string;
  /** Counts what the pull left out or could not read, by a phrase that says what (the summary shows them). */
  count(what: string, n?: number): void;
}

export interface SourceKind<C extends SourceConfigBase = SourceConfigBase> {
  type: C['type'];
  /** Its entry's own fields (besides type, url and mapping), for the config's schema. */
  fields: z.ZodRawShape;
  /** The resolved entry from the schema-checked `raw`; `base` is the common part, resolved already. */
  load(raw: Record<string, unknown>, base: SourceConfigBase, report: Report): C;
  /** The entry's texts that name environment variables (lint warns about unset ones). */
  variableTexts(c: C): Array<{ path: PropertyKey[]; text: string }>;
  /** The vendor's base URL for the entry (used when it has no `url`). */
  vendorUrl(c: C): string;
  /** The request headers that authenticate, with the $VARS resolved from `env` (never stored, never printed). */
  headers(c: C, env: NodeJS.ProcessEnv): Record<string, string>;
  hints(c: C): RefusalHints;
  /** The changes after `cursor` (null: a first pull, from ctx.since), a page at a time. */
  pages(c: C, ctx: PullContext, cursor: string | null): AsyncGenerator<PullPage>;
}
