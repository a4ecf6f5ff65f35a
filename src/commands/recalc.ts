// sla recalc [--dry-run] — apply the current config to open tickets on purpose.
// Each open ticket's policy and targets are selected again; where they differ, a
// `retarget` event records the new assignment, measured from the original start
// (not a new cycle). The deadlines that move are summarised first; the changes
// are applied in ONE transaction (all or nothing) unless --dry-run.

import type { Assignment, TicketClock } from '../domain/clock.js';
import type { Ticket, TicketEvent } from '../domain/ticket.js';
import type { Instant, Metric } from '../domain/types.js';
import { formatDuration, isoUtc, localTime, minutes } from '../render/format.js';
import type { TicketRecord } from '../store/sqlite/queries.js';
import { afterEvent, clockAt, configAssignment, isDone, snapshot } from './agent-ops.js';
import { CliError, type Context } from './context.js';
import type { Config } from '../config/types.js';
import type { ComputedSla } from '../domain/ticket.js';

interface Opts { dryRun?: boolean }

/** What the summary and the audit need of a clock (not the clock: a recalc may move 100,000 tickets). */
interface Side {
  slaStatus: string | null;
  due: Record<Metric, Instant | null>;
  running: Record<Metric, boolean>;
  snap: Record<string, unknown>;
}

interface Change {
  id: string;
  ticket: Ticket;
  event: TicketEvent;
  computed: ComputedSla;
  from: Assignment | null;
  to: Assignment | null;
  before: Side | null;
  after: Side;
}

function side(c: TicketClock): Side {
  const fr = c.metrics.first_response;
  const res = c.metrics.resolution;
  return {
    slaStatus: c.slaStatus,
    due: { first_response: fr?.dueAt ?? null, resolution: res?.dueAt ?? null },
    running: { first_response: fr !== null && fr.stoppedAt === null, resolution: res !== null && res.stoppedAt === null },
    snap: snapshot(c),
  };
}

interface Plan { open: number; changes: Change[] }

export interface ShiftStats { moved: number; earlier: number; later: number; minMinutes: number | null; medianMinutes: number | null; maxMinutes: number | null }

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', 'json']);
  const config = await ctx.config();
  const zone = config.timezone;
  const now = await ctx.now();
  const store = await ctx.store();
  const q = await import('../store/sqlite/queries.js');
  const actor = ctx.actor();
  const dryRun = Boolean(opts.dryRun);
  if (!dryRun) await ctx.holdsWrites('a recalc');

  const plan = dryRun
    ? makePlan(ctx, config, q.allOpen(store), now, actor)
    : q.inWriteTransaction(store, () => {
      const p = makePlan(ctx, config, q.allOpen(store), now, actor);
      // Nested in this one transaction: all the retargets and their audit entries, or none.
      store.saveTickets(p.changes.map((c) => ({ ticket: c.ticket, computed: c.computed, events: [c.event] })));
      for (const c of p.changes) {
        store.addAudit({
          at: now, actor, action: 'recalc', ticketId: c.id, reason: 'config applied by sla recalc',
          before: c.before ? { ...c.before.snap, targets: c.from?.targets ?? null } : { policy: c.from?.policy ?? null, targets: c.from?.targets ?? null },
          after: { ...c.after.snap, targets: c.to?.targets ?? null },
        });
      }
      return p;
    });

  const res = shiftStats(plan.changes, 'resolution');
  const fr = shiftStats(plan.changes, 'first_response');
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
      resolution: res, firstResponse: fr,
      byPolicy: [...groups].map(([k, cs]) => ({ from: cs[0].from?.policy ?? null, to: cs[0].to?.policy ?? null, key: k, tickets: cs.length, resolution: shiftStats(cs, 'resolution') })),
      statusChanges: statusChanges.length,
      losingSla: losing.length,
      tickets: plan.changes.map((c) => ({
        id: c.id, from: c.from, to: c.to,
        firstResponseDue: { before: isoUtc(c.before?.due.first_response), after: isoUtc(c.after.due.first_response) },
        resolutionDue: { before: isoUtc(c.before?.due.resolution), after: isoUtc(c.after.due.resolution) },
        slaStatus: { before: c.before?.slaStatus ?? null, after: c.after.slaStatus },
      })),
    }));
    return 0;
  }

  const n = (x: number): string => x.toLocaleString('en-US');
  ctx.out(`sla recalc at ${localTime(now, zone)}: ${n(plan.open)} open tickets; ${n(plan.changes.length)} ${dryRun ? 'would get' : 'get'} a new policy or targets`);
  if (plan.changes.length) {
    ctx.out(`  resolution deadlines: ${statsText(res)}`);
    ctx.out(`  first-response deadlines: ${statsText(fr)}`);
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

function makePlan(ctx: Context, config: Config, pages: Iterable<TicketRecord[]>, now: Instant, actor: string): Plan {
  let open = 0;
  const changes: Change[] = [];
  for (const page of pages) for (const { ticket, events } of page) {
    if (ticket.createdAt > now) continue;
    let before: TicketClock | null = null;
    try {
      before = clockAt(config, ctx.calendarSync, ticket, events, now);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      before = null; // its calendar is gone from the config: retarget it
    }
    if (before && isDone(before)) continue;
    open++;
    const { to, changed } = configAssignment(config, ticket, events, now, before);
    if (!changed) continue;
    const from = before ? before.assignment : ticket.assignment;
    const event: TicketEvent = { at: now, type: 'retarget', assignment: to, actor, reason: 'sla recalc', source: 'cli' };
    const { after, stored } = afterEvent(config, ctx.calendarSync, ticket, events, event, now);
    changes.push({ id: ticket.id, ticket, event, computed: stored.computed, from, to, before: before && side(before), after: side(after.clock) });
  }
  return { open, changes };
}

export function shiftStats(changes: Change[], metric: Metric): ShiftStats {
  const shifts: number[] = [];
  for (const c of changes) {
    const b = c.before;
    if (!b || !b.running[metric] || b.due[metric] === null || c.after.due[metric] === null) continue;
    const d = (c.after.due[metric]! - b.due[metric]!) / 60_000;
    if (d !== 0) shifts.push(d);
  }
  shifts.sort((x, y) => x - y);
  const mid = shifts.length
    ? shifts.length % 2 ? shifts[(shifts.length - 1) / 2] : (shifts[shifts.length / 2 - 1] + shifts[shifts.length / 2]) / 2
    : null;
  return {
    moved: shifts.length,
    earlier: shifts.filter((x) => x < 0).length,
    later: shifts.filter((x) => x > 0).length,
    minMinutes: shifts.length ? minutes(shifts[0]) : null,
    medianMinutes: minutes(mid),
    maxMinutes: shifts.length ? minutes(shifts[shifts.length - 1]) : null,
  };
}

function signed(m: number | null): string {
  if (m === null) return '—';
  return m > 0 ? `+${formatDuration(m)}` : formatDuration(m);
}

function statsText(s: ShiftStats): string {
  if (!s.moved) return 'none move';
  return `${s.moved} move (${s.later} later, ${s.earlier} earlier): min ${signed(s.minMinutes)}, median ${signed(s.medianMinutes)}, max ${signed(s.maxMinutes)}`;
}
