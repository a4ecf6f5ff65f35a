// `sla pull NAME`: every change of a helpdesk since the last pull, into the database. The
// source's kind (import/sources/) reads its API a page at a time — outside any transaction —
// and turns each page into event-log rows; here each page is merged as `sla import --events`
// merges a file's rows, and written with the source's new cursor in one transaction. A pull
// killed at any moment has written whole pages with their cursor, and the next one resumes
// there; a page read again (after a kill, or a page the helpdesk repeats) brings rows whose
// identities are stored already, and changes nothing.

import { computeSla } from '../domain/sla.js';
import type { Ticket, TicketEvent } from '../domain/ticket.js';
import type { Instant } from '../domain/types.js';
import { allRowsKnown, mergeEventRows } from '../import/merge.js';
import { textDigest } from '../import/row-digest.js';
import { PullHttp, pullTuning, SourceError, TimeBudgetSpent } from '../import/sources/http.js';
import type { PullContext } from '../import/sources/kind.js';
import { sourceKindOf, type SourceConfig } from '../import/sources/registry.js';
import type { EventRow } from '../import/types.js';
import { SourceVocabulary } from '../import/vocabulary.js';
import type { PullStats } from '../store/port.js';
import { EventTally, policyAssigner } from './merged-tickets.js';
import type { Setup } from './setup.js';

/** Where a first pull starts unless told: this long before now. */
export const FIRST_PULL_MS = 30 * 86_400_000;
/** The time budget unless told: a pull fits a five-minute cron. */
export const MAX_TIME_MS = 4 * 60_000;

export interface PullOptions {
  /** Where a first pull starts (default: FIRST_PULL_MS before now). */
  since?: Instant;
  /** The time budget on the real clock (ms; default MAX_TIME_MS): the pull stops after the page it is in then. */
  maxTimeMs?: number;
  /** Start again from `since`, whatever the stored cursor says (rows pulled before are recognised). */
  restart?: boolean;
  /** Called after each page (a progress line). */
  onPage?: (p: PullProgress) => void;
}

export interface PullProgress { pages: number; tickets: number; through: Instant | null }

export interface PullSummary extends PullStats {
  source: string;
  type: string;
  /** ok: the database is current with the helpdesk; partial: the time budget ran out (the next pull resumes). */
  status: 'ok' | 'partial';
  /** Why a partial pull stopped. */
  stopped: string | null;
  firstPull: boolean;
  rowsRead: number;
  /** Rows an earlier pull (or page) already brought: recognised and skipped. */
  rowsKnown: number;
  /** Rows the helpdesk sent twice within one page: kept once. */
  rowsRepeated: number;
  ticketsNew: number;
  ticketsUpdated: number;
  ticketsUnchanged: number;
  eventsByType: Record<string, number>;
  withoutPolicy: number;
  withoutPolicyReasons: Record<string, number>;
  /** What the source left out or could not read, by what (e.g. "comments by the requester"). */
  skipped: Record<string, number>;
  /** The helpdesk's changes are in up to this instant (null: not known). */
  through: Instant | null;
  durationMs: number;
}

/** Pulls `source`'s changes into the store. A SourceError (a refused token …) is recorded on the pull and thrown. */
export async function runPull(s: Setup, source: SourceConfig, opts: PullOptions = {}): Promise<PullSummary> {
  const { store, settings, calendar, now, wall, env } = s;
  const kind = sourceKindOf(source.type);
  const started = wall();
  const deadline = started + (opts.maxTimeMs ?? MAX_TIME_MS);
  const stored = await store.pullCursor(source.name);
  if (stored && stored.kind !== source.type) {
    throw new SourceError(`source ${JSON.stringify(source.name)} was pulled as ${stored.kind}, and is ${source.type} in the config now: its cursor means nothing to ${source.type}`,
      `give the new helpdesk a new name under "sources"`);
  }
  let cursor = stored?.cursor ?? null;
  const runId = await store.startPull(source.name, started, cursor);
  const summary: PullSummary = {
    source: source.name, type: source.type, status: 'ok', stopped: null, firstPull: stored === null, requests: 0, pages: 0, tickets: 0,
    events: 0, rowsRead: 0, rowsKnown: 0, rowsRepeated: 0, ticketsNew: 0, ticketsUpdated: 0, ticketsUnchanged: 0, eventsByType: {},
    withoutPolicy: 0, withoutPolicyReasons: {}, skipped: {}, through: null, durationMs: 0,
  };
  const http = new PullHttp({
    source: source.name, base: source.url ?? kind.vendorUrl(source), headers: kind.headers(source, env), hints: kind.hints(source),
    wall, deadline, tuning: pullTuning(env),
  });
  const ctx: PullContext = {
    http, vocab: new SourceVocabulary(s.config, source.values), since: opts.since ?? now - FIRST_PULL_MS, now, identity: textDigest,
    count: (what, n = 1) => { summary.skipped[what] = (summary.skipped[what] ?? 0) + n; },
  };
  const assignPolicy = policyAssigner(settings);
  const tally = new EventTally();
  const compute = (t: Ticket, events: readonly TicketEvent[]) => computeSla(t, events, settings, calendar, now).computed;
  const touched = new Set<string>();

  const finish = async (status: 'ok' | 'partial' | 'failed', error: string | null): Promise<void> => {
    summary.requests = http.requests;
    summary.tickets = touched.size;
    summary.eventsByType = tally.toObject();
    summary.durationMs = wall() - started;
    await http.close();
    await store.finishPull(runId, wall(), summary, status, cursor, error);
  };

  try {
    for await (const page of kind.pages(source, ctx, opts.restart ? null : cursor)) {
      const byTicket = new Map<string, EventRow[]>();
      for (const r of page.rows) {
        const rows = byTicket.get(r.ticketId);
        if (rows === undefined) byTicket.set(r.ticketId, [r]);
        else if (rows.some((x) => x.digest === r.digest)) summary.rowsRepeated++;
        else rows.push(r);
      }
      summary.rowsRead += page.rows.length;
      const batch = await store.beginImport({ indexes: 'keep', expectedBytes: null, pull: true });
      try {
        await batch.prepare([...byTicket.keys()]);
        for (const [id, rows] of byTicket) {
          touched.add(id);
          const hash = batch.importHash(id);
          if (hash && allRowsKnown(rows, hash)) { summary.rowsKnown += rows.length; summary.ticketsUnchanged++; continue; }
          const loaded = batch.load(id);
          const m = mergeEventRows(loaded && { ticket: loaded.ticket, events: loaded.events, importHash: loaded.importHash }, rows);
          summary.rowsKnown += m.rowsKnown;
          const t = m.ticket;
          if (m.outcome === 'unchanged') {
            summary.ticketsUnchanged++;
            if (m.importHash !== null) batch.put(t, compute(t, m.history), [], m.importHash);
            continue;
          }
          if (m.outcome === 'new') summary.ticketsNew++;
          else summary.ticketsUpdated++;
          if (!assignPolicy(t) && m.outcome === 'new') {
            const r = t.noSlaReason ?? 'no policy';
            summary.withoutPolicy++;
            summary.withoutPolicyReasons[r] = (summary.withoutPolicyReasons[r] ?? 0) + 1;
          }
          summary.events += m.events.length;
          tally.add(m.events);
          batch.put(t, compute(t, m.history), m.events, m.importHash);
        }
        batch.advanceCursor({
          source: source.name, kind: source.type, from: cursor, to: page.cursor, savedAt: wall(), ...(page.end ? { currentAt: started } : {}),
        });
        await batch.commit();
      } catch (err) {
        await batch.rollback();
        throw err;
      }
      cursor = page.cursor;
      summary.pages++;
      if (page.through !== null) summary.through = page.through;
      opts.onPage?.({ pages: summary.pages, tickets: touched.size, through: summary.through });
      if (page.end) break;
      if (wall() >= deadline) throw new TimeBudgetSpent('the time budget ran out');
    }
  } catch (err) {
    if (err instanceof TimeBudgetSpent) {
      summary.status = 'partial';
      summary.stopped = err.why;
      await finish('partial', err.why);
      return summary;
    }
    await finish('failed', err instanceof Error ? err.message : String(err)).catch(() => undefined);
    throw err;
  }
  await finish('ok', null);
  return summary;
}
