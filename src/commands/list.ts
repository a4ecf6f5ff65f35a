// sla list — open tickets, most urgent first, filtered in SQL on the stored
// instants; only the page shown is evaluated with the clock. `--all` exports
// every ticket created in a window with its (final) SLA results.

import { firstOf, listTickets, nextMetric, take, type Evaluated } from '../app/open-tickets.js';
import type { MetricState } from '../domain/clock.js';
import type { Ticket } from '../domain/ticket.js';
import type { Instant, Metric } from '../domain/types.js';
import { METRIC, METRICS } from '../domain/metrics.js';
import { clip, formatDuration, isoUtc, localTime, minutes } from '../render/format.js';
import { DATA_FORMATS } from '../render/output.js';
import { firstResponseMinutes, ticketJson } from '../render/ticket-json.js';
import type { ListFilter, SortKey, StatusFilter } from '../store/port.js';
import { parseMetric } from './agent-ops.js';
import { usageError, type Context } from './context.js';
import { canonicalPriority } from './priority.js';

interface Opts {
  status?: string; metric?: string; priority?: string; tier?: string; assignee?: string; unassigned?: boolean;
  dueWithin?: string; sort?: string; limit?: string; all?: boolean; since?: string; until?: string;
}

const STATUSES: readonly StatusFilter[] = ['on_time', 'at_risk', 'breached', 'paused'];
const SORTS: readonly SortKey[] = ['due', 'priority', 'created'];
/** Rows a table shows when no --limit is given (csv and json give them all). */
const TABLE_DEFAULT_LIMIT = 100;

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', 'markdown', ...DATA_FORMATS]);
  const config = await ctx.config();
  const zone = config.timezone;

  const status = opts.status === undefined ? undefined : (opts.status.trim().toLowerCase().replace('-', '_') as StatusFilter);
  if (status !== undefined && !STATUSES.includes(status)) {
    throw usageError(`--status ${JSON.stringify(opts.status)} is not a status`, `use one of: ${STATUSES.join(', ')}`);
  }
  const metric = parseMetric(opts.metric);
  let priority: string | undefined;
  if (opts.priority !== undefined) {
    priority = canonicalPriority(config, opts.priority) ?? undefined;
    if (!priority) throw usageError(`unknown priority ${JSON.stringify(opts.priority)}`, `use one of: ${config.priorities.join(', ')}`);
  }
  if (opts.unassigned && opts.assignee !== undefined) throw usageError('--assignee and --unassigned exclude each other', 'give one of them');
  const sort = (opts.sort ?? 'due') as SortKey;
  if (!SORTS.includes(sort)) throw usageError(`--sort ${JSON.stringify(opts.sort)} is not a sort key`, `use one of: ${SORTS.join(', ')}`);
  let limit: number | null = null;
  if (opts.limit !== undefined) {
    if (!/^\d+$/.test(opts.limit.trim())) throw usageError(`--limit ${JSON.stringify(opts.limit)} is not a number`, 'give a whole number (0 = no limit)');
    limit = Number(opts.limit) || null;
  } else if (format === 'table' || format === 'markdown') {
    limit = TABLE_DEFAULT_LIMIT;
  }
  let dueWithinMs: number | undefined;
  if (opts.dueWithin !== undefined) {
    const { parseDuration } = await import('../config/duration.js');
    try {
      dueWithinMs = parseDuration(opts.dueWithin) * 60_000;
    } catch (e) {
      throw usageError(`--due-within ${(e as Error).message}`, 'e.g. --due-within 2h');
    }
  }
  if (!opts.all && (opts.since !== undefined || opts.until !== undefined)) {
    throw usageError('--since and --until select the creation window of --all', 'add --all (sla list --all --since 2026-11-01)');
  }
  const now = await ctx.now();
  const filter: ListFilter = { status, metric, priority, tier: opts.tier, assignee: opts.assignee, unassigned: Boolean(opts.unassigned), dueWithinMs };
  const all = opts.all
    ? {
      since: opts.since !== undefined ? await ctx.parseTime(opts.since, zone, '--since') : null,
      until: opts.until !== undefined ? await ctx.parseTime(opts.until, zone, '--until') : null,
    }
    : null;
  const { rows, total: totalOf, totalNeedsAllRows } = await listTickets(await ctx.setup(), {
    filter, sort, limit, all, past: ctx.globals.at !== undefined,
  });

  if (format !== 'table' && format !== 'markdown') {
    // streamed (a list can be every ticket); the CSV is the flat export (CSV_HEADER), the JSON the ticket JSON
    const { csvLine } = await import('../render/csv.js');
    const json = (e: Evaluated): string => JSON.stringify({ ...ticketJson(e.rec.ticket, e.clock), breachReasons: e.rec.breachReasons });
    let buf = format === 'json' ? '[' : format === 'csv' ? csvLine(CSV_HEADER, true) : '';
    let n = 0;
    for await (const e of take(rows, limit)) {
      buf += format === 'json' ? (n ? ',' : '') + json(e) : format === 'ndjson' ? `${json(e)}\n` : csvLine(csvRow(e), true);
      if (++n % 500 === 0) { ctx.stdout.write(buf); buf = ''; }
    }
    ctx.stdout.write(format === 'json' ? buf + ']\n' : buf);
    return 0;
  }
  const shown = await firstOf(rows, limit);
  if (totalNeedsAllRows) for await (const _ of rows) { /* count the rest for the footer */ }
  const total = totalOf();
  const [{ fitColumn, makeChalk, renderTable }, { markdownTable, mdCell }] = await Promise.all([
    import('../render/table.js'), import('../render/markdown.js'),
  ]);
  const md = format === 'markdown';
  const mdCells = (rows: Array<Array<string | number>>): string[][] => rows.map((r) => r.map((c) => mdCell(String(c))));
  const chalk = makeChalk(ctx.color && !md);
  const paint = (s: string | null, text: string): string =>
    s === 'breached' ? chalk.red(text) : s === 'at_risk' ? chalk.yellow(text) : s === 'paused' ? chalk.dim(text) : text;
  const what = opts.all
    ? `Tickets created ${opts.since ? `from ${opts.since} ` : ''}${opts.until ? `until ${opts.until} ` : ''}(as of ${localTime(now, zone)})`
    : `Open tickets as of ${localTime(now, zone)}`;
  if (!ctx.globals.quiet) {
    ctx.out(md ? `**${mdCell(`${what} — times in ${zone}`)}**` : `${what} — times in ${zone}`);
    if (md) ctx.out(); // a Markdown table starts after a blank line
  }
  if (shown.length === 0) {
    ctx.out(md ? '_no tickets match_' : 'no tickets match');
    return 0;
  }
  // Dates without the year while every one shown is in the year of `now`; else with it.
  const year = localTime(now, zone).slice(0, 4);
  const withYear = !shown.every((e) => shownInstants(e, opts.all === true, metric).every((t) => localTime(t, zone).slice(0, 4) === year));
  const when = (t: Instant | null): string => shortTime(t, zone, withYear);
  if (opts.all) {
    const rows = shown.map((e) => [
      e.rec.ticket.id, when(e.rec.ticket.createdAt), e.clock.priority ?? '',
      ...METRICS.map((m) => metricCell(e.clock.metrics[m], when, m === 'first_response' && firstResponseMinutes(e.clock) === null)),
      paint(e.clock.slaStatus, e.clock.slaStatus ?? 'no SLA'),
    ]);
    const head = ['ID', 'Created', 'Pri', ...METRICS.map((m) => METRIC[m].label), 'SLA'];
    ctx.out(md ? markdownTable(head, mdCells(rows)) : renderTable(head, rows, ctx.color));
  } else {
    const rows = shown.map((e) => {
      const m = nextMetric(e.clock, metric);
      const sla = metric ? e.clock.metrics[metric]?.status ?? null : e.clock.slaStatus;
      const due = m ? (m.dueAt !== null ? `${when(m.dueAt)} ${METRIC[m.metric].short}` : 'paused') : '—';
      const left = m ? formatDuration(m.remaining) : '';
      const cells = [
        e.rec.ticket.id, e.clock.priority ?? '', sla ?? 'no SLA', due, left,
        clip(e.rec.ticket.assignee ?? '—', 12), e.rec.ticket.subject ?? '',
      ];
      return cells;
    });
    const head = ['ID', 'Pri', 'SLA', 'Next due', 'Left', 'Assignee', 'Subject'];
    // Markdown is pasted into a chat or a wiki, which wraps: the subject stays whole there.
    if (md) ctx.out(markdownTable(head, mdCells(rows)));
    else {
      fitColumn(head, rows, head.length - 1, ctx.width);
      ctx.out(renderTable(head, rows.map((r) => r.map((c, i) => (i === 2 ? paint(String(c), String(c)) : c))), ctx.color));
    }
  }
  if (shown.length < total && !ctx.globals.quiet) {
    const more = `${shown.length} of ${total} tickets shown — use --limit N (0 = all) or --format csv for the rest`;
    ctx.out(md ? `\n_${mdCell(more)}_` : more);
  }
  return 0;
}

// ----------------------------------------------------------------------------- rendering

/** "2025-11-03 07:30 EST" → "11-03 07:30", or "2025-11-03 07:30" with the year. */
function shortTime(t: Instant | null, zone: string, withYear = false): string {
  if (t === null) return '—';
  return localTime(t, zone).slice(withYear ? 0 : 5, 16);
}

/** The instants a table row shows as dates (created, due and overdue instants). */
function shownInstants(e: Evaluated, all: boolean, metric: Metric | undefined): Instant[] {
  const out: Instant[] = [];
  const add = (m: MetricState | null): void => {
    if (m && m.stoppedAt === null && m.dueAt !== null) out.push(m.dueAt);
  };
  if (all) {
    out.push(e.rec.ticket.createdAt);
    for (const m of METRICS) add(e.clock.metrics[m]);
  } else {
    const m = nextMetric(e.clock, metric);
    if (m && m.dueAt !== null) out.push(m.dueAt);
  }
  return out;
}

/**
 * One clock in a few words: "met 30m", "missed 1h 05m", "met, no reply" (a first
 * response clock stopped by the resolution), "due 11-05 10:00", "over 11-04 11:00", "paused".
 */
function metricCell(m: MetricState | null, when: (t: Instant | null) => string, noReply = false): string {
  if (!m) return '—';
  if (m.stoppedAt !== null) return `${m.met ? 'met' : 'missed'}${noReply ? ', no reply' : ` ${formatDuration(m.elapsed)}`}`;
  if (m.status === 'breached') return `over ${when(m.dueAt)}`;
  if (m.dueAt === null) return 'paused';
  return `due ${when(m.dueAt)}`;
}

const CSV_HEADER = [
  'id', 'subject', 'customer', 'tier', 'priority', 'status', 'assignee', 'group', 'created_at', 'policy', 'calendar',
  'sla_status', 'first_response_status', 'first_response_due', 'first_response_at', 'first_response_minutes',
  'first_response_met', 'resolution_status', 'resolution_due', 'resolved_at', 'resolution_elapsed_minutes',
  'resolution_remaining_minutes', 'resolution_percent', 'resolution_met', 'breached_at', 'paused_at', 'paused_minutes',
  ...METRICS.map((m) => `${m}_breach_reason`),
];

function csvRow(e: Evaluated): unknown[] {
  const t: Ticket = e.rec.ticket;
  const c = e.clock;
  const fr = c.metrics.first_response;
  const res = c.metrics.resolution;
  const breaches = METRICS.flatMap((m) => c.metrics[m]?.breachedAt ?? []);
  return [
    t.id, t.subject, t.customer, t.tier, c.priority, c.status, t.assignee, t.group, isoUtc(t.createdAt),
    c.assignment?.policy ?? null, c.assignment?.calendar ?? null, c.slaStatus,
    fr?.status ?? null, isoUtc(fr?.dueAt), isoUtc(c.firstResponseAt), firstResponseMinutes(c),
    fr?.met ?? null, res?.status ?? null, isoUtc(res?.dueAt), isoUtc(c.resolvedAt), res ? minutes(res.elapsed) : null,
    res ? minutes(res.remaining) : null, res?.percent ?? null, res?.met ?? null,
    isoUtc(breaches.length ? Math.min(...breaches) : null), isoUtc(c.pausedAt), minutes(c.totalPausedMs / 60_000),
    ...METRICS.map((m) => e.rec.breachReasons[m]),
  ];
}
