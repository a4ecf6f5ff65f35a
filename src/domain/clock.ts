// The SLA clock (SPEC §1): a pure function from a ticket's history, its SLA
// assignment and `now` to each metric's state. No I/O, no Date.now().
//
// The history is walked once, in time order, as a sequence of phases in which
// the ticket's state is constant. Each metric's clock turns those phases into
// "counted" wall-clock intervals (running, not paused) and "paused" intervals;
// the calendar then turns counted intervals into open time and back.

import { METRIC, METRICS } from './metrics.js';
import { DONE_STATUSES, MINUTE, type Instant, type Metric, type Targets } from './types.js';

/** What a calendar must answer for the clock (see domain/calendar.ts). */
export interface BusinessTime {
  add(from: Instant, ms: number): Instant;
  openBetween(a: Instant, b: Instant): number;
}

/** The policy and targets a ticket was given (targets already × tier multiplier). */
export interface Assignment {
  policy: string;
  calendar: string;
  targets: Targets;
}

export type ClockEventType =
  | 'created' | 'status' | 'reply' | 'priority' | 'assign' | 'pause' | 'resume' | 'reset' | 'retarget';

export interface ClockEvent {
  at: Instant;
  type: ClockEventType | string;
  /** status (canonical), priority, assignee … */
  value?: string | null;
  /** pause: when it resumes by itself. */
  until?: Instant | null;
  /** reset: re-select policy/targets and measure from the original start. */
  recalculate?: boolean;
  /** reset --recalculate / retarget: the new assignment (null = no SLA any more). */
  assignment?: Assignment | null;
  /** assign: who had the ticket before (absent on events recorded before sla kept it). */
  previous?: string | null;
}

export interface ClockInput {
  createdAt: Instant;
  /** Priority at creation (later priority events change it). */
  priority: string | null;
  /** Assignment given when the clock started; null = no SLA. */
  assignment: Assignment | null;
  /** In time order (ties keep their order). Events after `now` are ignored. */
  events: readonly ClockEvent[];
}

export interface ClockContext {
  calendar(name: string): BusinessTime;
  /** Statuses that pause the clocks (empty when pauseOnCustomerWaiting is false). */
  pauseStatuses: ReadonlySet<string>;
  atRiskPercent: number;
  /**
   * Set when recalculateOnPriorityChange is on: the targets the ticket's policy
   * gives a priority (× tier multiplier), or null when it has none.
   */
  targetsForPriority?: (policy: string, priority: string) => Targets | null;
}

export type MetricStatus = 'on_time' | 'at_risk' | 'breached' | 'paused' | 'met';
export type SlaStatus = 'on_time' | 'at_risk' | 'breached' | 'paused';

export type Interval = [Instant, Instant];

export interface MetricState {
  metric: Metric;
  /** Minutes. */
  target: number;
  /** SLA-clock minutes counted up to now (or the stop). */
  elapsed: number;
  /** Minutes left (negative once overdue). */
  remaining: number;
  percent: number;
  atRiskAt: Instant | null;
  dueAt: Instant | null;
  status: MetricStatus;
  /** null while the clock runs. */
  met: boolean | null;
  breachedAt: Instant | null;
  /** When this cycle's clock started. */
  startedAt: Instant;
  stoppedAt: Instant | null;
  /** Running and paused right now. */
  paused: boolean;
  /** Wall-clock ms spent paused while this clock ran. */
  pausedMs: number;
  /** Wall-clock intervals in which the clock ran (open time within them counted). */
  counted: Interval[];
  /** The open (calendar) ms within each of `counted`: computed once, read by every projection. */
  countedOpen: number[];
  /** Wall-clock intervals in which the clock was paused. */
  pauses: Interval[];
}

export interface TicketClock {
  now: Instant;
  assignment: Assignment | null;
  /** 0 for the first SLA cycle, +1 per reset. */
  cycle: number;
  status: string;
  priority: string | null;
  firstResponseAt: Instant | null;
  resolvedAt: Instant | null;
  metrics: { [M in Metric]: MetricState | null };
  slaStatus: SlaStatus | null;
  /** When the current pause began, if paused now. */
  pausedAt: Instant | null;
  /** Wall-clock ms paused while the resolution clock ran. */
  totalPausedMs: number;
  /** Manual pause in force now: its reason is the caller's; its automatic end. */
  pauseUntil: Instant | null;
  /**
   * Earliest instant after `now` at which this state changes with no new event
   * (at-risk, breach, or a manual pause running out) — what `check` indexes.
   */
  nextChangeAt: Instant | null;
}

/** A metric's clock while the history is walked. */
interface MetricTrack {
  startedAt: Instant;
  stoppedAt: Instant | null;
  counted: Interval[];
  pauses: Interval[];
}

/** The clock starts again at `at`, from nothing. */
function restart(t: MetricTrack, at: Instant): void {
  t.startedAt = at;
  t.counted = [];
  t.pauses = [];
  t.stoppedAt = null;
}

function stop(t: MetricTrack, at: Instant): void {
  if (t.stoppedAt === null) t.stoppedAt = at;
}

/**
 * How a metric's clock starts, stops and restarts (SPEC §1), one rule per metric: what each
 * change of the ticket does to it. Every clock starts at creation and counts while the
 * ticket is not paused; the walk calls these as it meets the changes.
 */
interface ClockRule {
  /** A public agent reply. */
  reply(t: MetricTrack, at: Instant): void;
  /** The ticket became resolved or closed. */
  done(t: MetricTrack, at: Instant): void;
  /** The ticket left resolved or closed. */
  reopen(t: MetricTrack, at: Instant): void;
  /** `sla reset` (not --recalculate): `answered` = a first response was given before it; `done` = the ticket is resolved or closed. */
  reset(t: MetricTrack, at: Instant, answered: boolean, done: boolean): void;
}

const CLOCK_RULES: { readonly [M in Metric]: ClockRule } = {
  first_response: {
    reply: stop,
    done: stop,
    reopen() {},
    // A first response already given is never undone: that clock stays stopped.
    reset(t, at, answered, done) {
      if (!answered && !done) restart(t, at);
    },
  },
  resolution: {
    reply() {},
    done: stop,
    // A reopen resumes the clock where it stopped.
    reopen(t) {
      t.stoppedAt = null;
    },
    // Restarts now with the same target (stopped at once if the ticket is done).
    reset(t, at, _answered, done) {
      restart(t, at);
      if (done) t.stoppedAt = at;
    },
  },
};
/** The rules in METRICS order, as the walk's tracks are. */
const RULES: readonly ClockRule[] = METRICS.map((m) => CLOCK_RULES[m]);

/**
 * [a, b) joins the track's paused or counted intervals (extending the last one when it
 * ends at a). A first interval makes a one-element list: push onto an empty array
 * reserves 16 slots, and most tickets have one or two intervals per list.
 */
function pushInterval(track: MetricTrack, paused: boolean, a: Instant, b: Instant): void {
  if (b <= a) return;
  const list = paused ? track.pauses : track.counted;
  if (list.length === 0) {
    if (paused) track.pauses = [[a, b]];
    else track.counted = [[a, b]];
    return;
  }
  const last = list[list.length - 1];
  if (last[1] === a) last[1] = b;
  else list.push([a, b]);
}

const SEVERITY: Record<SlaStatus, number> = { on_time: 0, paused: 1, at_risk: 2, breached: 3 };

/**
 * The phase [from, until) goes to each running clock's counted or paused intervals;
 * returns where the walk now is (until, or from when until is not later).
 */
function advanceTracks(tracks: readonly MetricTrack[], from: Instant, until: Instant, paused: boolean): Instant {
  if (until <= from) return from;
  for (let i = 0; i < tracks.length; i++) if (tracks[i].stoppedAt === null) pushInterval(tracks[i], paused, from, until);
  return until;
}

/** The worse of `s` and the metric's status (met counts as on time); null metrics leave `s`. */
function worse(s: SlaStatus | null, m: MetricState | null): SlaStatus | null {
  if (!m) return s;
  const x: SlaStatus = m.status === 'met' ? 'on_time' : m.status;
  return s === null || SEVERITY[x] > SEVERITY[s] ? x : s;
}

/** The earlier of `best` and `x`, counting only instants after `now`. */
function earliestAfter(best: Instant | null, x: Instant | null, now: Instant): Instant | null {
  return x !== null && x > now && (best === null || x < best) ? x : best;
}

/** The earliest of `best` and the running metric's at-risk and due instants after `now`. */
function soonest(best: Instant | null, m: MetricState | null, now: Instant): Instant | null {
  if (!m || m.stoppedAt !== null) return best;
  return earliestAfter(earliestAfter(best, m.atRiskAt, now), m.dueAt, now);
}

/** Evaluate a ticket's clocks as of `now`. */
export function evaluateClock(input: ClockInput, ctx: ClockContext, now: Instant): TicketClock {
  let status = 'new';
  let priority = input.priority;
  let assignment = input.assignment;
  let cycle = 0;
  let manual: { since: Instant; until: Instant | null } | null = null;
  let statusPausedSince: Instant | null = null;
  let firstResponseAt: Instant | null = null;
  let resolvedAt: Instant | null = null;
  let priorityChanged = false;

  const tracks: MetricTrack[] = new Array(METRICS.length);
  for (let i = 0; i < tracks.length; i++) tracks[i] = { startedAt: input.createdAt, stoppedAt: null, counted: [], pauses: [] };

  // The walk: phases [t, next event) closed with the state in force (no closures here —
  // this runs for every ticket of an import, and its locals stay off the heap).
  let t = input.createdAt;
  const pauseStatuses = ctx.pauseStatuses;
  const events = input.events;

  for (let k = 0; k < events.length; k++) {
    const ev = events[k];
    if (ev.at > now) break;
    if (ev.at < input.createdAt) continue; // nothing counts before creation
    // A manual pause that ran out before this event ends at its `until`.
    if (manual && manual.until !== null && manual.until <= ev.at) {
      t = advanceTracks(tracks, t, manual.until, true);
      manual = null;
    }
    t = advanceTracks(tracks, t, ev.at, manual !== null || pauseStatuses.has(status));
    switch (ev.type) {
      case 'status': {
        const next = ev.value ?? status;
        const wasDone = DONE_STATUSES.has(status);
        const isDone = DONE_STATUSES.has(next);
        status = next;
        if (isDone && !wasDone) {
          for (let i = 0; i < tracks.length; i++) RULES[i].done(tracks[i], ev.at);
          resolvedAt = ev.at;
        } else if (!isDone && wasDone) {
          for (let i = 0; i < tracks.length; i++) RULES[i].reopen(tracks[i], ev.at);
          resolvedAt = null;
        }
        statusPausedSince = pauseStatuses.has(status) ? (statusPausedSince ?? ev.at) : null;
        break;
      }
      case 'reply':
        if (firstResponseAt === null) firstResponseAt = ev.at;
        for (let i = 0; i < tracks.length; i++) RULES[i].reply(tracks[i], ev.at);
        break;
      case 'priority':
        if (ev.value && ev.value !== priority) {
          priority = ev.value;
          priorityChanged = true;
        }
        break;
      case 'pause':
        if (!manual) manual = { since: ev.at, until: ev.until ?? null };
        break;
      case 'resume':
        manual = null;
        break;
      case 'retarget':
        if (ev.assignment !== undefined) assignment = ev.assignment;
        break;
      case 'reset':
        cycle++;
        if (ev.recalculate) {
          // Same start, new policy/targets from the ticket's current fields.
          if (ev.assignment !== undefined) assignment = ev.assignment;
        } else {
          // Clocks restart now with the same targets, each by its rule.
          const done = DONE_STATUSES.has(status);
          for (let i = 0; i < tracks.length; i++) RULES[i].reset(tracks[i], ev.at, firstResponseAt !== null, done);
        }
        break;
      default:
        break; // created, assign, … do not move the clocks
    }
  }
  if (manual && manual.until !== null && manual.until <= now) {
    t = advanceTracks(tracks, t, manual.until, true);
    manual = null;
  }
  advanceTracks(tracks, t, now, manual !== null || pauseStatuses.has(status));

  let targets = assignment?.targets ?? null;
  if (assignment && priorityChanged && ctx.targetsForPriority && priority) {
    targets = ctx.targetsForPriority(assignment.policy, priority);
  }

  const pausedNow = manual !== null || pauseStatuses.has(status);
  let pausedAt: Instant | null = null;
  if (pausedNow) {
    const a = manual?.since ?? null;
    pausedAt = a === null ? statusPausedSince : statusPausedSince === null ? a : Math.min(a, statusPausedSince);
  }

  const metrics = {} as { [M in Metric]: MetricState | null };
  const cal = assignment && targets ? ctx.calendar(assignment.calendar) : null;
  const pauseUntil = manual?.until ?? null;
  let slaStatus: SlaStatus | null = null;
  let nextChangeAt: Instant | null = null;
  for (let i = 0; i < METRICS.length; i++) {
    const m = METRICS[i];
    const state = cal ? metricState(m, tracks[i], targets![METRIC[m].key], cal, ctx.atRiskPercent, now, pausedNow) : null;
    metrics[m] = state;
    slaStatus = worse(slaStatus, state);
    nextChangeAt = soonest(nextChangeAt, state, now);
  }
  nextChangeAt = earliestAfter(nextChangeAt, pauseUntil, now);

  return {
    now,
    assignment,
    cycle,
    status,
    priority,
    firstResponseAt,
    resolvedAt,
    metrics,
    slaStatus,
    pausedAt,
    totalPausedMs: metrics.resolution?.pausedMs ?? 0,
    pauseUntil,
    nextChangeAt,
  };
}

/**
 * Earliest instant at which the counted open time reaches `targetMs`, if it did
 * (`open[i]` = the open ms within `counted[i]`).
 */
export function reachedWithin(counted: readonly Interval[], open: readonly number[], targetMs: number, cal: BusinessTime): Instant | null {
  let acc = 0;
  for (let i = 0; i < counted.length; i++) {
    if (acc + open[i] >= targetMs) return cal.add(counted[i][0], targetMs - acc);
    acc += open[i];
  }
  return null;
}

/**
 * Instant at which `thresholdMs` of SLA time is reached: within the counted intervals
 * (`elapsedMs` in all), else projected from `from` (null: not moving, no instant).
 */
function thresholdAt(
  counted: readonly Interval[], countedOpen: readonly number[], elapsedMs: number, thresholdMs: number, from: Instant | null,
  cal: BusinessTime,
): Instant | null {
  if (counted.length === 0 || thresholdMs > elapsedMs) return from === null ? null : cal.add(from, thresholdMs - elapsedMs);
  return reachedWithin(counted, countedOpen, thresholdMs, cal);
}

function metricState(
  metric: Metric,
  track: MetricTrack,
  targetMinutes: number,
  cal: BusinessTime,
  atRiskPercent: number,
  now: Instant,
  pausedNow: boolean,
): MetricState {
  const targetMs = Math.round(targetMinutes * MINUTE);
  const riskMs = Math.round((targetMs * atRiskPercent) / 100);
  const counted = track.counted;
  const countedOpen: number[] = new Array(counted.length);
  let elapsedMs = 0;
  for (let i = 0; i < counted.length; i++) elapsedMs += countedOpen[i] = cal.openBetween(counted[i][0], counted[i][1]);

  const stopped = track.stoppedAt !== null;
  const running = !stopped && !pausedNow;
  // Where the clock would go on counting from, if nothing pauses from now on.
  const resumeFrom = stopped ? track.stoppedAt! : now;

  // Projected from where counting resumes when not reached within what was counted (paused: no deadline).
  const from = running || stopped ? resumeFrom : null;
  const dueAt = thresholdAt(counted, countedOpen, elapsedMs, targetMs, from, cal);
  const atRiskAt = thresholdAt(counted, countedOpen, elapsedMs, riskMs, from, cal);

  let status: MetricStatus;
  let met: boolean | null = null;
  let breachedAt: Instant | null = null;
  if (stopped) {
    met = dueAt !== null && track.stoppedAt! <= dueAt;
    status = met ? 'met' : 'breached';
    if (!met) breachedAt = dueAt;
  } else if (dueAt !== null && now > dueAt) {
    status = 'breached';
    breachedAt = dueAt;
  } else if (pausedNow) {
    status = 'paused';
  } else if (elapsedMs >= riskMs) {
    status = 'at_risk';
  } else {
    status = 'on_time';
  }

  let pausedMs = 0;
  const pauses = track.pauses;
  for (let i = 0; i < pauses.length; i++) pausedMs += pauses[i][1] - pauses[i][0];

  return {
    metric,
    target: targetMinutes,
    elapsed: elapsedMs / MINUTE,
    remaining: (targetMs - elapsedMs) / MINUTE,
    percent: targetMs > 0 ? Math.round((elapsedMs / targetMs) * 1000) / 10 : 0,
    atRiskAt,
    dueAt,
    status,
    met,
    breachedAt,
    startedAt: track.startedAt,
    stoppedAt: track.stoppedAt,
    paused: !stopped && pausedNow,
    pausedMs,
    counted,
    countedOpen,
    pauses: track.pauses,
  };
}
