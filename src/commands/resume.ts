// sla resume ID [--reason TEXT] — end a manual pause.

import { resumeTicket } from '../app/ticket-ops.js';
import { formatDuration, localTime } from '../render/format.js';
import { ticketJson } from '../render/ticket-json.js';
import { dueLine, writeResult } from './agent-ops.js';
import type { Context } from './context.js';

interface Opts { reason?: string }

export async function run(ctx: Context, id: string, opts: Opts): Promise<number> {
  ctx.format(['table', 'json']);
  const s = await ctx.setup();
  const done = await resumeTicket(s, id, { reason: opts.reason?.trim() || null });
  const zone = s.config.timezone;
  writeResult(
    ctx,
    `resumed ${id} at ${localTime(s.now, zone)} after ${formatDuration((s.now - done.since) / 60_000)} paused; ${dueLine(done.clock, zone)}`,
    () => ticketJson(done.ticket, done.clock),
  );
  return 0;
}
