// How `sla show` is shown: the JSON document and the terminal page (facts, policy trace,
// clocks, the timeline of the clock that explains the most, history, alerts, audit). Pure text
// from the use case's TicketDetails.

import { DateTime } from 'luxon';
import type { TicketDetails } from '../app/show.js';
import type { MetricState } from '../domain/clock.js';
import type { Segment } from '../domain/explain.js';
import { METRIC, METRICS, type Metric } from '../domain/metrics.js';
import type { TicketEvent } from '../domain/ticket.js';
import type { Targets } from '../domain/types.js';
import type { AlertRow, SlaEventRow } from '../store/port.js';
import { auditLine, wrap } from './audit.js';
import { clip, formatDuration, isoUtc, localTime, minutes } from './format.js';
import { ticketJson } from './ticket-json.js';

const MAX_TIMELINE_ROWS = 30;

export function showJson(d: TicketDetails) {
  const { ticket, clock, now, closedAt, breachReasons, trace, basis, current, segments, events, slaEvents, alerts, audit } = d;
  return {
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
    policyDiffersFromConfig: current.changed,
    segments: Object.fromEntries(Object.entries(segments).map(([k, v]) => [k, v.map(segmentJson)])),
    events: events.map(eventJson),
    slaEvents: slaEvents.map((e) => ({ ...e, dueAt: isoUtc(e.dueAt), recordedAt: isoUtc(e.recordedAt) })),
    alerts: alerts.map((a) => ({ ...a, createdAt: isoUtc(a.createdAt), sentAt: isoUtc(a.sentAt) })),
    audit: audit.map((a) => ({ ...a, at: isoUtc(a.at) })),
  };
}

/** The columns of `historyRows`. */
export const HISTORY_KEYS = ['ticketId', 'at', 'type', 'value', 'until', 'policy', 'actor', 'reason', 'source'] as const;

/**
 * The ticket's history as rows (csv, ndjson): its creation, then each event up to now; `policy`
 * is the assignment a reset or retarget gave (`none` for no SLA).
 */
export function historyRows(d: TicketDetails): Array<Record<(typeof HISTORY_KEYS)[number], unknown>> {
  const id = d.ticket.id;
  return [
    { ticketId: id, at: isoUtc(d.ticket.createdAt), type: 'created', value: null, until: null, policy: null, actor: null, reason: null, source: null },
    ...d.events.map((e) => ({
      ticketId: id, at: isoUtc(e.at), type: e.type, value: e.value ?? null, until: isoUtc(e.until ?? null),
      policy: e.assignment === undefined ? null : (e.assignment?.policy ?? 'none'), actor: e.actor ?? null, reason: e.reason ?? null, source: e.source ?? null,
    })),
  ];
}

export interface ShowOptions { zone: string; color: boolean; width: number; atRiskThresholdPercent: number }

/** The terminal page, line by line. */
export async function showText(d: TicketDetails, o: ShowOptions): Promise<string[]> {
  const { ticket, clock, now, closedAt, breachReasons, trace, basis, current, segments, events, slaEvents, alerts, audit } = d;
  const { zone } = o;
  const recorded = clock.assignment;
  const differs = current.changed;
  const lines: string[] = [];
  const { renderPairs, renderTable, makeChalk } = await import('./table.js');
  const chalk = makeChalk(o.color);
  const paint = (s: string | null | undefined, text = s ?? '—'): string =>
    s === 'breached' ? chalk.red(text) : s === 'at_risk' ? chalk.yellow(text) : s === 'paused' ? chalk.dim(text) : text;
  const out = (s = ''): void => { lines.push(s); };

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
  for (const t of trace) out(wrap(`  ${t.matched ? 'matched ' : 'skipped '} `, `${t.name}: ${t.reason}`, o.width, 11));
  if (!trace.length) out('  (the config has no policies)');
  if (differs) {
    const to = current.to;
    // The calendar is named only when it is what changed.
    const calendar = recorded && to && recorded.calendar !== to.calendar;
    const text = (a: NonNullable<typeof to>): string => `${a.policy} (${targetsText(a.targets)}${calendar ? `, calendar ${a.calendar}` : ''})`;
    out(`  note: ${recorded ? `the ticket keeps ${text(recorded)}` : 'the ticket has no SLA'}; ` +
      `the current config would give ${to ? text(to) : `no SLA (${current.reason})`} — ` +
      // recalc skips tickets done as of now (isDone, as it does); a reopen makes them open again.
      (d.done ? 'sla recalc leaves it as it is (it is not open)' : 'sla recalc applies it'));
  }

  const states = METRICS.map((m) => clock.metrics[m]);
  if (states.some((m) => m !== null)) {
    out();
    out(chalk.bold(`Clocks (times in ${zone})`));
    const cell = (m: MetricState | null, f: (m: MetricState) => string): string => (m ? f(m) : '—');
    const row = (label: string, f: (m: MetricState) => string): string[] => [label, ...states.map((m) => cell(m, f))];
    const rows: string[][] = [
      row('target', (m) => formatDuration(m.target)),
      row('elapsed', (m) => formatDuration(m.elapsed)),
      row('remaining', (m) => formatDuration(m.remaining)),
      row('percent', (m) => `${m.percent}%`),
      row(`at risk (${o.atRiskThresholdPercent}%)`, (m) => localTime(m.atRiskAt, zone)),
      row('due', (m) => (m.dueAt === null ? 'paused: no deadline' : localTime(m.dueAt, zone))),
      row('status', (m) => paint(m.status)),
    ];
    if (states.some((m) => m?.stoppedAt != null)) rows.push(row('stopped', (m) => localTime(m.stoppedAt, zone)));
    if (clock.totalPausedMs > 0) rows.push(row('paused (wall clock)', (m) => formatDuration(m.pausedMs / 60_000)));
    if (METRICS.some((m) => breachReasons[m])) rows.push(['breach reason', ...METRICS.map((m) => breachReasons[m] ?? '')]);
    out(renderTable(['', ...METRICS.map((m) => METRIC[m].name)], rows, o.color));

    const main = explainedMetric(clock.metrics);
    const segs = segments[main];
    if (segs.length) {
      out();
      out(chalk.bold(`Timeline of the ${METRIC[main].name.replace(' ', '-')} clock (${zone})`));
      for (const line of timelineLines(segs, zone, paint, ticket.id, o.width)) out(line);
    }
  }

  out();
  out(chalk.bold('History'));
  out(`  ${localTime(ticket.createdAt, zone)}  created`);
  for (const e of events) out(wrap(`  ${localTime(e.at, zone)}  `, eventText(e, zone), o.width));

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
  for (const a of audit) out(auditLine(a, zone, 6, o.width, '  '));
  return lines;
}

/**
 * The clock whose deadline comes next explains the most (the earliest running deadline, the
 * later metric on a tie);
 * else the last metric that has a clock (resolution), else the first.
 */
function explainedMetric(metrics: { [M in Metric]: MetricState | null }): Metric {
  let best: Metric | null = null;
  for (const m of METRICS) {
    const s = metrics[m];
    if (s && s.stoppedAt === null && s.dueAt !== null && (best === null || s.dueAt <= metrics[best]!.dueAt!)) best = m;
  }
  if (best !== null) return best;
  for (let i = METRICS.length - 1; i >= 0; i--) if (metrics[METRICS[i]]) return METRICS[i];
  return METRICS[0];
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

// ---- history, alerts, audit

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
  return `${e.type.replace(/_/g, ' ')}${e.cycle ? ` (cycle ${e.cycle})` : ''}${e.announced ? '' : ', not announced'}${late}`;
}

function alertText(a: AlertRow, zone: string): string {
  const where = a.destination ?? 'no route';
  if (a.status === 'sent') return `→ ${where}: sent ${localTime(a.sentAt, zone)}`;
  if (a.status === 'failed') return `→ ${where}: FAILED after ${a.attempts} attempt(s)${a.lastError ? `: ${a.lastError}` : ''}`;
  if (a.status === 'unrouted') return '→ no route matched (kept in sla alerts)';
  return `→ ${where}: ${a.status}${a.attempts ? ` (${a.attempts} attempt(s)${a.lastError ? `, last: ${a.lastError}` : ''})` : ''}`;
}

function targetsText(t: Targets): string {
  return METRICS.map((m) => `${METRIC[m].brief} ${formatDuration(t[METRIC[m].key])}`).join(', ');
}

