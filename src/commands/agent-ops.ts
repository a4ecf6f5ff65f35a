// What the agents' commands (pause, resume, reset, reason, escalate) share on the command
// line: required options, the one-line result of a write, --until and --metric.

import { refuse } from '../app/setup.js';
import type { TicketClock } from '../domain/clock.js';
import type { Instant, Metric } from '../domain/types.js';
import { METRIC, METRICS, metricNamed } from '../domain/metrics.js';
import { formatDuration, localTime } from '../render/format.js';
import { usageError, type Context } from './context.js';

/** --reason is required (exit 1 when missing or blank, as the other refusals). */
export function requireReason(reason: string | undefined, command: string): string {
  const r = reason?.trim();
  if (!r) throw refuse(`${command} needs a reason`, `add --reason "why" (it goes to the audit log); nothing was changed`);
  return r;
}

export function parseMetric(text: string | undefined, option = '--metric'): Metric | undefined {
  if (text === undefined) return undefined;
  const m = metricNamed(text);
  if (!m) throw usageError(`${option} ${JSON.stringify(text)} is not a metric`, `use ${METRICS.join(' or ')}`);
  return m;
}

/** Output a write's result: one line for people, the ticket JSON for scripts. */
export function writeResult(ctx: Context, line: string, json: () => unknown): void {
  const format = ctx.format(['table', 'json']);
  if (format === 'json') ctx.data(JSON.stringify(json()));
  else if (!ctx.globals.quiet) ctx.out(line);
}

/** `--until`: an instant (local to the config timezone without an offset) or a duration from now. */
export async function parseUntil(text: string, zone: string, now: Instant): Promise<Instant> {
  const t = text.trim();
  if (/^\d/.test(t) && !/[-:]/.test(t)) {
    // No date or time separators: a duration ("2h", "90m", "1h30m", minutes).
    const { parseDuration } = await import('../config/duration.js');
    try {
      return now + parseDuration(t) * 60_000;
    } catch (e) {
      throw usageError(`--until ${(e as Error).message}`, 'give a time such as 2026-12-01T09:00 or a duration such as 2h');
    }
  }
  const { parseInstant } = await import('../domain/instant.js');
  const at = parseInstant(t, zone);
  if (at === null) {
    throw usageError(`--until ${JSON.stringify(text)} is neither a time nor a duration`, 'give a time such as 2026-12-01T09:00 (config timezone) or 2026-12-01T14:00Z, or a duration such as 2h or 90m');
  }
  return at;
}

/** "resolution due 2025-11-03 19:30 UTC (3h 00m left)" for the one-line results of writes. */
export function dueLine(clock: TicketClock, zone: string): string {
  const parts: string[] = [];
  for (const m of METRICS.map((k) => clock.metrics[k])) {
    if (!m) continue;
    const name = METRIC[m.metric].name;
    if (m.stoppedAt !== null) parts.push(`${name} ${m.status}`);
    else if (m.status === 'breached') parts.push(`${name} breached at ${localTime(m.breachedAt, zone)}`);
    else if (m.paused) parts.push(`${name} paused with ${formatDuration(m.remaining)} left`);
    else parts.push(`${name} due ${localTime(m.dueAt, zone)} (${formatDuration(m.remaining)} left)`);
  }
  return parts.length ? parts.join('; ') : 'no SLA';
}


