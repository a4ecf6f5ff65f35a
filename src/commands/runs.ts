// sla runs — recent `check` runs: when, how long, tickets evaluated, events,
// alerts sent and failed, and whether the run itself failed.

import { DATA_FORMATS, dataText, isDataFormat } from '../render/output.js';
import { usageError, type Context } from './context.js';

const RUN_KEYS = ['id', 'startedAt', 'finishedAt', 'durationMs', 'at', 'ticketsEvaluated', 'events', 'alertsSent', 'alertsFailed', 'status', 'error'];

interface Opts { limit?: string }

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', ...DATA_FORMATS]);
  const limit = Number(opts.limit ?? '20');
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit ${JSON.stringify(opts.limit)} is not a positive whole number`, 'e.g. --limit 50');
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
