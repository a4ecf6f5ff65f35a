// sla pause ID --reason TEXT [--until TIME|DURATION] — manual pause of the running clocks.

import type { TicketEvent } from '../domain/ticket.js';
import { isoUtc, localTime } from '../render/format.js';
import { ticketJson } from '../render/ticket-json.js';
import { afterEvent, clockAt, dueLine, existing, isDone, manualPauseAt, parseUntil, refuse, requireReason, snapshot, writeResult } from './agent-ops.js';
import { usageError, type Context } from './context.js';

interface Opts { reason?: string; until?: string }

export async function run(ctx: Context, id: string, opts: Opts): Promise<number> {
  ctx.format(['table', 'json']);
  const reason = requireReason(opts.reason, 'pause');
  const config = await ctx.config();
  const zone = config.timezone;
  const now = await ctx.now();
  let until: number | null = null;
  if (opts.until !== undefined) {
    until = await parseUntil(opts.until, zone, now);
    if (until <= now) {
      throw usageError(`--until ${localTime(until, zone)} is not after the pause starts (${localTime(now, zone)})`, 'give a later time or a duration such as 2h');
    }
  }
  const store = await ctx.store();
  const actor = ctx.actor();

  const done = store.mutateTicket(id, (found) => {
    const cur = existing(found, id, now);
    const before = clockAt(config, ctx.calendarSync, cur.ticket, cur.events, now);
    if (isDone(before)) throw refuse(`ticket ${id} is ${before.status}`, 'its SLA clocks have stopped; nothing was changed');
    if (!before.assignment) {
      throw refuse(`ticket ${id} has no SLA (${cur.ticket.noSlaReason ?? 'no policy matches'})`, 'there is no clock to pause; nothing was changed');
    }
    const manual = manualPauseAt(cur.events, now);
    if (manual) {
      throw refuse(
        `ticket ${id} is already paused since ${localTime(manual.since, zone)}${manual.until !== null ? ` until ${localTime(manual.until, zone)}` : ''}${manual.actor ? ` by ${manual.actor}` : ''}`,
        'resume it first (sla resume ' + id + '); nothing was changed',
      );
    }
    if (before.pausedAt !== null) {
      throw refuse(
        `ticket ${id} is already paused: its status is ${before.status} (waiting on the customer)`,
        'the clocks resume by themselves when the status changes; nothing was changed',
      );
    }
    const ev: TicketEvent = { at: now, type: 'pause', until, actor, reason, source: 'cli' };
    const { after, stored } = afterEvent(config, ctx.calendarSync, cur.ticket, cur.events, ev, now);
    return {
      write: { ticket: cur.ticket, computed: stored.computed, events: [ev] },
      audit: [{
        at: now, actor, action: 'pause', ticketId: id, reason,
        before: snapshot(before), after: { ...snapshot(after.clock), pauseUntil: isoUtc(until) },
      }],
      result: { ticket: cur.ticket, clock: after.clock },
    };
  });

  writeResult(
    ctx,
    `paused ${id} at ${localTime(now, zone)}${until !== null ? ` until ${localTime(until, zone)}` : ''} — ${reason}; ${dueLine(done.clock, zone)}`,
    () => ticketJson(done.ticket, done.clock),
  );
  return 0;
}
