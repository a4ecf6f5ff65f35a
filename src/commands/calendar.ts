// sla calendar NAME --from T --add D | --from T --to T | --month YYYY-MM

import { parseDuration } from '../config/duration.js';
import { MINUTE } from '../domain/types.js';
import { isoUtc, localClock, localTime, minutes } from '../render/format.js';
import { dataText, DOCUMENT_FORMATS } from '../render/output.js';
import { usageError, type Context } from './context.js';

interface Opts { from?: string; add?: string; to?: string; month?: string }

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export async function run(ctx: Context, name: string, opts: Opts): Promise<number> {
  const format = ctx.format(DOCUMENT_FORMATS);
  const config = await ctx.config();
  const cal = await ctx.calendar(name);
  const spec = config.calendars[name];
  const zone = spec.always ? config.timezone : spec.timezone;

  if (opts.month) {
    if (opts.from || opts.add || opts.to) throw usageError('--month cannot be combined with --from/--add/--to', 'run them separately');
    return month(ctx, name, zone, opts.month, format);
  }
  if (!opts.from || (opts.add === undefined) === (opts.to === undefined)) {
    throw usageError('give --from with either --add or --to, or --month', 'e.g. sla calendar ' + name + ' --from 2026-11-27T16:30 --add 4h');
  }
  const from = await ctx.parseTime(opts.from, zone, '--from');
  if (opts.add !== undefined) {
    let add: number;
    try {
      add = parseDuration(opts.add);
    } catch (e) {
      throw usageError(`--add ${(e as Error).message}`, 'e.g. --add 4h');
    }
    const due = cal.add(from, add * MINUTE);
    const doc = { calendar: name, from: isoUtc(from), add, due: isoUtc(due) };
    if (format === 'json') {
      ctx.data(JSON.stringify(doc));
    } else if (format === 'csv' || format === 'ndjson') {
      ctx.stdout.write(dataText(format, [doc]));
    } else {
      ctx.out(`${localTime(from, zone)} + ${add} open minutes on ${name} = ${localTime(due, zone)}  (${isoUtc(due)})`);
    }
    return 0;
  }
  const to = await ctx.parseTime(opts.to!, zone, '--to');
  const open = minutes(cal.openBetween(from, to) / MINUTE);
  const doc = { calendar: name, from: isoUtc(from), to: isoUtc(to), minutes: open };
  if (format === 'json') {
    ctx.data(JSON.stringify(doc));
  } else if (format === 'csv' || format === 'ndjson') {
    ctx.stdout.write(dataText(format, [doc]));
  } else {
    ctx.out(`${open} open minutes on ${name} between ${localTime(from, zone)} and ${localTime(to, zone)}`);
  }
  return 0;
}

async function month(ctx: Context, name: string, zone: string, text: string, format: string): Promise<number> {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw usageError(`--month ${JSON.stringify(text)} is not a month`, 'use YYYY-MM, e.g. 2026-12');
  const [y, mo] = [Number(m[1]), Number(m[2])];
  const cal = await ctx.calendar(name);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const list = [];
  for (let d = 1; d <= days; d++) {
    const date = `${m[1]}-${m[2]}-${String(d).padStart(2, '0')}`;
    const day = cal.day(date);
    const open = day.segments.reduce((s, [a, b]) => s + (b - a), 0) / MINUTE;
    list.push({ ...day, minutes: open });
  }
  if (format === 'csv' || format === 'ndjson') {
    // One row per day; its open hours as local text ("09:00-12:00, 13:00-17:00").
    ctx.stdout.write(dataText(format, list.map((d) => ({
      calendar: name, date: d.date, weekday: WEEKDAYS[d.weekday], holiday: d.holiday, minutes: minutes(d.minutes),
      open: d.segments.map(([a, b]) => `${localClock(a, zone, d.date)}-${localClock(b, zone, d.date)}`).join(', '),
    }))));
    return 0;
  }
  if (format === 'json') {
    ctx.data(JSON.stringify({
      calendar: name, timezone: zone, month: text,
      days: list.map((d) => ({
        date: d.date, weekday: WEEKDAYS[d.weekday], holiday: d.holiday, minutes: minutes(d.minutes),
        open: d.segments.map(([a, b]) => ({ from: isoUtc(a), to: isoUtc(b), local: `${localClock(a, zone, d.date)}-${localClock(b, zone, d.date)}` })),
      })),
    }));
    return 0;
  }
  const { fitColumn, renderTable } = await import('../render/table.js');
  const { formatDuration } = await import('../config/duration.js');
  const rows = list.map((d) => [
    d.date,
    WEEKDAYS[d.weekday],
    d.segments.length ? d.segments.map(([a, b]) => `${localClock(a, zone, d.date)}-${localClock(b, zone, d.date)}`).join(', ') : 'closed',
    d.minutes ? formatDuration(d.minutes) : '—',
    d.holiday ?? '',
  ]);
  const head = ['Date', 'Day', 'Open hours (local)', 'Open', 'Holiday'];
  fitColumn(head, rows, head.length - 1, ctx.width); // a holiday's name takes what is left
  ctx.out(`Calendar ${name} (${zone}), ${text}`);
  ctx.out(renderTable(head, rows, ctx.color));
  const total = list.reduce((s, d) => s + d.minutes, 0);
  ctx.out(`Open time in the month: ${formatDuration(total)}`);
  return 0;
}
