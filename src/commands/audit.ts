// sla audit [ID] [--since TIME] [--actor NAME] — who did what, when and why.
// `--actor` here filters the log (it is not the "who is acting" of writes).

import { auditLine, changeText } from '../render/audit.js';
import { isoUtc } from '../render/format.js';
import { DATA_FORMATS, dataText } from '../render/output.js';
import type { AuditEntry } from '../store/port.js';
import type { Context } from './context.js';

interface Opts { since?: string; actor?: string }

export async function run(ctx: Context, id: string | undefined, opts: Opts): Promise<number> {
  const format = ctx.format(['table', ...DATA_FORMATS]);
  const zone = (await ctx.config()).timezone;
  const since = opts.since !== undefined ? await ctx.parseTime(opts.since, zone, '--since') : undefined;
  const { now, store } = await ctx.setup();
  // Only `sla audit --actor NAME` filters; a global `sla --actor me audit` (e.g. from a shell
  // alias) names who is acting and must not silently hide other people's entries.
  const actor = opts.actor;
  const entries: AuditEntry[] = (await store.listAudit({ ticketId: id, since, actor })).filter((a) => a.at <= now);

  if (format === 'json' || format === 'ndjson') {
    ctx.stdout.write(dataText(format, entries.map((a) => ({ ...a, at: isoUtc(a.at) }))));
    return 0;
  }
  if (format === 'csv') {
    const { toCsv } = await import('../render/csv.js');
    ctx.stdout.write(toCsv(
      ['seq', 'at', 'actor', 'action', 'ticket_id', 'reason', 'change', 'before', 'after'],
      entries.map((a) => [a.seq ?? null, isoUtc(a.at), a.actor, a.action, a.ticketId, a.reason, changeText(a, zone), json(a.before), json(a.after)]),
      true,
    ));
    return 0;
  }
  if (!entries.length) {
    ctx.out(`no audit entries${id ? ` for ticket ${id}` : ''}${actor ? ` by ${actor}` : ''}${since !== undefined ? ` since ${opts.since}` : ''}`);
    return 0;
  }
  if (!ctx.globals.quiet) ctx.out(`Audit log${id ? ` of ticket ${id}` : ''} — times in ${zone}`);
  for (const a of entries) ctx.out(auditLine(a, zone, 6, 80, id ? '' : `#${a.ticketId ?? '—'}  `));
  return 0;
}

function json(v: unknown): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v);
}
