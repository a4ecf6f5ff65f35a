// The agents' ticket operations (pause, resume, reset, reason) and what they share with
// recalc, show and list: evaluating a stored ticket, the manual-pause state, refusals,
// and the before/after values the audit log keeps. Each operation is one store
// transaction whose decision is pure: it refuses (throws, nothing written) or says what
// to write.

import type { Config } from '../config/types.js';
import type { Assignment, BusinessTime, TicketClock } from '../domain/clock.js';
import { METRIC, METRICS, METRICS_LATER_FIRST, type Metric } from '../domain/metrics.js';
import { computeSla, type ComputeOptions, type SlaState } from '../domain/sla.js';
import { assignTicket, evaluateTicket, storeInstant, withEvent, type Ticket, type TicketEvent } from '../domain/ticket.js';
import { DONE_STATUSES, type Instant } from '../domain/types.js';
import type { UserError } from '../errors.js';
import { isoUtc, localTime, minutes } from '../render/format.js';
import type { BreachReasons } from '../store/port.js';
import { refuse, type Setup } from './setup.js';

export { refuse };

export function notFound(id: string): UserError {
  return refuse(`ticket ${id} not found`, 'check the id (sla list shows open tickets); nothing was changed');
}

/**
 * `ev` (if any) appended to the history: the new history, the state at `now` (for
 * messages and audit) and the state to store (never computed before the ticket's
 * last event). `opts` goes to both evaluations (e.g. the transitions `check` fired).
 */
export function afterEvent(
  config: Config, calendar: (name: string) => BusinessTime, t: Ticket, events: readonly TicketEvent[], ev: TicketEvent | null, now: Instant,
  opts: ComputeOptions = {},
): { events: readonly TicketEvent[]; after: SlaState; stored: SlaState } {
  const all = ev ? withEvent(events, ev) : events;
  const after = computeSla(t, all, config, calendar, now, opts);
  const storeAt = storeInstant(now, all);
  return { events: all, after, stored: storeAt === now ? after : computeSla(t, all, config, calendar, storeAt, opts) };
}

/**
 * What the current config gives the ticket, as `sla recalc` applies it (shared by
 * recalc and show so that they agree): the assignment for the priority its targets
 * were chosen for (see basisPriority), and whether it differs from what is in
 * force (`clock`; null when the ticket cannot be evaluated, e.g. its calendar is
 * gone from the config — then it always changes).
 */
export function configAssignment(
  config: Config, t: Ticket, events: readonly TicketEvent[], now: Instant, clock: TicketClock | null,
): { to: Assignment | null; reason: string | null; changed: boolean } {
  const a = assignTicket({ ...t, priority: basisPriority(config, t, events, now, clock) }, config);
  const to = a.ok ? a.assignment : null;
  return { to, reason: a.ok ? null : a.reason, changed: !clock || !same(clock, to) };
}

/**
 * The priority the ticket's targets were chosen for: its current one when the
 * config recalculates on priority changes; else the one at the start of the
 * clock (or at the last `reset --recalculate`) — a promise made is kept, and
 * recalc applies config changes, not priority changes (SPEC §3).
 */
export function basisPriority(config: Config, t: Ticket, events: readonly TicketEvent[], now: Instant, clock: TicketClock | null): string | null {
  if (config.recalculateOnPriorityChange && clock) return clock.priority;
  let p = t.initialPriority ?? t.priority;
  let basis = p;
  for (const e of events) {
    if (e.at > now) break;
    if (e.type === 'priority' && e.value) p = e.value;
    if (e.type === 'reset' && e.recalculate) basis = p;
  }
  return basis;
}

/** The clock's effective policy, calendar and targets equal the new assignment's. */
function same(c: TicketClock, to: Assignment | null): boolean {
  const a = c.assignment;
  if (!a || !to) return !a && !to;
  return a.policy === to.policy && a.calendar === to.calendar &&
    METRICS.every((m) => Math.abs((c.metrics[m]?.target ?? a.targets[METRIC[m].key]) - to.targets[METRIC[m].key]) < 1e-9);
}

export interface ManualPause { since: Instant; until: Instant | null; reason: string | null; actor: string | null }

/** The manual pause in force at `now` (the clock's rules: the first pause wins, resume ends it, `until` ends it). */
export function manualPauseAt(events: readonly TicketEvent[], now: Instant): ManualPause | null {
  let manual: ManualPause | null = null;
  for (const e of events) {
    if (e.at > now) break;
    if (manual && manual.until !== null && manual.until <= e.at) manual = null;
    if (e.type === 'pause' && !manual) manual = { since: e.at, until: e.until ?? null, reason: e.reason ?? null, actor: e.actor ?? null };
    else if (e.type === 'resume') manual = null;
  }
  if (manual && manual.until !== null && manual.until <= now) manual = null;
  return manual;
}

/** The clock's status (as of the instant it was evaluated at) is a done one: its clocks have stopped. */
export function isDone(clock: TicketClock): boolean {
  return DONE_STATUSES.has(clock.status);
}

/** The values an audit entry keeps before and after a change. */
export function snapshot(clock: TicketClock): Record<string, unknown> {
  return {
    slaStatus: clock.slaStatus,
    policy: clock.assignment?.policy ?? null,
    cycle: clock.cycle,
    ...Object.fromEntries(METRICS.flatMap((m) => {
      const s = clock.metrics[m];
      return [[`${METRIC[m].key}Due`, isoUtc(s?.dueAt)], [`${METRIC[m].key}Status`, s?.status ?? null]];
    })),
    pausedAt: isoUtc(clock.pausedAt),
    pausedMinutes: minutes(clock.totalPausedMs / 60_000),
  };
}

/** The ticket a write acts on: refused when unknown, or created after the instant the write acts at (--at). */
export function existing<T extends { ticket: Ticket }>(cur: T | null, id: string, now: Instant): T {
  if (!cur) throw notFound(id);
  if (cur.ticket.createdAt > now) {
    throw refuse(`ticket ${id} did not exist yet at ${isoUtc(now)} (created ${isoUtc(cur.ticket.createdAt)})`, 'check --at; nothing was changed');
  }
  return cur;
}

/** The clock only (no stored-state extras): what reads (`show`, `list`) need. */
export function clockAt(config: Config, calendar: (name: string) => BusinessTime, t: Ticket, events: readonly TicketEvent[], now: Instant): TicketClock {
  return evaluateTicket(t, events, config, calendar, now);
}

/** A write's answer: the ticket and its clock after the change. */
export interface Changed { ticket: Ticket; clock: TicketClock }

/** `sla pause`: a manual pause of the running clocks from now (until `until`, if given). */
export async function pauseTicket(s: Setup, id: string, p: { reason: string; until: Instant | null }): Promise<Changed> {
  const { config, calendar, now, actor } = s;
  const zone = config.timezone;
  return s.store.mutateTicket(id, (found) => {
    const cur = existing(found, id, now);
    const before = clockAt(config, calendar, cur.ticket, cur.events, now);
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
    const ev: TicketEvent = { at: now, type: 'pause', until: p.until, actor, reason: p.reason, source: 'cli' };
    const { after, stored } = afterEvent(config, calendar, cur.ticket, cur.events, ev, now);
    return {
      write: { ticket: cur.ticket, computed: stored.computed, events: [ev] },
      audit: [{
        at: now, actor, action: 'pause', ticketId: id, reason: p.reason,
        before: snapshot(before), after: { ...snapshot(after.clock), pauseUntil: isoUtc(p.until) },
      }],
      result: { ticket: cur.ticket, clock: after.clock },
    };
  });
}

/** `sla resume`: ends a manual pause. `since`: when the pause began. */
export async function resumeTicket(s: Setup, id: string, p: { reason: string | null }): Promise<Changed & { since: Instant }> {
  const { config, calendar, now, actor } = s;
  const zone = config.timezone;
  return s.store.mutateTicket(id, (found) => {
    const cur = existing(found, id, now);
    const before = clockAt(config, calendar, cur.ticket, cur.events, now);
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
    const ev: TicketEvent = { at: now, type: 'resume', actor, reason: p.reason, source: 'cli' };
    const { after, stored } = afterEvent(config, calendar, cur.ticket, cur.events, ev, now);
    return {
      write: { ticket: cur.ticket, computed: stored.computed, events: [ev] },
      audit: [{
        at: now, actor, action: 'resume', ticketId: id, reason: p.reason,
        before: snapshot(before), after: { ...snapshot(after.clock), pausedFor: Math.round((now - manual.since) / 60_000) },
      }],
      result: { ticket: cur.ticket, clock: after.clock, since: manual.since },
    };
  });
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

/**
 * `sla reset`: a new SLA cycle. Without `recalculate` the clocks restart now with the same
 * targets; with it, policy and targets are re-selected from the ticket's current fields,
 * measured from its original start. `before`: the clock before the reset.
 */
export async function resetTicket(s: Setup, id: string, p: { reason: string; recalculate: boolean }): Promise<Changed & { before: TicketClock }> {
  const { config, calendar, now, actor } = s;
  const { reason, recalculate } = p;
  return s.store.mutateTicket(id, (found) => {
    const cur = existing(found, id, now);
    const before = clockAt(config, calendar, cur.ticket, cur.events, now);
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
    const { after, stored } = afterEvent(config, calendar, cur.ticket, cur.events, ev, now);
    const targets = (c: TicketClock) => c.assignment
      ? Object.fromEntries(METRICS.map((m) => [`${METRIC[m].key}Target`, c.metrics[m]?.target ?? null]))
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
}

/**
 * `sla reason`: why a breached metric breached (`metric`, else the resolution's, else the
 * first response's). `previous`: the reason it replaces.
 */
export async function recordBreachReason(
  s: Setup, id: string, p: { reason: string; metric: Metric | undefined },
): Promise<{ metric: Metric; previous: string | null; breachReasons: BreachReasons }> {
  const { config, calendar, now, actor } = s;
  const zone = config.timezone;
  const { reason } = p;
  const done = await s.store.mutateBreachReason(id, (found) => {
    const cur = existing(found, id, now);
    const clock = clockAt(config, calendar, cur.ticket, cur.events, now);
    const breached = (m: Metric) => clock.metrics[m]?.status === 'breached';
    let metric: Metric;
    if (p.metric) {
      if (!breached(p.metric)) {
        const st = clock.metrics[p.metric]?.status ?? 'no SLA';
        throw refuse(`ticket ${id}'s ${METRIC[p.metric].name} has not breached (it is ${st} at ${localTime(now, zone)})`, 'a reason is recorded only for a breached metric; nothing was changed');
      }
      metric = p.metric;
    } else {
      const later = METRICS_LATER_FIRST.find(breached);
      if (later === undefined) {
        throw refuse(`ticket ${id} has not breached (it is ${clock.slaStatus ?? 'without SLA'} at ${localTime(now, zone)})`, 'a reason is recorded only for a breached metric; nothing was changed');
      }
      metric = later;
    }
    const previous = cur.breachReasons[metric];
    return {
      set: { metric, reason },
      audit: [{
        at: now, actor, action: 'reason', ticketId: id, reason,
        before: { metric, breachReason: previous }, after: { metric, breachReason: reason },
      }],
      result: { metric, previous, breachReasons: { ...cur.breachReasons, [metric]: reason } },
    };
  });
  return done;
}
