import { statSync } from 'node:fs';
// `sla import`: read an export, merge it into tickets and their histories,
// compute each ticket's SLA state, and commit the file's valid rows in one
// transaction (none of them with --strict and a bad row, none with --dry-run).

import type { BusinessTime } from '../domain/clock.js';
import { computeSla } from '../domain/sla.js';
import type { SlaSettings, Ticket, TicketEvent } from '../domain/ticket.js';
import { EventTally, policyAssigner } from './merged-tickets.js';
import type { Instant } from '../domain/types.js';
import { threadsPay } from '../helper-thread.js';
import { trace } from '../import-trace.js';
import type { ImportBatch, Store } from '../store/port.js';
import { allRowsKnown, mergeEventRows, mergeTicketRow, type Merged } from '../import/merge.js';
import { rowHash } from '../import/row-digest.js';
import { forEachRecord } from '../import/records.js';
import type { DeferredEventReader, PlainTicketPlan } from '../import/read.js';
import { detectFormat } from '../import/source.js';
import { readFromThread, startReadThread } from '../import/read-thread.js';
import { groupedByTicket, LineSet, ticketEnds } from '../import/ticket-ends.js';
import { DECIDE_ROWS, TicketQueue } from '../import/ticket-queue.js';
import { WaitingText } from '../import/waiting.js';
import type { DeferredRow, EventRow, ImportRecord, ReaderOptions, ReadReport, ExportTicketRow, Vocabulary } from '../import/types.js';

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
  /** Tickets created after the import's now (a time zone or clock off?): imported, and counted here. */
  createdAfterNow: number;
  /** Byte sequences of the file that were not UTF-8 (each read as U+FFFD). */
  invalidUtf8: number;
  /** Control characters in text fields (terminal escapes, NULs …), each stored as U+FFFD. */
  controlChars: number;
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
  readTickets(opts: ReaderOptions): AsyncIterable<ImportRecord<ExportTicketRow>>;
  readEvents(opts: ReaderOptions): AsyncIterable<ImportRecord<EventRow>>;
  /** The ticket of each row only (a quick first pass over a file). */
  readEventTickets?(opts: ReaderOptions): AsyncIterable<ImportRecord<Pick<EventRow, 'ticketId'>>>;
  /** Event rows, CSV ones possibly deferred (read when `read` is called). */
  readEventsDeferred?(opts: ReaderOptions): {
    records: AsyncIterable<ImportRecord<EventRow | DeferredRow>>;
    read(deferred: string, line: number): ImportRecord<EventRow>;
  };
  /** Reads deferred rows of a CSV event log with this header row (read on another thread). */
  deferredEventReader?(opts: ReaderOptions, header: string[]): DeferredEventReader;
  /** How that thread finds the tickets of a plain CSV file with this header row in its bytes. */
  plainTicketPlan?(opts: ReaderOptions, header: string[]): PlainTicketPlan;
}

/** What an import is given of the command's setup (app/setup.ts). */
export interface ImportSetup {
  store: Store;
  settings: SlaSettings;
  calendar: (name: string) => BusinessTime;
}

/** The words a source is read with, from the config (status map, priority aliases, zone). */
export function configVocabulary(c: Vocabulary): Vocabulary {
  return { statusMap: c.statusMap, priorityAliases: c.priorityAliases, priorities: c.priorities, timezone: c.timezone };
}

export async function runImport(s: ImportSetup, readers: Readers, opts: ImportOptions): Promise<ImportSummary> {
  const { store, settings, calendar } = s;
  const summary: ImportSummary = {
    source: opts.reader.source, mode: opts.events ? 'events' : 'tickets', rowsRead: 0, ticketsNew: 0, ticketsUpdated: 0,
    ticketsUnchanged: 0, rowsStale: 0, eventsAdded: 0, rejected: 0, withoutPolicy: 0, withoutPolicyReasons: {},
    committed: false, dryRun: opts.dryRun, strict: opts.strict, eventsByType: {}, rowsKnown: 0, createdAfterFirstRow: 0,
    rulesUnmatched: [], otherwise: [], otherwiseRows: 0, implicitColumns: [], createdAfterNow: 0, invalidUtf8: 0, controlChars: 0,
  };
  const report: ReadReport = opts.reader.report ?? { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() };
  const reader: ReaderOptions = { ...opts.reader, report, now: opts.now };

  const eventsByType = new EventTally();
  const assignPolicy = policyAssigner(settings);

  const OUTCOMES = ['unchanged', 'updated', 'new'] as const;
  const bump = (outcome: (typeof OUTCOMES)[number], by: number): void => {
    if (outcome === 'new') summary.ticketsNew += by;
    else if (outcome === 'updated') summary.ticketsUpdated += by;
    else summary.ticketsUnchanged += by;
  };
  const bumpNoPolicy = (reason: string | null, by: number): void => {
    const r = reason ?? 'no policy';
    summary.withoutPolicy += by;
    summary.withoutPolicyReasons[r] = (summary.withoutPolicyReasons[r] ?? 0) + by;
    if (summary.withoutPolicyReasons[r] === 0) delete summary.withoutPolicyReasons[r];
  };

  /**
   * Counts and writes a merged ticket. `prev`: what an earlier round of this import counted
   * for the same ticket (an event log merged in rounds), which this one corrects: a ticket
   * is counted once, as the most it became (new > updated > unchanged). Returns what it counted:
   * the outcome's index in OUTCOMES, +4 when counted without a policy.
   */
  const finish = (
    batch: ImportBatch, m: Merged, stored: { ticket: Ticket; events: TicketEvent[] } | null, hash: string | null, prev = -1,
  ): number => {
    if (m.outcome === 'stale') { summary.rowsStale++; summary.ticketsUnchanged++; return 0; }
    let outcome = OUTCOMES.indexOf(m.outcome);
    if (prev >= 0) {
      bump(OUTCOMES[prev & 3], -1);
      if (prev & 4) bumpNoPolicy(stored?.ticket.noSlaReason ?? null, -1);
      outcome = Math.max(outcome, prev & 3);
    }
    bump(OUTCOMES[outcome], 1);
    if (m.outcome === 'unchanged') {
      if (hash !== null) batch.put(m.ticket, computeFor(m.ticket, stored!.events), [], hash);
      if (prev & 4 && prev >= 0) { bumpNoPolicy(m.ticket.noSlaReason, 1); return outcome | 4; }
      return outcome;
    }
    const t = m.ticket;
    if (prev < 0 && t.createdAt > opts.now) summary.createdAfterNow++;
    if (!assignPolicy(t)) { bumpNoPolicy(t.noSlaReason, 1); outcome |= 4; }
    summary.eventsAdded += m.events.length;
    eventsByType.add(m.events);
    const all = m.history ?? (stored ? [...stored.events, ...m.events].sort((a, b) => a.at - b.at) : m.events);
    batch.put(t, computeFor(t, all), m.events, hash);
    return outcome;
  };

  const computeFor = (t: Ticket, events: readonly TicketEvent[]) =>
    computeSla(t, events, settings, calendar, opts.now).computed;

  const reject = (r: { line: number; raw: Record<string, string>; reason: string }): void => {
    summary.rejected++;
    opts.onReject(r);
  };

  // Opening the reader validates the header/format before any write starts. Whether an
  // event log (a file) is grouped by ticket is told from its first rows first: a log in time
  // order writes a ticket per several rows read, and keeps the indexes up as it writes (see
  // ImportIndexes); one grouped by ticket writes about as fast as it reads, and rebuilds them.
  let header = null as string[] | null;
  const grouped = opts.events && opts.reader.source !== '-' && readers.readEventTickets
    ? await groupedByTicket(readers.readEventTickets, { ...reader, onHeader: (cells) => { header = cells; } }, DECIDE_ROWS) : undefined;
  const indexes = grouped === false ? 'keep' : 'rebuild';
  const expectedBytes = fileBytes(opts.reader.source);
  const batch = await store.beginImport({ indexes, expectedBytes });
  try {
    if (!opts.events) {
      // Each chunk's tickets are made ready first (the store's prepare) and decided after.
      const prepareChunk = (chunk: ReadonlyArray<ImportRecord<ExportTicketRow>>): Promise<void> => {
        const ids: string[] = [];
        for (let i = 0; i < chunk.length; i++) {
          const rec = chunk[i];
          if (rec.kind === 'row') ids.push(rec.row.id);
        }
        return batch.prepare(ids);
      };
      await forEachRecord(readers.readTickets(reader), (rec) => {
        summary.rowsRead++;
        if (rec.kind === 'reject') { reject(rec); return; }
        const hash = rowHash(rec.row);
        const known = batch.importHash(rec.row.id);
        if (known === hash) { summary.ticketsUnchanged++; return; }
        const stored = known === undefined ? null : batch.load(rec.row.id);
        finish(batch, mergeTicketRow(stored?.ticket ?? null, rec.row, opts.now), stored, hash);
      }, { before: prepareChunk });
    } else {
      // When is a ticket's last row read? A file is first read for its tickets only
      // (ticketEnds): in a log grouped by ticket, a ticket's rows end when the next ticket's
      // begin, and each ticket is merged then (its rows die young); in any other order (a log
      // in time order), each ticket's last line is known and the ticket is merged when that
      // line is read. Rows wait only while their ticket has more to come (ticket-queue.ts).
      // Standard input cannot be read twice: grouped or not is told from its first rows, and
      // in a log not grouped rows wait in a window. Memory stays bounded whatever the log's size.
      // A ticket whose rows come back after it was merged is merged again with those rows,
      // as a log split into files imported in order is (the same history: see merge.ts);
      // `rounds` remembers, per ticket merged so far, where its digests of this import start
      // and what was counted for it (one number, start * 8 + counted: a grouped log merges
      // every ticket with more rows possibly to come, and an object per ticket costs memory).
      const rounds = new Map<string, number>();
      const round = (start: number, counted: number): number => start * 8 + counted;
      const rules = { awayFrom: opts.reader.mapping?.events?.firstResponseAwayFrom ?? null };
      // `last`: the ticket's last row is among them (it cannot come back: no round to remember)
      const mergeTicket = (id: string, rows: EventRow[], last: boolean): void => {
        if (rows.length === 0) return; // all rejected
        const r = rounds.get(id);
        const before = r === undefined ? undefined : { start: Math.floor(r / 8), counted: r % 8 };
        if (before === undefined) {
          const hash = batch.importHash(id);
          if (hash && allRowsKnown(rows, hash)) {
            // an earlier import brought all of them (a re-import): nothing to read or write
            summary.rowsKnown += rows.length;
            bump('unchanged', 1);
            rounds.set(id, round(hash.length, 0));
            return;
          }
        }
        const loaded = batch.load(id);
        const importHash = loaded?.importHash ?? null;
        const stored = loaded && { ticket: loaded.ticket, events: loaded.events };
        const m = mergeEventRows(stored && { ...stored, importHash, importStart: before?.start }, rows, rules);
        summary.rowsKnown += m.rowsKnown;
        if (m.createdAfterFirstRow) summary.createdAfterFirstRow++;
        const counted = finish(batch, m, stored, m.importHash, before?.counted);
        // where this import's digests start: after the earlier imports' (none when the ticket
        // had none, or a ticket row's digest, which this import's digests replace)
        if (!last) rounds.set(id, round(before?.start ?? (importHash?.charCodeAt(0) === 101 ? importHash.length : 1), counted));
      };
      // A big file in time order is read by a second thread (read-thread.ts), which hands
      // over each ticket's rows, unread, when its last row comes; the rows are read here.
      const thread = grouped === false && readers.deferredEventReader && detectFormat(reader) === 'csv'
        && threadsPay(expectedBytes) ? startReadThread(reader, header && readers.plainTicketPlan ? readers.plainTicketPlan(reader, header) : null) : null;
      if (thread) trace('event log read on a second thread', 0);
      // While it reads the file for its tickets (nothing to merge yet), the calendars get
      // ready here (a country's public holidays load their library) for the year of the
      // log's first row: a log in time order starts there, and its tickets' clocks run from
      // then on (now's year is made when a clock first needs it).
      if (thread) {
        const from = await firstInstant(readers.readEvents, reader) ?? opts.now;
        for (const name of new Set(settings.policies.map((p) => p.calendar))) calendar(name).openBetween(from, from + 60_000);
      }
      if (thread) {
        await readFromThread(thread, reader, readers.deferredEventReader!, summary, report, reject, mergeTicket, (ids) => batch.prepare(ids));
      }
      else {
        // null: grouped by ticket; undefined: not known (standard input, told by the queue from its first rows)
        const ends = grouped ? null : grouped === undefined || !readers.readEventTickets ? undefined : await ticketEnds(readers.readEventTickets, reader);
        // In time order, rows wait unread, as text outside the heap (a slot of `waiting` each),
        // and are read when their ticket is merged.
        const deferred = ends instanceof LineSet && readers.readEventsDeferred ? readers.readEventsDeferred(reader) : null;
        const waiting = deferred ? new WaitingText() : null;
        const readRows = (rows: Array<EventRow | number>): EventRow[] => {
          if (deferred === null || waiting === null) return rows as EventRow[];
          const out: EventRow[] = [];
          for (let i = 0; i < rows.length; i++) {
            const r = rows[i];
            if (typeof r !== 'number') { out.push(r); continue; }
            const line = waiting.lineOf(r);
            const rec = deferred.read(waiting.take(r), line);
            if (rec.kind === 'row') out.push(rec.row);
            else reject(rec);
          }
          return out;
        };
        // The tickets the queue hands over while a chunk is read are merged after it, in the
        // order handed over, once the store has made them ready (prepare).
        const handed: Array<{ id: string; rows: EventRow[]; last: boolean }> = [];
        const mergeHanded = async (): Promise<void> => {
          if (handed.length === 0) return;
          await batch.prepare(handed.map((h) => h.id));
          for (const h of handed.splice(0)) mergeTicket(h.id, h.rows, h.last);
        };
        const queue = new TicketQueue<EventRow | number>(ends, (id, queued, last) => { handed.push({ id, rows: readRows(queued), last }); }, (id) => rounds.has(id));
        await forEachRecord<EventRow | DeferredRow>(deferred?.records ?? readers.readEvents(reader), (rec) => {
          summary.rowsRead++;
          if (rec.kind === 'reject') { reject(rec); queue.skip(); return; }
          const row = rec.row;
          queue.row(row.ticketId, 'cells' in row ? (waiting as WaitingText).put(row.sep, row.cells, rec.line) : row, rec.line);
        }, { after: mergeHanded });
        queue.end();
        await mergeHanded();
      }
    }
    summary.eventsByType = eventsByType.toObject();
    summary.implicitColumns = opts.reader.mapping ? report.implicitColumns : [];
    summary.invalidUtf8 = report.invalidUtf8 ?? 0;
    summary.controlChars = report.controlChars ?? 0;
    summary.rulesUnmatched = [...report.ruleRows].filter(([, n]) => n === 0).map(([rule]) => rule);
    const otherwise = [...report.otherwise].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    summary.otherwise = otherwise.slice(0, 10).map(([value, rows]) => ({ value, rows }));
    summary.otherwiseRows = otherwise.reduce((n, [, rows]) => n + rows, 0);
    if (opts.dryRun || (opts.strict && summary.rejected > 0)) {
      await batch.rollback();
    } else {
      await batch.commit();
      summary.committed = true;
    }
  } catch (err) {
    await batch.rollback();
    throw err;
  }
  return summary;
}


/** The instant of an event log's first row (its creation when that comes first); null when its first chunk has none. */
async function firstInstant(read: Readers['readEvents'], reader: ReaderOptions): Promise<number | null> {
  const report: ReadReport = { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() };
  for await (const rec of read({ ...reader, report, onProgress: undefined, onHeader: undefined })) {
    if (rec.kind === 'row') return Math.min(rec.row.at, rec.row.createdAt ?? rec.row.at);
    if (rec.line > 1000) break;
  }
  return null;
}

/** A file's size in bytes; null for standard input, or a file that cannot be read (its reader says why). */
function fileBytes(source: string): number | null {
  if (source === '-') return null;
  try {
    return statSync(source).size;
  } catch {
    return null;
  }
}

export { rowHash };
