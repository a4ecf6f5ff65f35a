// sla pull NAME — every change of the helpdesk `sources.NAME` since the last pull.

import type { PullSummary } from '../app/pull.js';
import type { Config } from '../config/types.js';
import type { SourceConfig } from '../import/sources/registry.js';
import { usageError, type Context } from './context.js';

interface Opts { since?: string; maxTime?: string; quiet?: boolean; json?: boolean }

const DAY = 86_400_000;

/** The source `name` of the config; a usage error naming the ones there are. `option`: how the command was given the name. */
export function sourceNamed(config: Config, name: string, option = ''): SourceConfig {
  const source = config.sources[name];
  if (source) return source;
  const names = Object.keys(config.sources);
  throw usageError(`${option}no source ${JSON.stringify(name)} in the config`, names.length > 0
    ? `the config's sources: ${names.join(', ')}`
    : 'add one under "sources" (README: "Live from your helpdesk")');
}

export async function run(ctx: Context, name: string, opts: Opts): Promise<number> {
  const out = ctx.globals.format;
  if (out !== undefined && out !== 'table' && out !== 'json') throw usageError(`--format ${out} is not an output format of pull (table or json)`, 'use --format json (or --json) for the summary as JSON');
  const json = Boolean(opts.json) || out === 'json';
  const config = await ctx.config();
  const source = sourceNamed(config, name);
  const maxTimeMs = await maxTime(opts.maxTime);
  const s = await ctx.setup({ create: true });
  const since = opts.since === undefined ? undefined : await sinceTime(ctx, opts.since, config.timezone, s.now);
  const { runPull } = await import('../app/pull.js');
  await ctx.holdsWrites(`a pull of ${name}`);
  const progress = !opts.quiet && !json && Boolean(ctx.stderr.isTTY);
  const { isoUtc } = await import('../render/format.js');
  const summary = await runPull(s, source, {
    since, maxTimeMs, restart: opts.since !== undefined,
    onPage: progress ? (p) => {
      ctx.stderr.write(`\r\x1b[K${name}: ${p.tickets.toLocaleString('en-US')} tickets, ${p.pages} pages${p.through === null ? '' : `, changes in up to ${isoUtc(p.through)}`}`);
    } : undefined,
  });
  if (progress) ctx.stderr.write('\r\x1b[K');
  if (json) ctx.data(JSON.stringify(summary));
  else if (!opts.quiet || summary.status !== 'ok') for (const line of await summaryLines(summary)) ctx.out(line);
  if (summary.status === 'partial') {
    ctx.warn(`${name}: the helpdesk's changes are not all in yet (${summary.stopped}); the next pull resumes where this one stopped — for a big first pull, run \`sla pull ${name} --max-time 1h\` once`);
    return 1;
  }
  return 0;
}

/** --max-time: a duration (4m, 1h30m, or seconds: 90s); none: the use case's default. */
async function maxTime(text: string | undefined): Promise<number | undefined> {
  if (text === undefined) return undefined;
  const secs = /^\s*(\d+)\s*s\s*$/i.exec(text);
  if (secs && Number(secs[1]) > 0) return Number(secs[1]) * 1000;
  const { parseDuration } = await import('../config/duration.js');
  try {
    return parseDuration(text) * 60_000;
  } catch (e) {
    throw usageError(`--max-time ${JSON.stringify(text)}: ${(e as Error).message}`, 'e.g. --max-time 4m, 90s, or 1h for a big first pull');
  }
}

/** --since: a time (ISO 8601, local to the config's zone) or a number of days before now ("30d"). */
async function sinceTime(ctx: Context, text: string, zone: string, now: number): Promise<number> {
  const days = /^\s*(\d+)\s*d\s*$/i.exec(text);
  if (days) return now - Number(days[1]) * DAY;
  const t = await ctx.parseTime(text, zone, '--since');
  if (t > now) throw usageError(`--since ${text} is in the future`, 'give a time in the past, e.g. --since 2026-11-01 or --since 30d');
  return t;
}

async function summaryLines(s: PullSummary): Promise<string[]> {
  const { isoUtc } = await import('../render/format.js');
  const { durationText } = await import('./check-summary.js');
  const n = (x: number): string => x.toLocaleString('en-US');
  const lines: string[] = [];
  const state = s.status === 'ok' ? `current as of the pull's start` : `stopped early (${s.stopped})`;
  lines.push(`${s.source} (${s.type}): ${n(s.tickets)} tickets (${n(s.ticketsNew)} new, ${n(s.ticketsUpdated)} updated, ${n(s.ticketsUnchanged)} unchanged), `
    + `${n(s.events)} events added; ${state}${s.through === null ? '' : `, changes in up to ${isoUtc(s.through)}`}; ${n(s.requests)} requests in ${durationText(s.durationMs)}`);
  if (s.rowsKnown > 0 || s.rowsRepeated > 0) lines.push(`  ${n(s.rowsKnown)} updates already pulled before, ${n(s.rowsRepeated)} sent twice in one page: skipped`);
  if (s.withoutPolicy > 0) {
    lines.push(`  ${n(s.withoutPolicy)} new tickets without an SLA: ${Object.entries(s.withoutPolicyReasons).map(([r, k]) => `${r} (${n(k)})`).join(', ')}`);
  }
  for (const [what, k] of Object.entries(s.skipped)) lines.push(`  ${what}: ${n(k)}`);
  return lines;
}
