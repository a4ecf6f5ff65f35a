// sla due — what-if: the policy, targets and deadlines a ticket like this would get.

import { evaluateClock } from '../domain/clock.js';
import { assignPolicy, type TicketFields } from '../domain/policy.js';
import { clockContext } from '../domain/ticket.js';
import { METRICS, perMetric } from '../domain/metrics.js';
import type { Instant } from '../domain/types.js';
import { formatDuration, isoUtc, localTime, minutes } from '../render/format.js';
import { dataText, DOCUMENT_FORMATS } from '../render/output.js';
import { usageError, type Context } from './context.js';
import { canonicalPriority } from './priority.js';

interface Opts {
  priority: string; tier?: string; customer?: string; group?: string; channel?: string; tags?: string;
  field?: string[]; created?: string;
}

const ROW_KEYS = ['priority', 'tier', 'createdAt', 'policy', 'calendar', 'metric', 'target', 'atRiskAt', 'dueAt', 'noSlaReason'] as const;

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(DOCUMENT_FORMATS);
  const config = await ctx.config();
  const priority = canonicalPriority(config, opts.priority);
  if (!priority) {
    throw usageError(`unknown priority ${JSON.stringify(opts.priority)}`, `use one of: ${config.priorities.join(', ')} (or an alias from priorityAliases)`);
  }
  const fields: TicketFields = {
    priority, tier: opts.tier ?? null, customer: opts.customer ?? null, group: opts.group ?? null,
    channel: opts.channel ?? null, tags: opts.tags ? opts.tags.split(/[;,]/).map((s) => s.trim()).filter(Boolean) : [],
  };
  for (const kv of opts.field ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw usageError(`--field ${JSON.stringify(kv)} is not key=value`, 'e.g. --field region=emea');
    fields[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const created = opts.created ? await ctx.parseTime(opts.created, config.timezone, '--created') : await ctx.now();
  const result = assignPolicy(config.policies, fields, priority, config.tierMultipliers);
  const zone = config.timezone;

  // csv and ndjson: one row per metric (one row with the reason when no policy applies).
  const row = (r: Partial<Record<(typeof ROW_KEYS)[number], unknown>>) =>
    ({ priority, tier: fields.tier, createdAt: isoUtc(created), policy: null, calendar: null, metric: null, target: null, atRiskAt: null, dueAt: null, noSlaReason: null, ...r });
  if (!result.ok) {
    if (format === 'csv' || format === 'ndjson') {
      ctx.stdout.write(dataText(format, [row({ noSlaReason: result.reason })], ROW_KEYS));
    } else if (format === 'json') {
      ctx.data(JSON.stringify({ priority, tier: fields.tier, createdAt: isoUtc(created), policy: null, noSlaReason: result.reason, tried: result.match.trace }));
    } else {
      ctx.out(`No SLA: ${result.reason}.`);
      for (const t of result.match.trace) ctx.out(`  ${t.name}: ${t.matched ? 'matches' : 'no'} — ${t.reason}`);
    }
    return 0;
  }
  const { assignment } = result;
  const clock = evaluateClock(
    { createdAt: created, priority, assignment, events: [] },
    clockContext(config, ctx.calendarSync, fields.tier as string | null),
    created,
  );
  const m = clock.metrics;
  const metricJson = (x: typeof m.first_response) => x && {
    target: minutes(x.target), atRiskAt: isoUtc(x.atRiskAt), dueAt: isoUtc(x.dueAt),
  };
  if (format === 'csv' || format === 'ndjson') {
    const rows = METRICS.flatMap((k) => {
      const x = m[k];
      return x ? [row({ policy: assignment.policy, calendar: assignment.calendar, metric: k, target: minutes(x.target), atRiskAt: isoUtc(x.atRiskAt), dueAt: isoUtc(x.dueAt) })] : [];
    });
    ctx.stdout.write(dataText(format, rows, ROW_KEYS));
    return 0;
  }
  if (format === 'json') {
    ctx.data(JSON.stringify({
      priority, tier: fields.tier, createdAt: isoUtc(created), policy: assignment.policy, calendar: assignment.calendar,
      matched: result.match.trace, ...perMetric((k) => metricJson(m[k])),
    }));
    return 0;
  }
  const [{ renderTable }, { wrap }] = await Promise.all([import('../render/table.js'), import('../render/audit.js')]);
  const why = result.match.trace[result.match.trace.length - 1];
  // Label: value lines, a long value (the policy's reason) wrapped under itself.
  const pairs: Array<[string, string]> = [
    ['Priority', `${priority}${fields.tier ? ` (tier ${fields.tier})` : ''}`],
    ['Created', localTime(created, zone)],
    ['Policy', `${assignment.policy} — ${why.reason}`],
    ['Calendar', assignment.calendar],
  ];
  const labelWidth = Math.max(...pairs.map(([k]) => k.length)) + 2;
  for (const [k, v] of pairs) ctx.out(wrap(`${k}:`.padEnd(labelWidth), v, ctx.width));
  for (const t of result.match.trace.slice(0, -1)) ctx.out(wrap('  skipped ', `${t.name}: ${t.reason}`, ctx.width));
  ctx.out(renderTable(
    // Times in the zone of Created above, without it: the table fits 80 columns whatever the zone's name.
    ['Metric', 'Target', `At risk (${config.atRiskThresholdPercent}%, local)`, 'Due (local)'],
    METRICS.flatMap((k) => {
      const x = m[k];
      const local = (t: Instant | null): string => localTime(t, zone).slice(0, 16);
      return x ? [[x.metric, formatDuration(x.target), local(x.atRiskAt), local(x.dueAt)]] : [];
    }),
    ctx.color,
  ));
  return 0;
}
