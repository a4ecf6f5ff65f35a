// sla show ID [--at TIME] — everything about one ticket, as of an instant:
// fields, the policy and why, each clock, the segments that explain the
// deadline, the history, alerts and escalations, and the audit log.

import { DateTime } from 'luxon';
import type { Interval, MetricState } from '../domain/clock.js';
import type { Calendar } from '../domain/calendar.js';
import { matchPolicy } from '../domain/policy.js';
import { ticketFields, type TicketEvent } from '../domain/ticket.js';
import type { Instant, Metric } from '../domain/types.js';
import { METRIC } from '../domain/metrics.js';
import { clip, formatDuration, isoUtc, localTime, minutes } from '../render/format.js';
import { auditLine, wrap } from '../render/audit.js';
import { ticketJson } from '../render/ticket-json.js';
import type { AlertRow, SlaEventRow } from '../store/sqlite/queries.js';
import { basisPriority, clockAt, configAssignment, isDone, notFound } from './agent-ops.js';
import type { Context } from './context.js';

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

const MAX_TIMELINE_ROWS = 30;

export async function run(ctx: Context, id: string): Promise<number> {
  const format = ctx.format(['table', 'json']);
  const config = await ctx.config();
  const zone = config.timezone;
  const now = await ctx.now();
  const store = await ctx.store();
  const q = await import('../store/sqlite/queries.js');
  const rec = q.getRecord(store, id);
  if (!rec || rec.ticket.createdAt > now) throw notFound(id);
  const { ticket, breachReasons } = rec;
  const events = rec.events.filter((e) => e.at <= now);
  const clock = clockAt(config, ctx.calendarSync, ticket, events, now);

  // Policy: re-run the matcher on the ticket's fields as they are now, with the priority
  // its targets were chosen for (as recalc does: a priority change keeps the promise made).
  const basis = basisPriority(config, ticket, events, now, clock);
  const trace = matchPolicy(config.policies, { ...ticketFields(ticket), priority: basis }).trace;
  // What `sla recalc` would give it (the promise made at the start is kept across priority changes).
  const current = configAssignment(config, ticket, events, now, clock);
  const recorded = clock.assignment;
  const differs = current.changed;

  const cal = recorded ? ctx.calendarSync(recorded.calendar) : null;
  const segments = {
    first_response: cal && clock.metrics.first_response ? timeline(clock.metrics.first_response, cal, events, now) : [],
    resolution: cal && clock.metrics.resolution ? timeline(clock.metrics.resolution, cal, events, now) : [],
  };
  const audit = store.listAudit({ ticketId: id }).filter((a) => a.at <= now);
  const slaEvents = q.getSlaEvents(store, id).filter((e) => e.recordedAt <= now); // what had been recorded by then
  const alerts = q.getAlerts(store, id).filter((a) => a.createdAt <= now);

  const closedAt = closedSince(events, ticket.createdAt);

  if (format === 'json') {
    ctx.data(JSON.stringify({
      ...ticketJson(ticket, clock),
      closedAt: isoUtc(closedAt),
      requester: ticket.requester,
      custom: ticket.custom,
      cycle: clock.cycle,
      asOf: isoUtc(now),
      breachReasons,
      policyTrace: trace,
      policyPriority: basis,
      currentConfigPolicy: current.to?.policy ?? null,
      policyDiffersFromConfig: differs,
      segments: Object.fromEntries(Object.entries(segments).map(([k, v]) => [k, v.map(segmentJson)])),
      events: events.map(eventJson),
      slaEvents: slaEvents.map((e) => ({ ...e, dueAt: isoUtc(e.dueAt), recordedAt: isoUtc(e.recordedAt) })),
      alerts: alerts.map((a) => ({ ...a, createdAt: isoUtc(a.createdAt), sentAt: isoUtc(a.sentAt) })),
      audit: audit.map((a) => ({ ...a, at: isoUtc(a.at) })),
    }));
    return 0;
  }

  const { renderPairs, renderTable, makeChalk } = await import('../render/table.js');
  const chalk = makeChalk(ctx.color);
  const paint = (s: string | null | undefined, text = s ?? '—'): string =>
    s === 'breached' ? chalk.red(text) : s === 'at_risk' ? chalk.yellow(text) : s === 'paused' ? chalk.dim(text) : text;
  const out = (s = ''): void => ctx.out(s);

  out(chalk.bold(`Ticket ${ticket.id}${ticket.subject ? ` — ${ticket.subject}` : ''}`));
  const who = [ticket.customer ?? 'unknown', ticket.tier && `tier ${ticket.tier}`, ticket.requester && `requester ${ticket.requester}`]
    .filter(Boolean).join(', ');
  const route = [ticket.group && `group ${ticket.group}`, ticket.channel && `channel ${ticket.channel}`].filter(Boolean).join(', ');
  // The priority at creation, as the clock starts from it.
  const created = ticket.initialPriority ?? ticket.priority;
  const pairs: Array<[string, string]> = [
    ['As of', localTime(now, zone)],
    ['Status', statusText(clock.status, clock.priority, created, basis)],
  ];
  if (ticket.customer || ticket.tier || ticket.requester) pairs.push(['Customer', who]);
  pairs.push(['Assignee', `${ticket.assignee ?? 'unassigned'}${route ? ` (${route})` : ''}`]);
  if (ticket.tags.length) pairs.push(['Tags', ticket.tags.join(', ')]);
  for (const [k, v] of Object.entries(ticket.custom)) pairs.push([k, v]);
  pairs.push(['Created', localTime(ticket.createdAt, zone)]);
  if (clock.firstResponseAt !== null) pairs.push(['First response', localTime(clock.firstResponseAt, zone)]);
  if (clock.resolvedAt !== null) pairs.push(['Resolved', localTime(clock.resolvedAt, zone)]);
  if (closedAt !== null) pairs.push(['Closed', localTime(closedAt, zone)]);
  pairs.push(['SLA', recorded
    ? `${paint(clock.slaStatus, (clock.slaStatus ?? '—').toUpperCase())} — policy ${recorded.policy}, calendar ${recorded.calendar}${clock.cycle ? `, cycle ${clock.cycle}` : ''}`
    : `none (${ticket.noSlaReason ?? 'no policy matches'})`]);
  if (clock.pausedAt !== null) {
    pairs.push(['Paused', `since ${localTime(clock.pausedAt, zone)}${clock.pauseUntil !== null ? `, ends ${localTime(clock.pauseUntil, zone)}` : ''}`]);
  }
  out(renderPairs(pairs));

  out();
  out(chalk.bold(basis !== clock.priority && basis !== null ? `Policy (matched with priority ${basis}, which its targets were set for)` : 'Policy'));
  for (const t of trace) out(wrap(`  ${t.matched ? 'matched ' : 'skipped '} `, `${t.name}: ${t.reason}`, ctx.width, 11));
  if (!trace.length) out('  (the config has no policies)');
  if (differs) {
    const to = current.to;
    // The calendar is named only when it is what changed.
    const calendar = recorded && to && recorded.calendar !== to.calendar;
    const text = (a: NonNullable<typeof to>): string => `${a.policy} (${targetsText(a.targets)}${calendar ? `, calendar ${a.calendar}` : ''})`;
    out(`  note: ${recorded ? `the ticket keeps ${text(recorded)}` : 'the ticket has no SLA'}; ` +
      `the current config would give ${to ? text(to) : `no SLA (${current.reason})`} — ` +
      // recalc skips tickets done as of now (isDone, as it does); a reopen makes them open again.
      (isDone(clock) ? 'sla recalc leaves it as it is (it is not open)' : 'sla recalc applies it'));
  }

  const fr = clock.metrics.first_response;
  const res = clock.metrics.resolution;
  if (fr || res) {
    out();
    out(chalk.bold(`Clocks (times in ${zone})`));
    const cell = (m: MetricState | null, f: (m: MetricState) => string): string => (m ? f(m) : '—');
    const row = (label: string, f: (m: MetricState) => string): string[] => [label, cell(fr, f), cell(res, f)];
    const rows: string[][] = [
      row('target', (m) => formatDuration(m.target)),
      row('elapsed', (m) => formatDuration(m.elapsed)),
      row('remaining', (m) => formatDuration(m.remaining)),
      row('percent', (m) => `${m.percent}%`),
      row(`at risk (${config.atRiskThresholdPercent}%)`, (m) => localTime(m.atRiskAt, zone)),
      row('due', (m) => (m.dueAt === null ? 'paused: no deadline' : localTime(m.dueAt, zone))),
      row('status', (m) => paint(m.status)),
    ];
    if (fr?.stoppedAt != null || res?.stoppedAt != null) rows.push(row('stopped', (m) => localTime(m.stoppedAt, zone)));
    if (clock.totalPausedMs > 0) rows.push(['paused (wall clock)', cell(fr, (m) => formatDuration(m.pausedMs / 60_000)), cell(res, (m) => formatDuration(m.pausedMs / 60_000))]);
    if (breachReasons.first_response || breachReasons.resolution) {
      rows.push(['breach reason', breachReasons.first_response ?? '', breachReasons.resolution ?? '']);
    }
    out(renderTable(['', METRIC.first_response.name, METRIC.resolution.name], rows, ctx.color));

    // The clock whose deadline comes next explains the most; else resolution.
    const runningDue = (m: MetricState | null) => (m && m.stoppedAt === null && m.dueAt !== null ? m.dueAt : null);
    const frDue = runningDue(fr);
    const resDue = runningDue(res);
    const main: Metric = frDue !== null && (resDue === null || frDue < resDue) ? 'first_response' : res ? 'resolution' : 'first_response';
    const segs = segments[main];
    if (segs.length) {
      out();
      out(chalk.bold(`Timeline of the ${main === 'resolution' ? 'resolution' : 'first-response'} clock (${zone})`));
      for (const line of timelineLines(segs, zone, paint, ticket.id, ctx.width)) out(line);
    }
  }

  out();
  out(chalk.bold('History'));
  out(`  ${localTime(ticket.createdAt, zone)}  created`);
  for (const e of events) out(wrap(`  ${localTime(e.at, zone)}  `, eventText(e, zone), ctx.width));

  out();
  out(chalk.bold('Alerts and escalations'));
  if (!slaEvents.length && !alerts.length) out('  none recorded');
  for (const e of slaEvents) out(`  ${localTime(e.dueAt, zone)}  ${slaEventText(e, zone)}`);
  const orphan = alerts.filter((a) => a.slaEventSeq === null || !slaEvents.some((e) => e.seq === a.slaEventSeq));
  for (const e of slaEvents) for (const a of alerts.filter((x) => x.slaEventSeq === e.seq)) out(`      ${alertText(a, zone)}`);
  for (const a of orphan) out(`  ${localTime(a.createdAt, zone)}  ${a.type}: ${alertText(a, zone)}`);

  out();
  out(chalk.bold('Audit'));
  if (!audit.length) out('  no manual actions');
  for (const a of audit) out(auditLine(a, zone, 6, ctx.width, '  '));
  return 0;
}

/**
 * "open, priority urgent (was high at creation; targets for high)": the priority now,
 * the one at creation when it differs, and the one the targets were chosen for when
 * that is not the current one (a priority change keeps the promise made).
 */
function statusText(status: string, now: string | null, created: string | null, basis: string | null): string {
  const notes: string[] = [];
  if (now !== created) notes.push(`was ${created ?? '—'} at creation`);
  if (basis !== now && basis !== null) notes.push(`targets for ${basis}`);
  return `${status}, priority ${now ?? '—'}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

/**
 * When the ticket was closed, if its status is `closed` at the end of `events` (those
 * up to the instant shown): the instant it entered that status — a ticket resolved and
 * then closed has a resolution instant and a later closing one.
 */
function closedSince(events: readonly TicketEvent[], createdAt: Instant): Instant | null {
  let status = 'new';
  let since: Instant | null = null;
  for (const e of events) {
    if (e.at < createdAt || e.type !== 'status' || !e.value) continue; // the clock ignores events before creation
    if (e.value === 'closed' && status !== 'closed') since = e.at;
    status = e.value;
  }
  return status === 'closed' ? since : null;
}

// ----------------------------------------------------------------------------- timeline

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

function segmentJson(s: Segment) {
  return {
    from: isoUtc(s.from), to: isoUtc(s.to), kind: s.kind, projected: s.projected, reason: s.reason,
    minutes: minutes((s.to - s.from) / 60_000), countedMinutes: minutes(s.countedMinutes),
  };
}

function timelineLines(segs: Segment[], zone: string, paint: (s: string | null | undefined, text?: string) => string, id: string, width: number): string[] {
  const line = (s: Segment): string => {
    const a = DateTime.fromMillis(s.from, { zone });
    const b = DateTime.fromMillis(s.to, { zone });
    const sameDay = b.toISODate() === a.toISODate();
    const endOfDay = !sameDay && b.toFormat('HH:mm') === '00:00' && b.minus({ days: 1 }).toISODate() === a.toISODate();
    const to = sameDay ? b.toFormat('HH:mm') : endOfDay ? '24:00' : b.toFormat('ccc MM-dd HH:mm');
    const span = `${a.toFormat('ccc MM-dd HH:mm')} → ${to}`.padEnd(33);
    const dur = formatDuration((s.to - s.from) / 60_000).padStart(8);
    const what = s.kind === 'counted' ? 'counted' : `${s.kind}: ${s.reason}`;
    const text = clip(`  ${span}${dur}  ${what}`, width);
    return s.kind === 'paused' ? paint('paused', text) : text;
  };
  const lines = (list: Segment[]): string[] => {
    const out: string[] = [];
    let marked = false;
    for (const s of list) {
      if (s.projected && !marked) {
        out.push(`  ── now; the rest is projected if nothing pauses ──`);
        marked = true;
      }
      out.push(line(s));
    }
    return out;
  };
  if (segs.length <= MAX_TIMELINE_ROWS) return lines(segs);
  const head = segs.slice(0, MAX_TIMELINE_ROWS / 2);
  const tail = segs.slice(segs.length - MAX_TIMELINE_ROWS / 2);
  const mid = segs.slice(head.length, segs.length - tail.length);
  const counted = mid.reduce((x, s) => x + s.countedMinutes, 0);
  return [
    ...lines(head),
    `  … ${mid.length} more segments (${formatDuration(counted)} counted): sla show ${id} --format json`,
    ...lines(tail).filter((l, i) => i > 0 || !head.some((h) => h.projected) || !l.startsWith('  ──')),
  ];
}

// ----------------------------------------------------------------------------- history, alerts, audit

function eventJson(e: TicketEvent) {
  return {
    at: isoUtc(e.at), type: e.type, value: e.value ?? null, until: isoUtc(e.until ?? null), recalculate: e.recalculate ?? undefined,
    assignment: e.assignment, actor: e.actor ?? null, reason: e.reason ?? null, source: e.source ?? null,
  };
}

function eventText(e: TicketEvent, zone: string): string {
  const by = e.actor ? ` (${e.actor})` : '';
  const why = e.reason ? ` — ${e.reason}` : '';
  switch (e.type) {
    case 'status': return `status → ${e.value}${by}${why}`;
    case 'reply': return `agent reply${by}${why}`;
    case 'priority': return `priority → ${e.value}${by}${why}`;
    case 'assign': return `assigned to ${e.value ?? 'nobody'}${by}${why}`;
    case 'pause': return `paused${e.until != null ? ` until ${localTime(e.until, zone)}` : ''}${by}${why}`;
    case 'resume': return `resumed${by}${why}`;
    case 'reset': return e.recalculate
      ? `SLA reset, recalculated → ${e.assignment ? `${e.assignment.policy} (${targetsText(e.assignment.targets)})` : 'no SLA'}${by}${why}`
      : `SLA reset: clocks restart${by}${why}`;
    case 'retarget': return `retargeted by sla recalc → ${e.assignment ? `${e.assignment.policy} (${targetsText(e.assignment.targets)})` : 'no SLA'}${by}${why}`;
    default: return `${e.type}${e.value ? ` ${e.value}` : ''}${by}${why}`;
  }
}

function slaEventText(e: SlaEventRow, zone: string): string {
  const data = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  if (e.type === 'escalated') {
    const parts = [`escalated${e.rule && e.rule !== 'manual' ? ` by rule ${e.rule}` : e.rule === 'manual' ? ' by hand' : ''}`];
    if (data.actor) parts.push(`by ${String(data.actor)}`);
    if (data.from !== undefined || data.to !== undefined) parts.push(`${String(data.from ?? '—')} → ${String(data.to ?? '—')}`);
    if (data.reason) parts.push(`— ${String(data.reason)}`);
    return parts.join(' ');
  }
  const late = e.recordedAt > e.dueAt ? ` (recorded ${localTime(e.recordedAt, zone)})` : '';
  return `${e.type.replace('_', ' ')}${e.cycle ? ` (cycle ${e.cycle})` : ''}${e.announced ? '' : ', not announced'}${late}`;
}

function alertText(a: AlertRow, zone: string): string {
  const where = a.destination ?? 'no route';
  if (a.status === 'sent') return `→ ${where}: sent ${localTime(a.sentAt, zone)}`;
  if (a.status === 'failed') return `→ ${where}: FAILED after ${a.attempts} attempt(s)${a.lastError ? `: ${a.lastError}` : ''}`;
  if (a.status === 'unrouted') return '→ no route matched (kept in sla alerts)';
  return `→ ${where}: ${a.status}${a.attempts ? ` (${a.attempts} attempt(s)${a.lastError ? `, last: ${a.lastError}` : ''})` : ''}`;
}

function targetsText(t: { firstResponse: number; resolution: number }): string {
  return `response ${formatDuration(t.firstResponse)}, resolution ${formatDuration(t.resolution)}`;
}

