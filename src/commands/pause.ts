// sla pause ID --reason TEXT [--until TIME|DURATION] — manual pause of the running clocks.

import { pauseTicket } from '../app/ticket-ops.js';
import { localTime } from '../render/format.js';
import { ticketJson } from '../render/ticket-json.js';
import { dueLine, parseUntil, requireReason, writeResult } from './agent-ops.js';
import { usageError, type Context } from './context.js';

interface Opts { reason?: string; until?: string }

export async function run(ctx: Context, id: string, opts: Opts): Promise<number> {
  ctx.format(['table', 'json']);
  const reason = requireReason(opts.reason, 'pause');
  const zone = (await ctx.config()).timezone;
  const now = await ctx.now();
  let until: number | null = null;
  if (opts.until !== undefined) {
    until = await parseUntil(opts.until, zone, now);
    if (until <= now) {
      throw usageError(`--until ${localTime(until, zone)} is not after the pause starts (${localTime(now, zone)})`, 'give a later time or a duration such as 2h');
    }
  }
  const done = await pauseTicket(await ctx.setup(), id, { reason, until });
  writeResult(
    ctx,
    `paused ${id} at ${localTime(now, zone)}${until !== null ? ` until ${localTime(until, zone)}` : ''} — ${reason}; ${dueLine(done.clock, zone)}`,
    () => ticketJson(done.ticket, done.clock),
  );
  return 0;
}
