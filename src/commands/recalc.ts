// sla recalc [--dry-run] — apply the current config to open tickets on purpose
// (app/recalc.ts). The deadlines that move are summarised; the changes are applied in ONE
// transaction (all or nothing) unless --dry-run.

import { recalcOpen, shiftStats, type Change, type ShiftStats } from '../app/recalc.js';
import { byMetric, METRIC, METRICS, METRICS_LATER_FIRST, perMetric } from '../domain/metrics.js';
import { formatDuration, isoUtc, localTime } from '../render/format.js';
import type { Context } from './context.js';

interface Opts { dryRun?: boolean }

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', 'json']);
  const config = await ctx.config();
  const zone = config.timezone;
  const now = await ctx.now();
  const dryRun = Boolean(opts.dryRun);
  const s = await ctx.setup();
  if (!dryRun) await ctx.holdsWrites('a recalc');
  const plan = await recalcOpen(s, { dryRun });

  const shifts = byMetric((m) => shiftStats(plan.changes, m));
  const groups = new Map<string, Change[]>();
  for (const c of plan.changes) {
    const k = `${c.from?.policy ?? 'no SLA'} → ${c.to?.policy ?? 'no SLA'}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  const statusChanges = plan.changes.filter((c) => (c.before?.slaStatus ?? null) !== c.after.slaStatus);
  const losing = plan.changes.filter((c) => c.to === null);

  if (format === 'json') {
    ctx.data(JSON.stringify({
      at: isoUtc(now), dryRun, applied: !dryRun, openTickets: plan.open, changed: plan.changes.length,
      ...perMetric((m) => shifts[m]),
      byPolicy: [...groups].map(([k, cs]) => ({ from: cs[0].from?.policy ?? null, to: cs[0].to?.policy ?? null, key: k, tickets: cs.length, resolution: shiftStats(cs, 'resolution') })),
      statusChanges: statusChanges.length,
      losingSla: losing.length,
      tickets: plan.changes.map((c) => ({
        id: c.id, from: c.from, to: c.to,
        ...Object.fromEntries(METRICS.map((m) => [`${METRIC[m].key}Due`, { before: isoUtc(c.before?.due[m]), after: isoUtc(c.after.due[m]) }])),
        slaStatus: { before: c.before?.slaStatus ?? null, after: c.after.slaStatus },
      })),
    }));
    return 0;
  }

  const n = (x: number): string => x.toLocaleString('en-US');
  ctx.out(`sla recalc at ${localTime(now, zone)}: ${n(plan.open)} open tickets; ${n(plan.changes.length)} ${dryRun ? 'would get' : 'get'} a new policy or targets`);
  if (plan.changes.length) {
    for (const m of METRICS_LATER_FIRST) ctx.out(`  ${METRIC[m].name.replace(' ', '-')} deadlines: ${statsText(shifts[m])}`);
    for (const [k, cs] of groups) ctx.out(`  ${k}: ${n(cs.length)} ticket(s); resolution ${statsText(shiftStats(cs, 'resolution'))}`);
    if (statusChanges.length) {
      const counts = new Map<string, number>();
      for (const c of statusChanges) {
        const k = `${c.before?.slaStatus ?? '—'} → ${c.after.slaStatus ?? 'no SLA'}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      ctx.out(`  SLA status changes: ${[...counts].map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
    }
    if (losing.length) ctx.out(`  ${n(losing.length)} would lose their SLA (no policy or no targets for their priority)`);
  }
  if (dryRun) ctx.out('dry run: nothing was changed (run sla recalc to apply)');
  else ctx.out(plan.changes.length ? `applied: ${n(plan.changes.length)} ticket(s) retargeted (sla audit lists each)` : 'nothing to change');
  return 0;
}

function signed(m: number | null): string {
  if (m === null) return '—';
  return m > 0 ? `+${formatDuration(m)}` : formatDuration(m);
}

function statsText(s: ShiftStats): string {
  if (!s.moved) return 'none move';
  return `${s.moved} move (${s.later} later, ${s.earlier} earlier): min ${signed(s.minMinutes)}, median ${signed(s.medianMinutes)}, max ${signed(s.maxMinutes)}`;
}
