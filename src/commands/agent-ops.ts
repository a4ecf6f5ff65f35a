// Shared by the agents' commands (pause, resume, reset, reason, recalc, show,
// list, audit): evaluating a stored ticket, the manual-pause state, refusals,
// and the before/after values the audit log keeps.

import type { Config } from '../config/types.js';
import type { Assignment, BusinessTime, TicketClock } from '../domain/clock.js';
import { computeSla, type ComputeOptions, type SlaState } from '../domain/sla.js';
import { assignTicket, evaluateTicket, storeInstant, withEvent, type Ticket, type TicketEvent } from '../domain/ticket.js';
import { DONE_STATUSES, type Instant, type Metric } from '../domain/types.js';
import { METRIC, METRICS, metricNamed } from '../domain/metrics.js';
import { formatDuration, isoUtc, localTime, minutes } from '../render/format.js';
import { CliError, usageError, type Context } from './context.js';

export function notFound(id: string): CliError {
  return new CliError(`ticket ${id} not found`, 'check the id (sla list shows open tickets); nothing was changed');
}

/** A refusal: one line, exit 1, nothing written. */
export function refuse(message: string, hint: string): CliError {
  return new CliError(message, hint, 1);
}

/** --reason is required (exit 1 when missing or blank, as the other refusals). */
export function requireReason(reason: string | undefined, command: string): string {
  const r = reason?.trim();
  if (!r) throw refuse(`${command} needs a reason`, `add --reason "why" (it goes to the audit log); nothing was changed`);
  return r;
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
  const frT = c.metrics.first_response?.target ?? a.targets.firstResponse;
  const resT = c.metrics.resolution?.target ?? a.targets.resolution;
  return a.policy === to.policy && a.calendar === to.calendar &&
    Math.abs(frT - to.targets.firstResponse) < 1e-9 && Math.abs(resT - to.targets.resolution) < 1e-9;
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
  const fr = clock.metrics.first_response;
  const res = clock.metrics.resolution;
  return {
    slaStatus: clock.slaStatus,
    policy: clock.assignment?.policy ?? null,
    cycle: clock.cycle,
    firstResponseDue: isoUtc(fr?.dueAt),
    firstResponseStatus: fr?.status ?? null,
    resolutionDue: isoUtc(res?.dueAt),
    resolutionStatus: res?.status ?? null,
    pausedAt: isoUtc(clock.pausedAt),
    pausedMinutes: minutes(clock.totalPausedMs / 60_000),
  };
}

export function parseMetric(text: string | undefined, option = '--metric'): Metric | undefined {
  if (text === undefined) return undefined;
  const m = metricNamed(text);
  if (!m) throw usageError(`${option} ${JSON.stringify(text)} is not a metric`, `use ${METRICS.join(' or ')}`);
  return m;
}

/** Output a write's result: one line for people, the ticket JSON for scripts. */
export function writeResult(ctx: Context, line: string, json: () => unknown): void {
  const format = ctx.format(['table', 'json']);
  if (format === 'json') ctx.data(JSON.stringify(json()));
  else if (!ctx.globals.quiet) ctx.out(line);
}

/** `--until`: an instant (local to the config timezone without an offset) or a duration from now. */
export async function parseUntil(text: string, zone: string, now: Instant): Promise<Instant> {
  const t = text.trim();
  if (/^\d/.test(t) && !/[-:]/.test(t)) {
    // No date or time separators: a duration ("2h", "90m", "1h30m", minutes).
    const { parseDuration } = await import('../config/duration.js');
    try {
      return now + parseDuration(t) * 60_000;
    } catch (e) {
      throw usageError(`--until ${(e as Error).message}`, 'give a time such as 2026-12-01T09:00 or a duration such as 2h');
    }
  }
  const { parseInstant } = await import('../domain/instant.js');
  const at = parseInstant(t, zone);
  if (at === null) {
    throw usageError(`--until ${JSON.stringify(text)} is neither a time nor a duration`, 'give a time such as 2026-12-01T09:00 (config timezone) or 2026-12-01T14:00Z, or a duration such as 2h or 90m');
  }
  return at;
}

/** "resolution due 2025-11-03 19:30 UTC (3h 00m left)" for the one-line results of writes. */
export function dueLine(clock: TicketClock, zone: string): string {
  const parts: string[] = [];
  for (const m of [clock.metrics.first_response, clock.metrics.resolution]) {
    if (!m) continue;
    const name = METRIC[m.metric].name;
    if (m.stoppedAt !== null) parts.push(`${name} ${m.status}`);
    else if (m.status === 'breached') parts.push(`${name} breached at ${localTime(m.breachedAt, zone)}`);
    else if (m.paused) parts.push(`${name} paused with ${formatDuration(m.remaining)} left`);
    else parts.push(`${name} due ${localTime(m.dueAt, zone)} (${formatDuration(m.remaining)} left)`);
  }
  return parts.length ? parts.join('; ') : 'no SLA';
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
