// `sla metrics`: the monitor's state as Prometheus metric families — open tickets by SLA status
// and priority, SLA events recorded, compliance over the last 7 and 30 days (the report's
// counting, app/report.ts), the outbox, the last check runs, and the age of each source's pulled data. One read of the store plus two
// report counts; no writes.

import { METRIC, METRICS } from '../domain/metrics.js';
import { lastDaysWindow } from '../domain/report-window.js';
import type { Family } from '../render/prometheus.js';
import { buildReport } from './report.js';
import type { Setup } from './setup.js';

/** The compliance windows, in days (today and the days before, in the config's zone). */
const WINDOWS = [7, 30] as const;

const or = (v: string | null, none: string): string => (v === null || v === '' ? none : v);

export async function collectMetrics(s: Setup): Promise<Family[]> {
  const { config, now, store } = s;
  const c = await store.metricsCounts();
  const families: Family[] = [];

  families.push({
    name: 'sla_open_tickets', type: 'gauge',
    help: 'Open tickets by SLA status (as the last check or write stored it; "none": no SLA) and priority.',
    samples: c.open.map((r) => ({ labels: { sla_status: or(r.slaStatus, 'none'), priority: or(r.priority, 'none') }, value: r.n })),
  });

  // SLA events: each metric's warnings and breaches, and escalations.
  const byEvent = new Map<string, { metric: string; kind: 'warning' | 'breached' }>();
  for (const m of METRICS) {
    byEvent.set(`${METRIC[m].event}_warning`, { metric: m, kind: 'warning' });
    byEvent.set(`${METRIC[m].event}_breached`, { metric: m, kind: 'breached' });
  }
  const events = (kind: 'warning' | 'breached') => c.events.flatMap((e) => {
    const ev = byEvent.get(e.type);
    return ev && ev.kind === kind ? [{ labels: { metric: ev.metric, policy: or(e.policy, 'none'), priority: or(e.priority, 'none') }, value: e.n }] : [];
  });
  families.push({ name: 'sla_breaches_total', type: 'counter', help: 'SLA breaches recorded, by metric and by the ticket\'s policy and priority.', samples: events('breached') });
  families.push({ name: 'sla_warnings_total', type: 'counter', help: 'SLA at-risk warnings recorded, by metric and by the ticket\'s policy and priority.', samples: events('warning') });
  families.push({
    name: 'sla_escalations_total', type: 'counter', help: 'Escalations recorded (rules and by hand), by the ticket\'s policy and priority.',
    samples: c.events.filter((e) => e.type === 'escalated').map((e) => ({ labels: { policy: or(e.policy, 'none'), priority: or(e.priority, 'none') }, value: e.n })),
  });

  // Compliance: the report's total for tickets created in the window (met ÷ concluded).
  const ratio: Family = { name: 'sla_compliance_ratio', type: 'gauge', help: 'Met ÷ (met + breached) for tickets created in the window (as sla report --days N counts), by metric; absent when none concluded.', samples: [] };
  const concluded: Family = { name: 'sla_concluded_tickets', type: 'gauge', help: 'Tickets created in the window whose clock concluded, by metric and result (met, breached).', samples: [] };
  for (const days of WINDOWS) {
    const report = await buildReport(s, { by: 'priority', window: lastDaysWindow(now, config.timezone, days), daily: false });
    const window = `${days}d`;
    for (const m of METRICS) {
      const t = report.data.total[METRIC[m].key];
      concluded.samples.push({ labels: { metric: m, window, result: 'met' }, value: t.met }, { labels: { metric: m, window, result: 'breached' }, value: t.breached });
      if (t.met + t.breached > 0) ratio.samples.push({ labels: { metric: m, window }, value: t.met / (t.met + t.breached) });
    }
  }
  families.push(ratio, concluded);

  const outbox = new Map(c.outbox.map((o) => [o.status, o.n]));
  families.push({
    name: 'sla_outbox_alerts', type: 'gauge', help: 'Alerts in the outbox by status (pending counts those being sent).',
    samples: [
      { labels: { status: 'pending' }, value: (outbox.get('pending') ?? 0) + (outbox.get('sending') ?? 0) },
      { labels: { status: 'failed' }, value: outbox.get('failed') ?? 0 },
      { labels: { status: 'sent' }, value: outbox.get('sent') ?? 0 },
      { labels: { status: 'unrouted' }, value: outbox.get('unrouted') ?? 0 },
    ],
  });

  const seconds = (ms: number): number => ms / 1000;
  const last = c.lastRun;
  const ok = c.lastSuccess;
  families.push({
    name: 'sla_last_check_start_timestamp_seconds', type: 'gauge', help: 'When the last sla check began (Unix seconds, real clock).',
    samples: last ? [{ value: seconds(last.startedAt) }] : [],
  });
  families.push({
    name: 'sla_last_check_success_timestamp_seconds', type: 'gauge', help: 'When the last sla check that ended well finished (Unix seconds, real clock).',
    samples: ok && ok.finishedAt !== null ? [{ value: seconds(ok.finishedAt) }] : [],
  });
  families.push({
    name: 'sla_last_check_duration_seconds', type: 'gauge', help: 'How long the last finished sla check took.',
    samples: last && last.finishedAt !== null ? [{ value: seconds(last.finishedAt - last.startedAt) }] : ok && ok.finishedAt !== null ? [{ value: seconds(ok.finishedAt - ok.startedAt) }] : [],
  });
  families.push({
    name: 'sla_last_check_ok', type: 'gauge', help: '1 when the last sla check ended well, 0 when it failed or is running.',
    samples: last ? [{ value: last.status === 'ok' ? 1 : 0 }] : [],
  });

  // Pulls: how old the data of each configured source is (real clock).
  const cursors = new Map((await store.pullCursors()).map((p) => [p.source, p]));
  families.push({
    name: 'sla_pull_cursor_age_seconds', type: 'gauge',
    help: 'Seconds since the start of the last `sla pull` that brought every change of the source (+Inf: none yet).',
    samples: Object.keys(config.sources).map((source) => {
      const at = cursors.get(source)?.currentAt ?? null;
      return { labels: { source }, value: at === null ? Infinity : Math.max(0, seconds(s.wall() - at)) };
    }),
  });
  return families;
}
