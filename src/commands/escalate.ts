// sla escalate ID --reason TEXT [--to USER] [--notify DEST] — manual escalation
// (app/escalate.ts). Refused — exit 1, nothing written — for an unknown ticket or
// destination or a missing reason.

import { escalateTicket } from '../app/escalate.js';
import { refuse } from '../app/setup.js';
import { requireReason } from './agent-ops.js';
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
  const s = await ctx.setup();
  const done = await escalateTicket(s, id, { reason, to, notify });
  const { delivery } = done;
  let exit = 0;
  if (delivery) {
    const { failureLines } = await import('./check-summary.js');
    for (const line of failureLines(delivery)) ctx.warn(line);
    if (delivery.failures.some((f) => f.permanent)) exit = 1;
  }
  const actor = s.actor;

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
