// `sla recalc`: apply the current config to open tickets on purpose. Each open ticket's
// policy and targets are selected again; where they differ, a `retarget` event records the
// new assignment, measured from the original start (not a new cycle). The changes are
// applied in ONE transaction (all or nothing), or only planned (dry run).

import type { Assignment, TicketClock } from '../domain/clock.js';
import type { ComputedSla, Ticket, TicketEvent } from '../domain/ticket.js';
import { byMetric } from '../domain/metrics.js';
import type { Instant, Metric } from '../domain/types.js';
import { UserError } from '../errors.js';
import { minutes } from '../render/format.js';
import type { TicketRecord } from '../store/port.js';
import type { Setup } from './setup.js';
import { afterEvent, clockAt, configAssignment, isDone, snapshot } from './ticket-ops.js';

/** What the summary and the audit need of a clock (not the clock: a recalc may move 100,000 tickets). */
interface Side {
  slaStatus: string | null;
  due: Record<Metric, Instant | null>;
  running: Record<Metric, boolean>;
  snap: Record<string, unknown>;
}

export interface Change {
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
  return {
    slaStatus: c.slaStatus,
    due: byMetric((m) => c.metrics[m]?.dueAt ?? null),
    running: byMetric((m) => { const s = c.metrics[m]; return s !== null && s.stoppedAt === null; }),
    snap: snapshot(c),
  };
}

export interface Plan { open: number; changes: Change[] }

export interface ShiftStats { moved: number; earlier: number; later: number; minMinutes: number | null; medianMinutes: number | null; maxMinutes: number | null }

/** The plan over every open ticket, applied (all of it, with its audit) unless `dryRun`. */
export async function recalcOpen(s: Setup, opts: { dryRun: boolean }): Promise<Plan> {
  const { now, actor } = s;
  const plan: Plan = { open: 0, changes: [] };
  return s.store.mutateOpenTickets({
    page: (records) => {
      const changes = planPage(s, records, plan);
      return {
        writes: changes.map((c) => ({ ticket: c.ticket, computed: c.computed, events: [c.event] })),
        audit: changes.map((c) => ({
          at: now, actor, action: 'recalc', ticketId: c.id, reason: 'config applied by sla recalc',
          before: c.before ? { ...c.before.snap, targets: c.from?.targets ?? null } : { policy: c.from?.policy ?? null, targets: c.from?.targets ?? null },
          after: { ...c.after.snap, targets: c.to?.targets ?? null },
        })),
      };
    },
    result: () => plan,
  }, { write: !opts.dryRun });
}

/** One page of open tickets into `plan` (counted, and their changes added); its changes. */
function planPage(s: Setup, records: readonly TicketRecord[], plan: Plan): Change[] {
  const { config, calendar, now, actor } = s;
  const changes: Change[] = [];
  for (const { ticket, events } of records) {
    if (ticket.createdAt > now) continue;
    let before: TicketClock | null = null;
    try {
      before = clockAt(config, calendar, ticket, events, now);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      before = null; // its calendar is gone from the config: retarget it
    }
    if (before && isDone(before)) continue;
    plan.open++;
    const { to, changed } = configAssignment(config, ticket, events, now, before);
    if (!changed) continue;
    const from = before ? before.assignment : ticket.assignment;
    const event: TicketEvent = { at: now, type: 'retarget', assignment: to, actor, reason: 'sla recalc', source: 'cli' };
    const { after, stored } = afterEvent(config, calendar, ticket, events, event, now);
    changes.push({ id: ticket.id, ticket, event, computed: stored.computed, from, to, before: before && side(before), after: side(after.clock) });
  }
  plan.changes.push(...changes);
  return changes;
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

