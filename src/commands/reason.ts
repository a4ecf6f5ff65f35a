// sla reason ID TEXT [--metric first_response|resolution] — why a breached metric breached.

import { recordBreachReason } from '../app/ticket-ops.js';
import { METRIC } from '../domain/metrics.js';
import { refuse } from '../app/setup.js';
import { parseMetric, writeResult } from './agent-ops.js';
import type { Context } from './context.js';

interface Opts { metric?: string }

export async function run(ctx: Context, id: string, text: string, opts: Opts): Promise<number> {
  ctx.format(['table', 'json']);
  const metric = parseMetric(opts.metric);
  const reason = text?.trim();
  if (!reason) throw refuse('sla reason needs the reason text', `e.g. sla reason ${id} "waiting on engineering fix"; nothing was changed`);
  const done = await recordBreachReason(await ctx.setup(), id, { reason, metric });
  writeResult(
    ctx,
    `recorded why ticket ${id}'s ${METRIC[done.metric].name} breached: ${reason}${done.previous ? ` (was: ${done.previous})` : ''}`,
    () => ({ id, metric: done.metric, breachReason: reason, previous: done.previous, breachReasons: done.breachReasons }),
  );
  return 0;
}
