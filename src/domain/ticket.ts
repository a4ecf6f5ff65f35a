// A ticket, its history, and the SLA state derived from them. Pure.

import { evaluateClock, type Assignment, type BusinessTime, type ClockContext, type ClockEvent, type MetricState, type TicketClock } from './clock.js';
import { byMetric, METRICS, type ByMetric } from './metrics.js';
import { applyMultiplier, assignPolicy, type AssignResult, type PolicyDef, type TicketFields } from './policy.js';
import type { EscalationRuleDef, Instant, Targets } from './types.js';

export interface Ticket {
  id: string;
  subject: string | null;
  requester: string | null;
  customer: string | null;
  tier: string | null;
  priority: string | null;
  status: string;
  assignee: string | null;
  group: string | null;
  channel: string | null;
  tags: string[];
  /** Imported columns that are not canonical fields. */
  custom: Record<string, string>;
  createdAt: Instant;
  firstResponseAt: Instant | null;
  resolvedAt: Instant | null;
  closedAt: Instant | null;
  updatedAt: Instant | null;
  /** Priority when the clock started (later changes are priority events). */
  initialPriority: string | null;
  /** Policy and targets recorded when the clock started; null = no SLA. */
  assignment: Assignment | null;
  noSlaReason: string | null;
}

export interface TicketEvent extends ClockEvent {
  /** Order of insertion (ties at the same instant keep it). */
  seq?: number;
  actor?: string | null;
  reason?: string | null;
  /** Where it came from: import, cli, check … */
  source?: string | null;
}

/** The settings the domain needs from the config (the config layer's Config fits). */
export interface SlaSettings {
  policies: readonly PolicyDef[];
  tierMultipliers: Record<string, number>;
  pauseOnCustomerWaiting: boolean;
  pauseStatuses: readonly string[];
  atRiskThresholdPercent: number;
  recalculateOnPriorityChange: boolean;
  /** Escalation rules: their instants are folded into ComputedSla.nextChangeAt (Config.escalations fits). */
  escalations?: readonly EscalationRuleDef[];
}

/** The canonical fields ticketFields gives (others come from `custom`). */
export const TICKET_FIELD_NAMES: ReadonlySet<string> = new Set([
  'id', 'subject', 'requester', 'customer', 'tier', 'priority', 'status', 'assignee', 'group', 'channel', 'tags',
]);

export function ticketFields(t: Ticket): TicketFields {
  return {
    ...t.custom,
    id: t.id,
    subject: t.subject,
    requester: t.requester,
    customer: t.customer,
    tier: t.tier,
    priority: t.priority,
    status: t.status,
    assignee: t.assignee,
    group: t.group,
    channel: t.channel,
    tags: t.tags,
  };
}

export function assignTicket(t: Ticket, settings: SlaSettings): AssignResult {
  return assignPolicy(settings.policies, ticketFields(t), t.priority, settings.tierMultipliers);
}

// Derived once per settings object (one config per run), not once per ticket: an import
// evaluates a million tickets against the same settings. A cache, never a different result.
const pauseSets = new WeakMap<SlaSettings, ReadonlySet<string>>();
function pauseSet(settings: SlaSettings): ReadonlySet<string> {
  let set = pauseSets.get(settings);
  if (!set) {
    set = new Set(settings.pauseOnCustomerWaiting ? settings.pauseStatuses : []);
    pauseSets.set(settings, set);
  }
  return set;
}

// Without recalculateOnPriorityChange a context depends only on the settings and the
// calendar lookup: made once per pair (the last one per settings object), not per ticket.
const plainContexts = new WeakMap<SlaSettings, { calendar: (name: string) => BusinessTime; ctx: ClockContext }>();

export function clockContext(
  settings: SlaSettings,
  calendar: (name: string) => BusinessTime,
  tier: string | null,
): ClockContext {
  if (!settings.recalculateOnPriorityChange) {
    const last = plainContexts.get(settings);
    if (last && last.calendar === calendar) return last.ctx;
    const ctx: ClockContext = Object.freeze({ calendar, pauseStatuses: pauseSet(settings), atRiskPercent: settings.atRiskThresholdPercent });
    plainContexts.set(settings, { calendar, ctx });
    return ctx;
  }
  // With it, the targets depend on the ticket's tier: a context per ticket.
  return {
    calendar,
    pauseStatuses: pauseSet(settings),
    atRiskPercent: settings.atRiskThresholdPercent,
    targetsForPriority: (policyName: string, priority: string): Targets | null => {
      const p = settings.policies.find((x) => x.name === policyName);
      const base = p?.targets[priority];
      return base ? applyMultiplier(base, tier, settings.tierMultipliers) : null;
    },
  };
}

export function evaluateTicket(
  t: Ticket,
  events: readonly TicketEvent[],
  settings: SlaSettings,
  calendar: (name: string) => BusinessTime,
  now: Instant,
): TicketClock {
  return evaluateClock(
    { createdAt: t.createdAt, priority: t.initialPriority ?? t.priority, assignment: t.assignment, events },
    clockContext(settings, calendar, t.tier),
    now,
  );
}

/** A metric's clock as stored beside the ticket (null fields: the ticket has no such clock). */
export interface StoredMetric {
  status: string | null;
  atRiskAt: Instant | null;
  dueAt: Instant | null;
  stoppedAt: Instant | null;
  elapsedMin: number | null;
}

/** The stored state of a metric that has no clock. */
export const NO_STORED_METRIC: StoredMetric = Object.freeze({ status: null, atRiskAt: null, dueAt: null, stoppedAt: null, elapsedMin: null });

/** The derived instants stored beside a ticket so that `check` finds what is due by index. */
export interface ComputedSla {
  slaStatus: string | null;
  cycle: number;
  /** Each metric's clock, in the metric table's order. */
  metrics: ByMetric<StoredMetric>;
  /** The earliest breach of any metric. */
  breachedAt: Instant | null;
  pausedAt: Instant | null;
  totalPausedMs: number;
  nextChangeAt: Instant | null;
  computedAt: Instant;
}

function storedMetric(s: MetricState | null): StoredMetric {
  return s ? { status: s.status, atRiskAt: s.atRiskAt, dueAt: s.dueAt, stoppedAt: s.stoppedAt, elapsedMin: s.elapsed } : NO_STORED_METRIC;
}

export function computedFromClock(c: TicketClock): ComputedSla {
  let breachedAt: Instant | null = null;
  for (const m of METRICS) {
    const b = c.metrics[m]?.breachedAt ?? null;
    if (b !== null && (breachedAt === null || b < breachedAt)) breachedAt = b;
  }
  return {
    slaStatus: c.slaStatus,
    cycle: c.cycle,
    metrics: byMetric((m) => storedMetric(c.metrics[m])),
    breachedAt,
    pausedAt: c.pausedAt,
    totalPausedMs: c.totalPausedMs,
    nextChangeAt: c.nextChangeAt,
    computedAt: c.now,
  };
}

/** `events` with `e` inserted in time order (after events at the same instant). */
export function withEvent(events: readonly TicketEvent[], e: TicketEvent): TicketEvent[] {
  const out = [...events];
  let i = out.length;
  while (i > 0 && out[i - 1].at > e.at) i--;
  out.splice(i, 0, e);
  return out;
}

/**
 * The instant the stored state is computed at after a write at `now`: never
 * before the ticket's last event, so the stored columns reflect the whole
 * history (a write with --at in the past must not hide later events).
 */
export function storeInstant(now: Instant, events: readonly TicketEvent[]): Instant {
  let t = now;
  for (const e of events) if (e.at > t) t = e.at;
  return t;
}

/**
 * Who had the ticket at `at`: the last `assign` event at or before it; when all its assign
 * events come later, the assignee the first of them replaced (unassigned when that event
 * does not say: recorded before sla kept it); one without any keeps its assignee (`current`).
 */
export function assigneeAt(current: string | null, events: readonly TicketEvent[], at: Instant): string | null {
  let before: TicketEvent | null = null;
  let after: TicketEvent | null = null;
  for (const e of events) {
    if (e.type !== 'assign') continue;
    if (e.at <= at) { if (before === null || e.at >= before.at) before = e; }
    else if (after === null || e.at < after.at) after = e;
  }
  if (before !== null) return before.value ?? null;
  if (after !== null) return after.previous ?? null;
  return current;
}
