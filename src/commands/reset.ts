// sla reset ID --reason TEXT [--recalculate] — a new SLA cycle.
//   without --recalculate: the clocks restart now with the same targets;
//   with it: policy and targets are re-selected from the ticket's current fields,
//   measured from its original start.

import { resetTicket } from '../app/ticket-ops.js';
import { localTime } from '../render/format.js';
import { ticketJson } from '../render/ticket-json.js';
import { dueLine, requireReason, writeResult } from './agent-ops.js';
import type { Context } from './context.js';

interface Opts { reason?: string; recalculate?: boolean }

export async function run(ctx: Context, id: string, opts: Opts): Promise<number> {
  ctx.format(['table', 'json']);
  const reason = requireReason(opts.reason, 'reset');
  const recalculate = Boolean(opts.recalculate);
  const s = await ctx.setup();
  const done = await resetTicket(s, id, { reason, recalculate });
  const zone = s.config.timezone;
  const c = done.clock;
  const what = recalculate
    ? `recalculated with policy ${c.assignment?.policy} (was ${done.before.assignment?.policy ?? 'none'}), measured from ${localTime(done.ticket.createdAt, zone)}`
    : `clocks restart at ${localTime(s.now, zone)} with the same targets`;
  writeResult(
    ctx,
    `reset ${id}: SLA cycle ${c.cycle}, ${what}; ${dueLine(c, zone)}`,
    () => ticketJson(done.ticket, c),
  );
  return 0;
}
