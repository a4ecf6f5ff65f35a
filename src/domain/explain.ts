// Why a deadline is where it is (`sla show`): a metric's time cut into segments — counted open
// time, closed time (after hours, weekend, holidays by name), paused spans with their reason,
// time stopped between a resolution and a reopen, and the projection from now to the deadline.
// Pure: a metric's state, its calendar, the history and `now` in; segments out.

import { DateTime } from 'luxon';
import type { Calendar } from './calendar.js';
import type { Interval, MetricState } from './clock.js';
import type { TicketEvent } from './ticket.js';
import type { Instant } from './types.js';

export interface Segment {
  from: Instant;
  to: Instant;
  kind: 'counted' | 'closed' | 'paused' | 'stopped';
  /** After `now`: where the deadline comes from if nothing pauses. */
  projected: boolean;
  /** closed: after hours / weekend / holiday names; paused: why; stopped: the status. */
  reason: string | null;
  /** SLA-clock minutes counted in it. */
  countedMinutes: number;
}

/**
 * When the ticket was closed, if its status is `closed` at the end of `events` (those
 * up to the instant shown): the instant it entered that status — a ticket resolved and
 * then closed has a resolution instant and a later closing one.
 */
export function closedSince(events: readonly TicketEvent[], createdAt: Instant): Instant | null {
  let status = 'new';
  let since: Instant | null = null;
  for (const e of events) {
    if (e.at < createdAt || e.type !== 'status' || !e.value) continue; // the clock ignores events before creation
    if (e.value === 'closed' && status !== 'closed') since = e.at;
    status = e.value;
  }
  return status === 'closed' ? since : null;
}

/**
 * The segments that explain a metric's deadline: counted open time, closed time
 * (after hours, weekend, holidays by name) inside counted spans, paused spans,
 * time stopped between a resolution and a reopen, and — for a running clock —
 * the projected open time from now to dueAt.
 */
export function timeline(m: MetricState, cal: Calendar, events: readonly TicketEvent[], now: Instant): Segment[] {
  const out: Segment[] = [];
  const spans: Array<{ iv: Interval; kind: 'run' | 'paused' }> = [
    ...m.counted.map((iv) => ({ iv, kind: 'run' as const })),
    ...m.pauses.map((iv) => ({ iv, kind: 'paused' as const })),
  ].sort((a, b) => a.iv[0] - b.iv[0]);

  let cursor: Instant | null = null;
  for (const s of spans) {
    const [a, b] = s.iv;
    if (cursor !== null && a > cursor) out.push({ from: cursor, to: a, kind: 'stopped', projected: false, reason: statusAt(events, cursor), countedMinutes: 0 });
    if (s.kind === 'paused') out.push({ from: a, to: b, kind: 'paused', projected: false, reason: pauseReason(events, a), countedMinutes: 0 });
    else openAndClosed(cal, a, b, false, out);
    cursor = b;
  }
  const running = m.stoppedAt === null && !m.paused;
  if (running && m.dueAt !== null && m.dueAt > now) openAndClosed(cal, now, m.dueAt, true, out);
  return merge(out);
}

function openAndClosed(cal: Calendar, a: Instant, b: Instant, projected: boolean, out: Segment[]): void {
  let t = a;
  for (const [s, e] of cal.segmentsBetween(a, b)) {
    if (s > t) out.push({ from: t, to: s, kind: 'closed', projected, reason: closedReason(cal, t, s), countedMinutes: 0 });
    out.push({ from: s, to: e, kind: 'counted', projected, reason: null, countedMinutes: (e - s) / 60_000 });
    t = e;
  }
  if (b > t) out.push({ from: t, to: b, kind: 'closed', projected, reason: closedReason(cal, t, b), countedMinutes: 0 });
}

/** Why the calendar is closed in [a, b): "after hours", "weekend", holiday names — in order, once each. */
function closedReason(cal: Calendar, a: Instant, b: Instant): string {
  const reasons: string[] = [];
  const add = (r: string): void => { if (!reasons.includes(r)) reasons.push(r); };
  let d = DateTime.fromMillis(a, { zone: cal.timezone }).startOf('day');
  const last = DateTime.fromMillis(b - 1, { zone: cal.timezone }).startOf('day');
  for (let i = 0; d <= last && i < 400; i++, d = d.plus({ days: 1 })) {
    const day = cal.day(d.toISODate()!);
    if (day.holiday) add(/^holiday$/i.test(day.holiday) ? 'holiday' : `holiday: ${day.holiday}`);
    else if (day.segments.length === 0) add('weekend');
    else add('after hours');
  }
  return reasons.join(', ') || 'closed';
}

function statusAt(events: readonly TicketEvent[], t: Instant): string {
  let status = 'resolved';
  for (const e of events) {
    if (e.at > t) break;
    if (e.type === 'status' && e.value) status = e.value;
  }
  return status;
}

function pauseReason(events: readonly TicketEvent[], t: Instant): string {
  for (const e of events) {
    if (e.at !== t) continue;
    if (e.type === 'pause') return `sla pause${e.actor ? ` by ${e.actor}` : ''}${e.reason ? `: ${e.reason}` : ''}`;
    if (e.type === 'status' && e.value) return `status ${e.value}`;
  }
  // A pause that started before the clock's start (reset) or at creation.
  let why = 'paused';
  for (const e of events) {
    if (e.at > t) break;
    if (e.type === 'pause') why = `sla pause${e.reason ? `: ${e.reason}` : ''}`;
    if (e.type === 'status' && e.value) why = `status ${e.value}`;
  }
  return why;
}

function merge(segs: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segs) {
    if (s.to <= s.from) continue;
    const last = out[out.length - 1];
    if (last && last.to === s.from && last.kind === s.kind && last.projected === s.projected && (s.kind === 'counted' || last.reason === s.reason)) {
      last.to = s.to;
      last.countedMinutes += s.countedMinutes;
    } else {
      out.push({ ...s });
    }
  }
  return out;
}
