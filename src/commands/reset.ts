// sla reset ID --reason TEXT [--recalculate] — a new SLA cycle.
//   without --recalculate: the clocks restart now with the same targets;
//   with it: policy and targets are re-selected from the ticket's current fields,
//   measured from its original start.

import { assignTicket, type TicketEvent } from '../domain/ticket.js';
import { localTime } from '../render/format.js';
import { ticketJson } from '../render/ticket-json.js';
import { afterEvent, clockAt, dueLine, existing, isDone, refuse, requireReason, snapshot, writeResult } from './agent-ops.js';
import type { Context } from './context.js';

interface Opts { reason?: string; recalculate?: boolean }

export async function run(ctx: Context, id: string, opts: Opts): Promise<number> {
  ctx.format(['table', 'json']);
  const reason = requireReason(opts.reason, 'reset');
  const recalculate = Boolean(opts.recalculate);
  const config = await ctx.config();
  const zone = config.timezone;
  const now = await ctx.now();
  const store = await ctx.store();
  const actor = ctx.actor();

  const done = store.mutateTicket(id, (found) => {
    const cur = existing(found, id, now);
    const before = clockAt(config, ctx.calendarSync, cur.ticket, cur.events, now);
    let ev: TicketEvent;
    if (recalculate) {
      // The ticket's fields as of now (its priority may have changed since the clock started).
      const a = assignTicket({ ...cur.ticket, priority: before.priority ?? cur.ticket.priority }, config);
      if (!a.ok) throw refuse(`cannot recalculate ticket ${id}: ${a.reason}`, 'fix the ticket or the policies; nothing was changed');
      ev = { at: now, type: 'reset', recalculate: true, assignment: a.assignment, actor, reason, source: 'cli' };
    } else {
      if (!before.assignment) {
        throw refuse(`ticket ${id} has no SLA (${cur.ticket.noSlaReason ?? 'no policy matches'})`, 'use --recalculate to select a policy with the current config; nothing was changed');
      }
      if (isDone(before)) {
        throw refuse(`ticket ${id} is ${before.status}: there is no clock to restart`, 'use --recalculate to re-measure it with new targets; nothing was changed');
      }
      ev = { at: now, type: 'reset', actor, reason, source: 'cli' };
    }
    const { after, stored } = afterEvent(config, ctx.calendarSync, cur.ticket, cur.events, ev, now);
    const targets = (c: typeof before) => c.assignment
      ? { firstResponseTarget: c.metrics.first_response?.target ?? null, resolutionTarget: c.metrics.resolution?.target ?? null }
      : {};
    return {
      write: { ticket: cur.ticket, computed: stored.computed, events: [ev] },
      audit: [{
        at: now, actor, action: 'reset', ticketId: id, reason,
        before: { ...snapshot(before), ...targets(before) },
        after: { ...snapshot(after.clock), ...targets(after.clock), recalculate },
      }],
      result: { ticket: cur.ticket, clock: after.clock, before },
    };
  });

  const c = done.clock;
  const what = recalculate
    ? `recalculated with policy ${c.assignment?.policy} (was ${done.before.assignment?.policy ?? 'none'}), measured from ${localTime(done.ticket.createdAt, zone)}`
    : `clocks restart at ${localTime(now, zone)} with the same targets`;
  writeResult(
    ctx,
    `reset ${id}: SLA cycle ${c.cycle}, ${what}; ${dueLine(c, zone)}`,
    () => ticketJson(done.ticket, c),
  );
  return 0;
}
