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
import { rowHash } from './digest.js';
import { forEachRecord } from './records.js';
import type { EventRow, ImportRecord, ReaderOptions, ReadReport, TicketRow } from './types.js';

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
  /** Events added, by type; status events also by status (`status:waiting_customer`). */
  eventsByType: Record<string, number>;
  /** Event logs: rows an earlier import already brought (recognised and skipped). */
  rowsKnown: number;
  /** Event logs: tickets whose created_at came after their first row (created at the first row). */
  createdAfterFirstRow: number;
  /** Activity rules of the mapping that matched no row. */
  rulesUnmatched: string[];
  /** Activities without a rule (they became notes, or were skipped with otherwise "ignore"): the most frequent, with their rows. */
  otherwise: Array<{ value: string; rows: number }>;
  /** Rows whose activity had no rule. */
  otherwiseRows: number;
  /** With a mapping: columns taken for a field because of their name. */
  implicitColumns: Array<{ field: string; column: string }>;
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
    committed: false, dryRun: opts.dryRun, strict: opts.strict, eventsByType: {}, rowsKnown: 0, createdAfterFirstRow: 0,
    rulesUnmatched: [], otherwise: [], otherwiseRows: 0, implicitColumns: [],
  };
  const report: ReadReport = opts.reader.report ?? { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() };
  const reader: ReaderOptions = { ...opts.reader, report };

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
      // assignTicket's choice without its match trace (built for `show`, wasted here), on the
      // priority the ticket had when its clock started (a later change keeps the targets).
      const a = choosePolicy(t.initialPriority === null || t.initialPriority === t.priority ? t : { ...t, priority: t.initialPriority });
      if (a.ok) { t.assignment = a.assignment; t.noSlaReason = null; }
      else t.noSlaReason = a.reason;
    }
    if (!t.assignment) {
      summary.withoutPolicy++;
      const reason = t.noSlaReason ?? 'no policy';
      summary.withoutPolicyReasons[reason] = (summary.withoutPolicyReasons[reason] ?? 0) + 1;
    }
    summary.eventsAdded += m.events.length;
    const byType = summary.eventsByType;
    for (const e of m.events) {
      byType[e.type] = (byType[e.type] ?? 0) + 1;
      if (e.type === 'status') byType[`status:${e.value}`] = (byType[`status:${e.value}`] ?? 0) + 1;
    }
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
      await forEachRecord(readers.readTickets(reader), (rec) => {
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
      await forEachRecord(readers.readEvents(reader), (rec) => {
        summary.rowsRead++;
        if (rec.kind === 'reject') { reject(rec); return; }
        const list = byTicket.get(rec.row.ticketId);
        if (list) list.push(rec.row);
        else byTicket.set(rec.row.ticketId, [rec.row]);
      });
      const rules = { awayFrom: opts.reader.mapping?.events?.firstResponseAwayFrom ?? null };
      for (const [id, rows] of byTicket) {
        const stored = batch.load(id);
        const m = mergeEventRows(stored && { ...stored, importHash: batch.importHash(id) }, rows, rules);
        summary.rowsKnown += m.rowsKnown;
        if (m.createdAfterFirstRow) summary.createdAfterFirstRow++;
        finish(batch, m, stored, m.importHash);
      }
    }
    summary.implicitColumns = opts.reader.mapping ? report.implicitColumns : [];
    summary.rulesUnmatched = [...report.ruleRows].filter(([, n]) => n === 0).map(([rule]) => rule);
    const otherwise = [...report.otherwise].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    summary.otherwise = otherwise.slice(0, 10).map(([value, rows]) => ({ value, rows }));
    summary.otherwiseRows = otherwise.reduce((n, [, rows]) => n + rows, 0);
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

export { rowHash };
