// PagerDuty's Events API v2: each alert is an alert event sent to the integration's routing key
// (https://github.com/PagerDuty/developer-docs/blob/main/docs/events-API-v2/02-Trigger-Events.md):
// POST {"routing_key", "event_action": "trigger", "dedup_key", "payload": {"summary" (≤ 1024
// characters), "source", "severity" (critical, error, warning or info), "timestamp", "component",
// "group", "class", "custom_details"}, "links", "client", "client_url"} to
// https://events.pagerduty.com/v2/enqueue, which answers 202; 400 is an event it refuses, 429 and
// 5xx are retried as for every destination.
//
// The dedup key is the ticket's clock and cycle ("sla:<ticket>:<metric>:<cycle>"; an escalation:
// "sla:<ticket>:escalation:<rule>:<cycle>"), so a warning and the breach of the same clock update
// one PagerDuty alert instead of opening two; when that clock stops (the ticket answered or
// resolved, a new cycle), check queues one resolve event with the same key (app/incidents.ts),
// sent through the outbox like any alert. Never a digest: each ticket is its own incident. The routing key is a credential: resolved at sending
// and put in the body then, never stored in the outbox.
import { createHash } from 'node:crypto';
import type { PagerDutyDestination, PagerDutySeverity } from '../config/types.js';
import { isHttpUrl, isLiteral, resolveField, type Destination } from './destination.js';
import type { AlertFacts } from './facts.js';
import { factLines, headline, subjectOf, title, truncate } from './render.js';

export const PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';
const SUMMARY_MAX = 1024;
const DEDUP_MAX = 255;

/** The severity of a priority when the destination does not say. */
export const DEFAULT_SEVERITY: Readonly<Record<string, PagerDutySeverity>> = { urgent: 'critical', high: 'error', medium: 'warning', low: 'info' };

/** The alert event, but for its routing key (added when it is sent). */
export interface PagerDutyEvent {
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string; source: string; severity: PagerDutySeverity; timestamp: string;
    component: string; group?: string; class: string; custom_details: Record<string, unknown>;
  };
  links?: Array<{ href: string; text: string }>;
  client: string;
  client_url?: string;
}

/** The clock an alert is about, as PagerDuty's dedup key (hashed when a long ticket id would pass 255 characters). */
export function dedupKey(f: AlertFacts): string {
  const key = f.level === 'escalation' ? `sla:${f.ticketId}:escalation:${f.rule ?? f.escalation?.rule ?? ''}:${f.cycle}` : `sla:${f.ticketId}:${f.metric ?? 'none'}:${f.cycle}`;
  return key.length <= DEDUP_MAX ? key : `sla:${createHash('sha256').update(key).digest('hex')}`;
}

function severityOf(d: PagerDutyDestination, f: AlertFacts): PagerDutySeverity {
  const p = (f.priority ?? '').toLowerCase();
  return d.severity[p] ?? DEFAULT_SEVERITY[p] ?? (f.level === 'warning' ? 'warning' : 'error');
}

/** One alert as a PagerDuty alert event (its facts as custom details; time left as of `now`). */
export function pagerDutyEvent(d: PagerDutyDestination, f: AlertFacts, zone: string, now?: number): PagerDutyEvent {
  const subject = subjectOf(f);
  const details: Record<string, unknown> = { ticket: f.ticketId };
  if (subject) details.subject = subject;
  for (const [k, v] of factLines(f, zone, now)) details[k.toLowerCase().replace(/ /g, '_')] = v;
  details.sla_event_id = f.id;
  return {
    event_action: 'trigger',
    dedup_key: dedupKey(f),
    payload: {
      summary: truncate(`${title(f)}: ${headline(f, now)}${subject ? ` · ${subject}` : ''}`, SUMMARY_MAX),
      source: 'sla',
      severity: severityOf(d, f),
      timestamp: f.at,
      component: f.policy ?? 'no SLA policy',
      ...(f.group ? { group: f.group } : {}),
      class: f.type,
      custom_details: details,
    },
    ...(f.url ? { links: [{ href: f.url, text: `Ticket #${f.ticketId}` }], client_url: f.url } : {}),
    client: 'sla',
  };
}

/** The event that resolves the PagerDuty alert of a dedup key. */
export interface PagerDutyResolve { event_action: 'resolve'; dedup_key: string }

export const pagerduty: Destination<PagerDutyDestination, { url: string; routingKey: string }, PagerDutyEvent | PagerDutyResolve> = {
  load(raw, { name, report }) {
    const url = raw.url ?? PAGERDUTY_URL;
    if (isLiteral(url) && !isHttpUrl(url)) report(['url'], 'is not an http(s):// URL');
    const severity: Record<string, PagerDutySeverity> = {};
    for (const [p, s] of Object.entries(raw.severity ?? {})) severity[p.toLowerCase()] = s;
    return { name, type: 'pagerduty', routingKey: raw.routingKey, url, severity };
  },
  variableTexts: (d) => [{ path: ['routingKey'], text: d.routingKey }, { path: ['url'], text: d.url }],
  lint(d, warn) {
    if (isLiteral(d.routingKey)) warn(['routingKey'], 'a PagerDuty routing key is a credential; write "$PD_ROUTING_KEY" here and set that environment variable');
  },
  resolve: (d, env) => ({ url: resolveField(d, 'url', d.url, env), routingKey: resolveField(d, 'routingKey', d.routingKey, env) }),
  render: (d, alert, zone, now) => pagerDutyEvent(d, alert.facts, zone, now),
  send: (target, event, transport) => transport.postJson(target.url, {}, { routing_key: target.routingKey, ...event }),
  // The PagerDuty alert a trigger opened is resolved, by its dedup key, once that clock stops.
  incidentKey: (_d, f) => dedupKey(f),
  close: (_d, incident) => ({ event_action: 'resolve', dedup_key: incident.key }),
};
