import { hash } from 'node:crypto';
import { statSync } from 'node:fs';
// `sla import`: read an export, merge it into tickets and their histories,
// compute each ticket's SLA state, and commit the file's valid rows in one
// transaction (none of them with --strict and a bad row, none with --dry-run).

import type { BusinessTime } from '../domain/clock.js';
import { policyChooser } from '../domain/policy.js';
import { computeSla } from '../domain/sla.js';
import { TICKET_FIELD_NAMES, ticketFields, type SlaSettings, type Ticket, type TicketEvent } from '../domain/ticket.js';
import type { Instant } from '../domain/types.js';
import { beginThreadedImport } from '../store/import-writer.js';
import type { ImportBatch, Store } from '../store/store.js';
import { mergeEventRows, mergeTicketRow, type Merged } from './merge.js';
import { forEachRecord } from './records.js';
import type { EventRow, ImportRecord, ReaderOptions, TicketRow } from './types.js';

export interface ImportSummary {
  source: string;
  mode: 'tickets' | 'events';
  rowsRead: number;
  ticketsNew: number;
  ticketsUpdated: number;
  ticketsUnchanged: number;
  /** Rows older than the stored state (not applied). */
  rowsStale: number;
  eventsAdded: number;
  rejected: number;
  /** Tickets of this import that get no SLA, and why. */
  withoutPolicy: number;
  withoutPolicyReasons: Record<string, number>;
  committed: boolean;
  dryRun: boolean;
  strict: boolean;
}

export interface ImportOptions {
  reader: ReaderOptions;
  events: boolean;
  dryRun: boolean;
  strict: boolean;
  now: Instant;
  onReject: (r: { line: number; raw: Record<string, string>; reason: string }) => void;
}

export interface Readers {
  readTickets(opts: ReaderOptions): AsyncIterable<ImportRecord<TicketRow>>;
  readEvents(opts: ReaderOptions): AsyncIterable<ImportRecord<EventRow>>;
}

export async function runImport(
  store: Store,
  settings: SlaSettings,
  calendar: (name: string) => BusinessTime,
  readers: Readers,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    source: opts.reader.source, mode: opts.events ? 'events' : 'tickets', rowsRead: 0, ticketsNew: 0, ticketsUpdated: 0,
    ticketsUnchanged: 0, rowsStale: 0, eventsAdded: 0, rejected: 0, withoutPolicy: 0, withoutPolicyReasons: {},
    committed: false, dryRun: opts.dryRun, strict: opts.strict,
  };

  const choosePolicy = policyChooser<Ticket>(settings.policies, settings.tierMultipliers, TICKET_FIELD_NAMES, ticketFields);

  const finish = (batch: ImportBatch, m: Merged, stored: { ticket: Ticket; events: TicketEvent[] } | null, hash: string | null): void => {
    if (m.outcome === 'stale') { summary.rowsStale++; summary.ticketsUnchanged++; return; }
    if (m.outcome === 'unchanged') {
      summary.ticketsUnchanged++;
      if (hash !== null) batch.put(m.ticket, computeFor(m.ticket, stored!.events), [], hash);
      return;
    }
    if (m.outcome === 'new') summary.ticketsNew++;
    else summary.ticketsUpdated++;
    const t = m.ticket;
    if (!t.assignment) {
      // assignTicket's choice without its match trace (built for `show`, wasted here).
      const a = choosePolicy(t);
      if (a.ok) { t.assignment = a.assignment; t.noSlaReason = null; }
      else t.noSlaReason = a.reason;
    }
    if (!t.assignment) {
      summary.withoutPolicy++;
      const reason = t.noSlaReason ?? 'no policy';
      summary.withoutPolicyReasons[reason] = (summary.withoutPolicyReasons[reason] ?? 0) + 1;
    }
    summary.eventsAdded += m.events.length;
    const all = m.history ?? (stored ? [...stored.events, ...m.events].sort((a, b) => a.at - b.at) : m.events);
    batch.put(t, computeFor(t, all), m.events, hash);
  };

  const computeFor = (t: Ticket, events: readonly TicketEvent[]) =>
    computeSla(t, events, settings, calendar, opts.now).computed;

  const reject = (r: { line: number; raw: Record<string, string>; reason: string }): void => {
    summary.rejected++;
    opts.onReject(r);
  };

  // Opening the reader validates the header/format before any write starts.
  const batch = (writerThread(opts.reader.source) && beginThreadedImport(store)) || store.beginImport();
  try {
    if (!opts.events) {
      await forEachRecord(readers.readTickets(opts.reader), (rec) => {
        summary.rowsRead++;
        if (rec.kind === 'reject') { reject(rec); return; }
        const hash = rowHash(rec.row);
        const known = batch.importHash(rec.row.id);
        if (known === hash) { summary.ticketsUnchanged++; return; }
        const stored = known === undefined ? null : batch.load(rec.row.id);
        finish(batch, mergeTicketRow(stored?.ticket ?? null, rec.row, opts.now), stored, hash);
      });
    } else {
      const byTicket = new Map<string, EventRow[]>();
      let lastLine = -1;
      await forEachRecord(readers.readEvents(opts.reader), (rec) => {
        // One source row may mean several events (an activity rule): count rows, not events.
        if (rec.line !== lastLine) summary.rowsRead++;
        lastLine = rec.line;
        if (rec.kind === 'reject') { reject(rec); return; }
        const list = byTicket.get(rec.row.ticketId);
        if (list) list.push(rec.row);
        else byTicket.set(rec.row.ticketId, [rec.row]);
      });
      for (const [id, rows] of byTicket) {
        const stored = batch.load(id);
        finish(batch, mergeEventRows(stored, rows), stored, null);
      }
    }
    if (opts.dryRun || (opts.strict && summary.rejected > 0)) {
      batch.rollback();
    } else {
      batch.commit();
      summary.committed = true;
    }
  } catch (err) {
    batch.rollback();
    throw err;
  }
  return summary;
}

/** Files from this size on are written by a second thread (below, starting it costs more than it saves). */
const THREAD_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Whether to write on a second thread (store/import-writer.ts): for big files; always
 * with SLA_IMPORT_THREAD=1, never with SLA_IMPORT_THREAD=0.
 */
function writerThread(source: string): boolean {
  const forced = process.env.SLA_IMPORT_THREAD;
  if (forced === '0' || forced === '1') return forced === '1';
  if (source === '-') return false;
  try {
    return statSync(source).size >= THREAD_MIN_BYTES;
  } catch {
    return false;
  }
}

/**
 * Digest of a normalised row: the same row imported again is skipped at once. 64 bits
 * (two 32-bit lanes) over every field, computed field by field — no JSON, no crypto: it
 * only has to tell a ticket's row from that ticket's previous row. A row with a field
 * this function does not know is digested from its JSON instead.
 */
export function rowHash(row: TicketRow): string {
  h1 = 0x811c9dc5;
  h2 = 0x2545f491;
  let known = mixStr(row.id) + mixNum(row.createdAt) + mixNum(row.firstResponseAt) + mixNum(row.resolvedAt) +
    mixNum(row.closedAt) + mixNum(row.updatedAt) + mixStr(row.subject) + mixStr(row.requester) + mixStr(row.customer) +
    mixStr(row.tier) + mixStr(row.priority) + mixStr(row.status) + mixStr(row.assignee) + mixStr(row.group) +
    mixStr(row.channel);
  if (row.tags === undefined) mix(UNDEFINED);
  else {
    known++;
    mix(LIST);
    mix(row.tags.length);
    for (const t of row.tags) mixStr(t);
  }
  if (row.custom === undefined) mix(UNDEFINED);
  else {
    known++;
    mix(OBJECT);
    let n = 0;
    for (const k in row.custom) {
      const v: unknown = row.custom[k];
      mixStr(k);
      mixStr(typeof v === 'string' ? v : JSON.stringify(v));
      n++;
    }
    mix(n);
  }
  let fields = 0;
  for (const k in row) if ((row as unknown as Record<string, unknown>)[k] !== undefined) fields++;
  if (fields !== known) return 'j' + hash('sha1', JSON.stringify(row), 'base64');
  // 16 hex digits, made as one flat string (it is compared and stored, never sliced).
  const a = fmix(h1);
  const b = fmix(h2);
  return String.fromCharCode(
    HEX[a >>> 28], HEX[(a >>> 24) & 15], HEX[(a >>> 20) & 15], HEX[(a >>> 16) & 15],
    HEX[(a >>> 12) & 15], HEX[(a >>> 8) & 15], HEX[(a >>> 4) & 15], HEX[a & 15],
    HEX[b >>> 28], HEX[(b >>> 24) & 15], HEX[(b >>> 20) & 15], HEX[(b >>> 16) & 15],
    HEX[(b >>> 12) & 15], HEX[(b >>> 8) & 15], HEX[(b >>> 4) & 15], HEX[b & 15],
  );
}

// rowHash's state, and tags that mark what follows.
let h1 = 0;
let h2 = 0;
const UNDEFINED = 0x10001;
const NULL = 0x10002;
const STRING = 0x10003;
const INT = 0x10004;
const NUMBER = 0x10005;
const LIST = 0x10006;
const OBJECT = 0x10007;

const P1 = 0x01000193;
const P2 = 0x5bd1e995;

function mix(c: number): void {
  h1 = Math.imul(h1 ^ c, P1);
  h2 = Math.imul(h2 ^ c, P2);
  h2 ^= h2 >>> 15;
}

/** 1 when the field is present (not undefined). */
function mixStr(value: string | null | undefined): number {
  if (value === undefined) { mix(UNDEFINED); return 0; }
  if (value === null) { mix(NULL); return 1; }
  // Not text (the readers give text; just in case): its JSON.
  const s: string = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const n = s.length;
  mix(STRING);
  mix(n);
  // mix() per two 16-bit code units, with the state in locals: h1/h2 are module
  // variables, which V8 keeps in memory (a context), not in registers.
  let a = h1;
  let b = h2;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const c = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    a = Math.imul(a ^ c, P1);
    b = Math.imul(b ^ c, P2);
    b ^= b >>> 15;
  }
  h1 = a;
  h2 = b;
  if (i < n) mix(s.charCodeAt(i));
  return 1;
}

function mixNum(n: number | null | undefined): number {
  if (n === undefined) { mix(UNDEFINED); return 0; }
  if (n === null) { mix(NULL); return 1; }
  if (typeof n !== 'number') {
    mix(NUMBER);
    mixStr(JSON.stringify(n) ?? String(n));
  } else if (Number.isSafeInteger(n)) {
    mix(INT);
    mix(n >>> 0);
    mix(Math.floor(n / 4294967296));
  } else {
    mix(NUMBER);
    mixStr(String(n));
  }
  return 1;
}

/** Character codes of the hex digits. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
