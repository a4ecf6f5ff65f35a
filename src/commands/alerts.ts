// sla alerts [--pending|--failed] [--retry] [--enable NAME] — the alert outbox, re-queueing
// alerts that failed permanently (after the destination was fixed), and the destinations
// disabled by a 410 Gone (sending to one again).

import type { OutboxRow, OutboxStatus } from '../store/port.js';
import { DATA_FORMATS, dataText, isDataFormat } from '../render/output.js';
import { usageError, type Context } from './context.js';

interface Opts { pending?: boolean; failed?: boolean; retry?: boolean; enable?: string }

const SHOWN = 200;
const CSV_KEYS = ['id', 'eventId', 'ticketId', 'type', 'destination', 'status', 'attempts', 'nextAttemptAt', 'lastError', 'createdAt', 'sentAt', 'run'];

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', ...DATA_FORMATS]);
  if (opts.pending && opts.failed) throw usageError('--pending and --failed exclude each other', 'give one of them, or neither for every alert');
  const { config, store, now, actor } = await ctx.setup();
  const { isoUtc, localTime } = await import('../render/format.js');
  const zone = config.timezone;

  if (opts.enable !== undefined) {
    const name = opts.enable;
    if (!config.alerts.destinations[name]) {
      const known = Object.keys(config.alerts.destinations);
      throw usageError(`no destination "${name}" in the config`, known.length ? `destinations: ${known.join(', ')}` : 'the config has no destinations');
    }
    const was = await store.enableDestination(name, { at: now, actor, action: 'alerts-enable', ticketId: null, reason: null, before: { disabled: name }, after: { enabled: name } });
    if (format === 'json') ctx.data(JSON.stringify({ destination: name, enabled: was }));
    else if (!ctx.globals.quiet) {
      ctx.out(was ? `destination "${name}" enabled: the next \`sla check\` sends to it; \`sla alerts --failed --retry\` re-queues what failed meanwhile`
        : `destination "${name}" was not disabled`);
    }
    return 0;
  }

  if (opts.retry) {
    const n = await store.retryFailed(now, (failed) => (
      { at: now, actor, action: 'alerts-retry', ticketId: null, reason: null, before: { failed }, after: { requeued: failed } }
    ));
    if (format !== 'json' && !ctx.globals.quiet) {
      ctx.out(n === 0 ? 'no failed alerts to re-queue' : `re-queued ${n} failed alert${n === 1 ? '' : 's'}; the next \`sla check\` delivers them`);
    }
    if (format === 'json') {
      ctx.data(JSON.stringify({ requeued: n }));
      return 0;
    }
    if (!opts.failed && !opts.pending) return 0;
  }

  const statuses: OutboxStatus[] | undefined = opts.pending ? ['pending', 'sending'] : opts.failed ? ['failed'] : undefined;
  // as of an --at in the past: the alerts queued by then (one queued later is not yet)
  const until = ctx.globals.at !== undefined ? now : undefined;
  const rows = await store.listAlerts({ statuses, limit: format === 'table' ? SHOWN : undefined, until });
  const json = (r: OutboxRow) => {
    const p = safeParse(r.payload);
    return {
      id: r.id, eventId: p?.id ?? null, ticketId: r.ticketId, type: r.type, destination: r.destination, status: r.status,
      attempts: r.attempts, nextAttemptAt: isoUtc(r.nextAttemptAt), lastError: r.lastError, createdAt: isoUtc(r.createdAt),
      sentAt: isoUtc(r.sentAt), run: r.runId, rule: p?.rule ?? null, metric: p?.metric ?? null, at: p?.at ?? null,
    };
  };
  // Destinations disabled by a 410 Gone: said in every format (on standard error when standard
  // output is data), so that nobody reads a quiet outbox as a working one.
  const off = (await store.disabledDestinations()).map((d) =>
    `destination "${d.name}" is disabled since ${localTime(d.disabledAt, zone)}: its receiver answered ${d.reason}. ` +
    `Nothing is sent to it until its URL changes or \`sla alerts --enable ${d.name}\`; then \`sla alerts --failed --retry\` re-queues what failed meanwhile.`);
  if (isDataFormat(format)) {
    // CSV: the columns of a table of alerts (the JSON's event details are for scripts)
    ctx.stdout.write(dataText(format, rows.map(json), format === 'csv' ? CSV_KEYS : undefined));
    if (!ctx.globals.quiet) for (const line of off) ctx.warn(line);
    return 0;
  }
  for (const line of off) ctx.out(line);
  if (rows.length === 0) {
    ctx.out(opts.pending ? 'no alerts waiting for delivery' : opts.failed ? 'no failed alerts' : 'the outbox is empty');
  } else {
    const { fitColumn, renderTable, makeChalk } = await import('../render/table.js');
    const chalk = makeChalk(ctx.color);
    const paint = (s: string): string =>
      s === 'failed' ? chalk.red(s) : s === 'pending' || s === 'sending' ? chalk.yellow(s) : s === 'unrouted' ? chalk.dim(s) : s;
    const when = (t: number | null): string => (t === null ? '' : localTime(t, zone));
    const head = ['Created', 'Ticket', 'Type', 'Destination', 'Status', 'Tries', 'Next try / sent', 'Last error'];
    const cells = rows.map((r) => [
      when(r.createdAt), r.ticketId, r.type, r.destination ?? '(no route)', r.status,
      r.attempts, r.status === 'sent' ? when(r.sentAt) : r.status === 'pending' ? when(r.nextAttemptAt) : r.status === 'sending' ? when(r.leaseUntil) : '',
      r.lastError ?? '',
    ]);
    fitColumn(head, cells, head.length - 1, ctx.width);
    ctx.out(renderTable(head, cells.map((c) => c.map((v, i) => (i === 4 ? paint(String(v)) : v))), ctx.color));
    const total = await store.countAlerts(statuses);
    if (total > rows.length) ctx.out(`… ${total - rows.length} older alerts not shown (--format json lists all)`);
  }
  if (!opts.pending && !opts.failed) {
    const last = await store.lastRun();
    const pending = await store.countAlerts(['pending', 'sending']);
    const failed = await store.countAlerts(['failed']);
    ctx.out(`${pending} pending, ${failed} failed · last check: ${last ? `${localTime(last.at, zone)} (${last.status})` : 'never'} — \`sla runs\` lists the runs`);
  }
  return 0;
}

function safeParse(s: string): { id?: string; rule?: string | null; metric?: string | null; at?: string } | null {
  try { return JSON.parse(s) as { id?: string }; } catch { return null; }
}
