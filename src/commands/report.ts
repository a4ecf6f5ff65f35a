// sla report — SLA compliance of the tickets created in a window, grouped (SPEC §7).
//
// Window: `--days N` = today and the N-1 days before, in the config's timezone, as
// of now (or --at); `--since DATE [--until DATE]` = from local midnight of --since up
// to local midnight of --until (exclusive; default: the end of today). Tickets
// created after now (--at in the past) are not in it. Counting: app/report.ts.

import { DateTime } from 'luxon';
import { buildReport } from '../app/report.js';
import { GROUP_FIELDS, type GroupField } from '../domain/report.js';
import { lastDaysWindow, MAX_DAYS, reportWindow, type ReportWindow } from '../domain/report-window.js';
import { dataText } from '../render/output.js';
import { reportJson, reportRows, reportTable } from '../render/report.js';
import { usageError, type Context } from './context.js';

interface Opts { days?: string; since?: string; until?: string; by?: string; excel?: boolean }

async function windowFromOptions(ctx: Context, opts: Opts, zone: string, now: number): Promise<ReportWindow> {
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  const endOfToday = today.plus({ days: 1 }).toMillis();
  if (opts.since === undefined && opts.until !== undefined) {
    throw usageError('--until needs --since', 'e.g. sla report --since 2026-11-01 --until 2026-12-01');
  }
  if (opts.since !== undefined) {
    if (opts.days !== undefined && opts.days !== '7') {
      throw usageError('--days and --since/--until are two ways to give the window', 'use one of them');
    }
    const from = await ctx.parseTime(opts.since, zone, '--since');
    const to = opts.until !== undefined ? await ctx.parseTime(opts.until, zone, '--until') : Math.max(endOfToday, from + 1);
    if (to <= from) throw usageError(`--until ${opts.until} is not after --since ${opts.since}`, '--until is exclusive: --since 2026-11-01 --until 2026-11-02 is one day');
    const w = reportWindow(from, to, zone);
    if (w.dates.length > MAX_DAYS) throw usageError(`the window is longer than ${MAX_DAYS} days`, 'report on a shorter window');
    return w;
  }
  const text = opts.days ?? '7';
  const days = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw usageError(`--days ${JSON.stringify(text)} is not a number of days`, `use a whole number from 1 to ${MAX_DAYS}, e.g. --days 7`);
  }
  return lastDaysWindow(now, zone, days);
}

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', 'csv', 'json', 'ndjson', 'markdown', 'html']);
  if (opts.excel && format !== 'csv') throw usageError('--excel only applies to --format csv', 'add --format csv');
  const config = await ctx.config();
  const by = (opts.by ?? 'priority').trim().toLowerCase().replace('-', '_') as GroupField;
  if (!GROUP_FIELDS.includes(by)) {
    throw usageError(`--by ${JSON.stringify(opts.by)} is not a grouping`, `use one of: ${GROUP_FIELDS.join(', ')}`);
  }
  const window = await windowFromOptions(ctx, opts, config.timezone, await ctx.now());
  if (format === 'html') {
    const [{ buildStandup }, { reportHtml }] = await Promise.all([import('../app/standup.js'), import('../render/report-html.js')]);
    ctx.stdout.write(reportHtml(await buildStandup(await ctx.setup(), { by, window }, ctx.globals.at !== undefined)));
    return 0;
  }
  const report = await buildReport(await ctx.setup(), { by, window, daily: format === 'table' || format === 'markdown' });
  if (format === 'json') ctx.data(JSON.stringify(reportJson(report)));
  else if (format === 'csv' || format === 'ndjson') {
    const { rows, keys } = reportRows(report);
    ctx.stdout.write((opts.excel ? '\uFEFF' : '') + dataText(format, rows, keys));
  }
  else if (format === 'markdown') {
    const { reportMarkdown } = await import('../render/markdown.js');
    ctx.out(reportMarkdown(report));
  } else ctx.out(await reportTable(report, ctx.color, ctx.width));
  return 0;
}
