// sla reason ID TEXT [--metric first_response|resolution] — why a breached metric breached.

import { METRIC, type Metric } from '../domain/metrics.js';
import { localTime } from '../render/format.js';
import { getRecord, recordBreachReason } from '../store/sqlite/queries.js';
import { clockAt, existing, parseMetric, refuse, writeResult } from './agent-ops.js';
import type { Context } from './context.js';

interface Opts { metric?: string }

export async function run(ctx: Context, id: string, text: string, opts: Opts): Promise<number> {
  ctx.format(['table', 'json']);
  const wanted = parseMetric(opts.metric);
  const reason = text?.trim();
  if (!reason) throw refuse('sla reason needs the reason text', `e.g. sla reason ${id} "waiting on engineering fix"; nothing was changed`);
  const config = await ctx.config();
  const zone = config.timezone;
  const now = await ctx.now();
  const store = await ctx.store();
  const actor = ctx.actor();

  const done = recordBreachReason(store, id, (found) => {
    const cur = existing(found, id, now);
    const clock = clockAt(config, ctx.calendarSync, cur.ticket, cur.events, now);
    const breached = (m: Metric) => clock.metrics[m]?.status === 'breached';
    let metric: Metric;
    if (wanted) {
      if (!breached(wanted)) {
        const st = clock.metrics[wanted]?.status ?? 'no SLA';
        throw refuse(`ticket ${id}'s ${METRIC[wanted].name} has not breached (it is ${st} at ${localTime(now, zone)})`, 'a reason is recorded only for a breached metric; nothing was changed');
      }
      metric = wanted;
    } else if (breached('resolution')) {
      metric = 'resolution';
    } else if (breached('first_response')) {
      metric = 'first_response';
    } else {
      throw refuse(`ticket ${id} has not breached (it is ${clock.slaStatus ?? 'without SLA'} at ${localTime(now, zone)})`, 'a reason is recorded only for a breached metric; nothing was changed');
    }
    const previous = cur.breachReasons[metric];
    return {
      set: { metric, reason },
      audit: [{
        at: now, actor, action: 'reason', ticketId: id, reason,
        before: { metric, breachReason: previous }, after: { metric, breachReason: reason },
      }],
      result: { metric, previous },
    };
  });

  writeResult(
    ctx,
    `recorded why ticket ${id}'s ${METRIC[done.metric].name} breached: ${reason}${done.previous ? ` (was: ${done.previous})` : ''}`,
    () => ({ id, metric: done.metric, breachReason: reason, previous: done.previous, breachReasons: getRecord(store, id)?.breachReasons }),
  );
  return 0;
}
