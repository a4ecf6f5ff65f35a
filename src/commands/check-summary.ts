// How a check run reads: one summary line (check's stdout head, watch's log line),
// detail lines per recorded event, delivery problems for stderr, and the JSON for
// scripts.

import { METRIC } from '../domain/metrics.js';
import { formatDuration, isoUtc, localTime } from '../render/format.js';
import type { CheckResult, FiredEvent } from '../app/check.js';
import type { DeliveryReport } from '../app/deliver.js';

const label = (type: string): string =>
  type.endsWith('_warning') ? 'at risk' : type.endsWith('_breached') ? 'breached' : type;

/** Did anything happen that a person should hear about (crontab: stdout stays empty otherwise)? */
export function somethingHappened(r: CheckResult): boolean {
  const d = r.delivery;
  return r.events.length > 0 || (d !== null && (d.sent > 0 || d.failed > 0));
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "2 breached, 1 at risk, 1 escalated · 4 alerts sent (1 digest) · 1 waiting for retry · 12 tickets evaluated" */
export function summaryLine(r: CheckResult): string {
  const n = { breached: 0, risk: 0, escalated: 0, silent: 0 };
  for (const e of r.events) {
    if (!e.announced) n.silent++;
    else if (e.type === 'escalated') n.escalated++;
    else if (e.type.endsWith('_breached')) n.breached++;
    else n.risk++;
  }
  const parts: string[] = [];
  const ev: string[] = [];
  if (n.breached) ev.push(`${n.breached} breached`);
  if (n.risk) ev.push(`${n.risk} at risk`);
  if (n.escalated) ev.push(`${n.escalated} escalated`);
  if (n.silent) ev.push(`${n.silent} recorded silently`);
  parts.push(ev.length ? ev.join(', ') : 'no new SLA events');
  const d = r.delivery;
  if (r.dryRun) parts.push('dry run: nothing recorded or sent');
  else if (d === null) parts.push(`${plural(r.alertsQueued, 'alert')} queued (not delivered: --no-deliver)`);
  else {
    let sent = `${plural(d.sent, 'alert')} sent`;
    if (d.digests) sent += ` (${plural(d.digests, 'digest')})`;
    parts.push(sent);
    if (d.retrying) parts.push(`${d.retrying} waiting for retry`);
    if (d.failed) parts.push(`${d.failed} failed`);
  }
  if (r.unrouted) parts.push(`${r.unrouted} without a route`);
  parts.push(`${plural(r.ticketsEvaluated, 'ticket')} evaluated`);
  return parts.join(' · ');
}

export function eventLine(e: FiredEvent, zone: string): string {
  const metric = e.metric ? METRIC[e.metric].name : '';
  let line = `  ${(e.announced ? label(e.type) : 'recorded').padEnd(9)}  #${e.ticketId}`;
  if (e.type === 'escalated') {
    line += ` rule ${e.rule}`;
    const x = e.escalation;
    if (x?.priority) line += `: priority ${x.priority.from ?? 'none'} → ${x.priority.to}`;
    if (x?.assignee) line += `${x.priority ? ',' : ':'} assigned to ${x.assignee.to}`;
  } else {
    line += ` ${metric} ${e.type.endsWith('_breached') ? 'due' : 'at risk at'} ${localTime(e.at, zone)}`;
    if (!e.announced) line += ' (warning not announced: its breach had also passed)';
  }
  if (e.destinations.length) line += ` → ${e.destinations.join(', ')}`;
  else if (e.unrouted) line += ' → no route (kept in `sla alerts`)';
  return line;
}

/** The columns of a recorded SLA event, as `check` lists them. */
export const EVENT_KEYS = ['ticketId', 'type', 'rule', 'metric', 'at', 'cycle', 'announced', 'destinations', 'unrouted', 'escalation'] as const;

/** The SLA events a check recorded, one object each. */
export function eventRows(r: CheckResult): Array<Record<(typeof EVENT_KEYS)[number], unknown>> {
  return r.events.map((e) => ({
    ticketId: e.ticketId, type: e.type, rule: e.rule || null, metric: e.metric, at: isoUtc(e.at), cycle: e.cycle,
    announced: e.announced, destinations: e.destinations, unrouted: e.unrouted, escalation: e.escalation ?? null,
  }));
}

export function resultJson(r: CheckResult): Record<string, unknown> {
  const d = r.delivery;
  return {
    run: r.runId,
    at: isoUtc(r.at),
    dryRun: r.dryRun,
    durationMs: r.finishedAt - r.startedAt,
    ticketsEvaluated: r.ticketsEvaluated,
    events: eventRows(r),
    alerts: {
      queued: r.alertsQueued,
      unrouted: r.unrouted,
      delivered: d !== null,
      sent: d?.sent ?? 0,
      messages: d?.messages ?? 0,
      digests: d?.digests ?? 0,
      retrying: d?.retrying ?? 0,
      failed: d?.failed ?? 0,
      pending: r.pendingAfter,
    },
    failures: (d?.failures ?? []).map((f) => ({ destination: f.destination, alerts: f.alertIds, error: f.error, permanent: f.permanent })),
    failOn: r.failOn,
  };
}

/** Delivery problems for stderr: one line per destination and error. */
export function failureLines(delivery: DeliveryReport | null): string[] {
  const groups = new Map<string, { destination: string | null; error: string; permanent: boolean; n: number }>();
  for (const f of delivery?.failures ?? []) {
    const key = `${f.destination}\u0000${f.error}\u0000${f.permanent}`;
    const g = groups.get(key);
    if (g) g.n += f.alertIds.length;
    else groups.set(key, { destination: f.destination, error: f.error, permanent: f.permanent, n: f.alertIds.length });
  }
  const out: string[] = [];
  for (const f of groups.values()) {
    const what = `${plural(f.n, 'alert')} to "${f.destination}"`;
    if (f.permanent && f.error.includes('environment variable')) {
      out.push(`${what} not delivered: ${f.error} (they stay queued)`);
    } else if (f.permanent) {
      out.push(`${what} failed: ${f.error} — fix the destination, then \`sla alerts --failed --retry\``);
    } else {
      out.push(`${what} not delivered yet: ${f.error} — they stay queued; the next check retries (\`sla alerts --pending\`)`);
    }
  }
  return out;
}

/** Exit code of a run: 1 on a permanent delivery failure, else 3 when --fail-on found tickets, else 0. */
export function exitCodeOf(r: CheckResult): number {
  if (r.delivery?.failures.some((f) => f.permanent)) return 1;
  if (r.failOn && r.failOn.tickets > 0) return 3;
  return 0;
}

export function durationText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms / 60_000);
}
