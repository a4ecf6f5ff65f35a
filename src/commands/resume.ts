// sla resume ID [--reason TEXT] — end a manual pause.

import type { TicketEvent } from '../domain/ticket.js';
import { formatDuration, localTime } from '../render/format.js';
import { ticketJson } from '../render/ticket-json.js';
import { afterEvent, clockAt, dueLine, existing, manualPauseAt, refuse, snapshot, writeResult } from './agent-ops.js';
import type { Context } from './context.js';

interface Opts { reason?: string }

export async function run(ctx: Context, id: string, opts: Opts): Promise<number> {
  ctx.format(['table', 'json']);
  const reason = opts.reason?.trim() || null;
  const config = await ctx.config();
  const zone = config.timezone;
  const now = await ctx.now();
  const store = await ctx.store();
  const actor = ctx.actor();

  const done = store.mutateTicket(id, (found) => {
    const cur = existing(found, id, now);
    const before = clockAt(config, ctx.calendarSync, cur.ticket, cur.events, now);
    const manual = manualPauseAt(cur.events, now);
    if (!manual) {
      const ended = lastPauseEnded(cur.events, now);
      if (before.pausedAt !== null) {
        throw refuse(
          `ticket ${id} is not paused by sla pause: its status is ${before.status} (waiting on the customer)`,
          'the clocks resume by themselves when the status changes; nothing was changed',
        );
      }
      throw refuse(
        `ticket ${id} is not paused${ended !== null ? ` (its pause ended by itself at ${localTime(ended, zone)})` : ''}`,
        'nothing to resume; nothing was changed',
      );
    }
    const ev: TicketEvent = { at: now, type: 'resume', actor, reason, source: 'cli' };
    const { after, stored } = afterEvent(config, ctx.calendarSync, cur.ticket, cur.events, ev, now);
    return {
      write: { ticket: cur.ticket, computed: stored.computed, events: [ev] },
      audit: [{
        at: now, actor, action: 'resume', ticketId: id, reason,
        before: snapshot(before), after: { ...snapshot(after.clock), pausedFor: Math.round((now - manual.since) / 60_000) },
      }],
      result: { ticket: cur.ticket, clock: after.clock, since: manual.since },
    };
  });

  writeResult(
    ctx,
    `resumed ${id} at ${localTime(now, zone)} after ${formatDuration((now - done.since) / 60_000)} paused; ${dueLine(done.clock, zone)}`,
    () => ticketJson(done.ticket, done.clock),
  );
  return 0;
}

/** When the last manual pause ran out by itself (its `until`), if it did. */
function lastPauseEnded(events: readonly TicketEvent[], now: number): number | null {
  let until: number | null = null;
  for (const e of events) {
    if (e.at > now) break;
    if (e.type === 'pause') until = e.until ?? null;
    if (e.type === 'resume') until = null;
  }
  return until !== null && until <= now ? until : null;
}
