import { hash } from 'node:crypto';
// `sla import`: read an export, merge it into tickets and their histories,
// compute each ticket's SLA state, and commit the file's valid rows in one
// transaction (none of them with --strict and a bad row, none with --dry-run).

import type { BusinessTime } from '../domain/clock.js';
import { computeSla } from '../domain/sla.js';
import { assignTicket, type SlaSettings, type Ticket, type TicketEvent } from '../domain/ticket.js';
import type { Instant } from '../domain/types.js';
import type { ImportBatch, Store } from '../store/store.js';
import { mergeEventRows, mergeTicketRow, type Merged } from './merge.js';
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
      const a = assignTicket(t, settings);
      if (a.ok) { t.assignment = a.assignment; t.noSlaReason = null; }
      else t.noSlaReason = a.reason;
    }
    if (!t.assignment) {
      summary.withoutPolicy++;
      const reason = t.noSlaReason ?? 'no policy';
      summary.withoutPolicyReasons[reason] = (summary.withoutPolicyReasons[reason] ?? 0) + 1;
    }
    summary.eventsAdded += m.events.length;
    const all = stored ? [...stored.events, ...m.events].sort((a, b) => a.at - b.at) : m.events;
    batch.put(t, computeFor(t, all), m.events, hash);
  };

  const computeFor = (t: Ticket, events: readonly TicketEvent[]) =>
    computeSla(t, events, settings, calendar, opts.now).computed;

  const reject = (r: { line: number; raw: Record<string, string>; reason: string }): void => {
    summary.rejected++;
    opts.onReject(r);
  };

  // Opening the reader validates the header/format before any write starts.
  const batch = store.beginImport();
  try {
    if (!opts.events) {
      for await (const rec of readers.readTickets(opts.reader)) {
        summary.rowsRead++;
        if (rec.kind === 'reject') { reject(rec); continue; }
        const hash = rowHash(rec.row);
        const known = batch.importHash(rec.row.id);
        if (known === hash) { summary.ticketsUnchanged++; continue; }
        const stored = known === undefined ? null : batch.load(rec.row.id);
        finish(batch, mergeTicketRow(stored?.ticket ?? null, rec.row, opts.now), stored, hash);
      }
    } else {
      const byTicket = new Map<string, EventRow[]>();
      let lastLine = -1;
      for await (const rec of readers.readEvents(opts.reader)) {
        // One source row may mean several events (an activity rule): count rows, not events.
        if (rec.line !== lastLine) summary.rowsRead++;
        lastLine = rec.line;
        if (rec.kind === 'reject') { reject(rec); continue; }
        const list = byTicket.get(rec.row.ticketId);
        if (list) list.push(rec.row);
        else byTicket.set(rec.row.ticketId, [rec.row]);
      }
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

/** Digest of a normalised row: the same row imported again is skipped at once. */
export function rowHash(row: TicketRow): string {
  return hash('sha1', JSON.stringify(row), 'base64');
}
