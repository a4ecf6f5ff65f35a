// sla escalate ID --reason TEXT [--to USER] [--notify DEST] — manual escalation.
//
// One transaction: an 'escalated' SLA event with rule 'manual:<n>' (so a ticket can
// be escalated by hand more than once per cycle), the assignment change with --to,
// an alert queued for DEST with --notify (plus any route for 'escalated'), and the
// audit entry. Refused — exit 1, nothing written — for an unknown ticket or
// destination or a missing reason. The alert is then delivered at once; if that
// fails for a passing reason it stays queued for the next `sla check`.

import type { TicketEvent } from '../domain/ticket.js';
import { afterEvent, clockAt, existing, refuse, requireReason } from './agent-ops.js';
import type { Context } from './context.js';

interface Opts { reason?: string; to?: string; notify?: string }

export async function run(ctx: Context, id: string, opts: Opts): Promise<number> {
  const format = ctx.format(['table', 'json']);
  const reason = requireReason(opts.reason, 'escalate');
  const config = await ctx.config();
  const to = opts.to?.trim() || null;
  if (opts.to !== undefined && !to) throw refuse('--to needs a user', 'give the assignee, e.g. --to duty-manager; nothing was changed');
  const notify = opts.notify?.trim() || null;
  if (opts.notify !== undefined) {
    const names = Object.keys(config.alerts.destinations);
    if (!notify || !(notify in config.alerts.destinations)) {
      throw refuse(
        `unknown alert destination ${JSON.stringify(opts.notify)}`,
        `${names.length ? `the config defines: ${names.join(', ')}` : 'the config defines no alerts.destinations'}; nothing was changed`,
      );
    }
  }
  const now = await ctx.now();
  const store = await ctx.store();
  const actor = ctx.actor();
  const [{ AlertStore }, { queueAlerts }, { deliverPending }, { failureLines }] = await Promise.all([
    import('../store/sqlite/outbox.js'), import('../alerts/check.js'), import('../alerts/deliver.js'), import('../alerts/summary.js'),
  ]);
  const as = new AlertStore(store);

  const done = as.tx(() => {
    const { ticket, events } = existing(store.getTicketWithEvents(id), id, now);
    const clock = clockAt(config, ctx.calendarSync, ticket, events, now);
    const next = { ...ticket };
    const escalation: { rule: string; manual: true; reason: string; actor: string; assignee?: { from: string | null; to: string | null } } = {
      rule: '', manual: true, reason, actor,
    };
    let ev: TicketEvent | null = null;
    if (to !== null && to !== ticket.assignee) {
      next.assignee = to;
      escalation.assignee = { from: ticket.assignee, to };
      ev = { at: now, type: 'assign', value: to, previous: ticket.assignee, actor, reason, source: 'cli' };
    }
    let seq: number | null = null;
    for (let n = as.manualEscalations(id, clock.cycle) + 1; seq === null; n++) {
      escalation.rule = `manual:${n}`;
      seq = as.insertSlaEvent({
        ticketId: id, cycle: clock.cycle, type: 'escalated', rule: escalation.rule, dueAt: now, recordedAt: now,
        announced: true, data: { ...escalation, notify: notify ? [notify] : [] }, runId: null,
      });
    }
    const fr = clock.metrics.first_response;
    const metric = fr && fr.stoppedAt === null ? 'first_response' : 'resolution';
    const q = queueAlerts(as, config, {
      ticket: next, clock, type: 'escalated', rule: escalation.rule, metric, at: now, now, seq, runId: null,
      notify: notify ? [notify] : [], escalation,
    });
    // The stored state knows the transitions `check` recorded in its cycle (fired once per cycle).
    const { stored } = afterEvent(config, ctx.calendarSync, next, events, ev, now, { fired: (cycle) => as.firedKeys(id, cycle) });
    store.saveTicket(next, stored.computed, ev ? [ev] : [], {
      at: now, actor, action: 'escalate', ticketId: id, reason,
      before: { assignee: ticket.assignee }, after: { assignee: next.assignee, rule: escalation.rule, notify: q.destinations },
    });
    return { rule: escalation.rule, cycle: clock.cycle, from: ticket.assignee, to: next.assignee, destinations: q.destinations, ids: q.ids };
  });

  // Deliver the notification now (outside the transaction); on a passing failure it stays queued.
  let exit = 0;
  let delivery = null;
  if (done.ids.length) {
    const wall0 = ctx.realClock();
    delivery = await deliverPending({ alerts: as, config, env: ctx.env, now: () => now + (ctx.realClock() - wall0), wall: ctx.realClock, onlyIds: done.ids });
    for (const line of failureLines(delivery)) ctx.warn(line);
    if (delivery.failures.some((f) => f.permanent)) exit = 1;
  }

  if (format === 'json') {
    ctx.data(JSON.stringify({
      ticketId: id, rule: done.rule, cycle: done.cycle, reason, actor,
      assignee: done.from !== done.to ? { from: done.from, to: done.to } : null,
      notified: done.destinations, sent: delivery?.sent ?? 0, queued: delivery?.retrying ?? 0, failed: delivery?.failed ?? 0,
    }));
  } else if (!ctx.globals.quiet) {
    const parts = [`escalated #${id} (${done.rule})`];
    if (done.from !== done.to) parts.push(`assigned to ${done.to}${done.from ? ` (was ${done.from})` : ''}`);
    if (done.destinations.length) {
      const how = delivery && delivery.sent > 0 ? 'notified' : delivery && delivery.failed > 0 ? 'notification failed for' : 'notification queued for';
      parts.push(`${how} ${done.destinations.join(', ')}`);
    }
    ctx.out(parts.join(' · '));
  }
  return exit;
}
