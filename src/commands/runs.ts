// sla runs — recent `check` runs: when, how long, tickets evaluated, events,
// alerts sent and failed, and whether the run itself failed; with --pulls, recent pulls.

import { DATA_FORMATS, dataText, isDataFormat } from '../render/output.js';
import { usageError, type Context } from './context.js';

const RUN_KEYS = ['id', 'startedAt', 'finishedAt', 'durationMs', 'at', 'ticketsEvaluated', 'events', 'alertsSent', 'alertsFailed', 'status', 'error'];

interface Opts { limit?: string; pulls?: boolean }

const PULL_KEYS = ['id', 'source', 'startedAt', 'finishedAt', 'durationMs', 'status', 'requests', 'pages', 'tickets', 'events', 'cursorBefore', 'cursorAfter', 'error'];

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', ...DATA_FORMATS]);
  const limit = Number(opts.limit ?? '20');
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit ${JSON.stringify(opts.limit)} is not a positive whole number`, 'e.g. --limit 50');
  if (opts.pulls) return pulls(ctx, format, limit);
  const { config, store } = await ctx.setup();
  const { isoUtc, localTime } = await import('../render/format.js');
  const runs = await store.listRuns(limit);
  const rows = runs.map((r) => ({
    id: r.id, startedAt: isoUtc(r.startedAt), finishedAt: isoUtc(r.finishedAt),
    durationMs: r.finishedAt === null ? null : r.finishedAt - r.startedAt, at: isoUtc(r.at),
    ticketsEvaluated: r.ticketsEvaluated, events: r.events, alertsSent: r.alertsSent, alertsFailed: r.alertsFailed,
    status: r.status, error: r.error,
  }));
  if (isDataFormat(format)) {
    ctx.stdout.write(dataText(format, rows, RUN_KEYS));
    return 0;
  }
  if (rows.length === 0) {
    ctx.out('no check runs yet — `sla check` (from crontab) or `sla watch` records them');
    return 0;
  }
  const { fitColumn, renderTable, makeChalk } = await import('../render/table.js');
  const { durationText } = await import('./check-summary.js');
  const chalk = makeChalk(ctx.color);
  const zone = config.timezone;
  const head = ['Run', 'Started', 'Took', 'Evaluated at', 'Tickets', 'Events', 'Sent', 'Failed', 'Status'];
  const cells = runs.map((r) => [
    r.id, localTime(r.startedAt, zone), r.finishedAt === null ? '' : durationText(r.finishedAt - r.startedAt),
    localTime(r.at, zone), r.ticketsEvaluated, r.events, r.alertsSent, r.alertsFailed,
    r.status === 'failed' ? `failed: ${r.error ?? ''}` : r.status === 'running' ? 'running (or killed)' : r.status,
  ]);
  fitColumn(head, cells, head.length - 1, ctx.width);
  // coloured after fitting: colour codes take no room on screen
  for (const [i, r] of runs.entries()) {
    const c = cells[i];
    if (r.alertsFailed) c[7] = chalk.red(String(c[7]));
    if (r.status === 'failed') c[8] = chalk.red(String(c[8]));
    else if (r.status === 'running') c[8] = chalk.yellow(String(c[8]));
  }
  ctx.out(renderTable(head, cells, ctx.color));
  return 0;
}

async function pulls(ctx: Context, format: string, limit: number): Promise<number> {
  const { config, store } = await ctx.setup();
  const { isoUtc, localTime } = await import('../render/format.js');
  const list = await store.listPulls(limit);
  const rows = list.map((p) => ({
    id: p.id, source: p.source, startedAt: isoUtc(p.startedAt), finishedAt: isoUtc(p.finishedAt),
    durationMs: p.finishedAt === null ? null : p.finishedAt - p.startedAt, status: p.status, requests: p.requests, pages: p.pages,
    tickets: p.tickets, events: p.events, cursorBefore: p.cursorBefore, cursorAfter: p.cursorAfter, error: p.error,
  }));
  if (isDataFormat(format)) {
    ctx.stdout.write(dataText(format, rows, PULL_KEYS));
    return 0;
  }
  if (rows.length === 0) {
    ctx.out('no pulls yet — `sla pull NAME` (from crontab) or `sla watch --pull NAME` records them');
    return 0;
  }
  const { fitColumn, renderTable, makeChalk } = await import('../render/table.js');
  const { durationText } = await import('./check-summary.js');
  const chalk = makeChalk(ctx.color);
  const head = ['Pull', 'Source', 'Started', 'Took', 'Tickets', 'Events', 'Requests', 'Status'];
  const cells = list.map((p) => [
    p.id, p.source, localTime(p.startedAt, config.timezone), p.finishedAt === null ? '' : durationText(p.finishedAt - p.startedAt),
    p.tickets, p.events, p.requests,
    p.status === 'failed' ? `failed: ${p.error ?? ''}` : p.status === 'partial' ? `partial: ${p.error ?? 'time budget'}` : p.status === 'running' ? 'running (or killed)' : 'ok',
  ]);
  fitColumn(head, cells, head.length - 1, ctx.width);
  for (const [i, p] of list.entries()) {
    const c = cells[i];
    if (p.status === 'failed') c[7] = chalk.red(String(c[7]));
    else if (p.status !== 'ok') c[7] = chalk.yellow(String(c[7]));
  }
  ctx.out(renderTable(head, cells, ctx.color));
  return 0;
}
