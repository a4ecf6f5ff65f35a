// The facts of one alert, fixed when the SLA event is recorded and stored in the
// outbox row (JSON). Every destination renders from these alone; what depends on the
// moment of sending (how overdue, from the deadline) is worked out when it is sent
// (render.ts), so a retry a day later says how things stand then. Redacted fields are
// never put in; secrets never are.

import { createHash } from 'node:crypto';
import type { AlertsConfig, AlertType, RouteConfig } from '../config/types.js';
import type { MetricState, TicketClock } from '../domain/clock.js';
import type { Ticket } from '../domain/ticket.js';
import { MINUTE, type Instant, type Metric } from '../domain/types.js';
import { isoUtc, minutes } from '../render/format.js';

export type AlertLevel = 'warning' | 'breach' | 'escalation';

export interface EscalationFacts {
  rule: string;
  manual: boolean;
  reason?: string;
  actor?: string;
  priority?: { from: string | null; to: string | null };
  assignee?: { from: string | null; to: string | null };
}

export interface AlertFacts {
  /** Stable id of the SLA event (the same for every destination and every retry). */
  id: string;
  type: AlertType;
  level: AlertLevel;
  ticketId: string;
  /** Link from alerts.ticketUrl, or null. */
  url: string | null;
  cycle: number;
  /** Escalation rule name (null for clock transitions). */
  rule: string | null;
  metric: Metric | null;
  /** When it happened (ISO UTC): a breach's is the deadline itself. */
  at: string;
  /** The instant check evaluated (ISO UTC): time left / overdue are as of then. */
  asOf: string;
  /** The metric's deadline (ISO UTC), null while paused. */
  deadline: string | null;
  targetMinutes: number | null;
  elapsedMinutes: number | null;
  /** SLA-clock (business) minutes left; negative = overdue. */
  businessMinutesLeft: number | null;
  /** Wall-clock minutes to the deadline; negative = overdue. */
  wallMinutesLeft: number | null;
  percent: number | null;
  metricStatus: string | null;
  priority: string | null;
  status: string;
  policy: string | null;
  calendar: string | null;
  subject?: string | null;
  requester?: string | null;
  customer?: string | null;
  tier?: string | null;
  assignee?: string | null;
  group?: string | null;
  channel?: string | null;
  tags?: string[];
  escalation?: EscalationFacts;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Stable id of an SLA event: receivers drop duplicates by it. */
export function eventId(ticketId: string, cycle: number, type: string, rule: string): string {
  return `sla_${sha(`${ticketId}\u0000${cycle}\u0000${type}\u0000${rule}`).slice(0, 24)}`;
}

/** Stable id of the message that closes what an alert opened at a destination (one per opening). */
export function incidentClosedId(destination: string, key: string, openedAt: number): string {
  return `sla_${sha(`${destination}\u0000${key}\u0000${openedAt}\u0000closed`).slice(0, 24)}`;
}

/** Stable id of one outbox row (an event to one destination). */
export function alertId(evId: string, destination: string | null): string {
  return `al_${sha(`${evId}\u0000${destination ?? ''}`).slice(0, 24)}`;
}

export function levelOf(type: AlertType): AlertLevel {
  if (type === 'escalated') return 'escalation';
  return type.endsWith('_breached') ? 'breach' : 'warning';
}

export function ticketLink(alerts: AlertsConfig, id: string): string | null {
  return alerts.ticketUrl ? alerts.ticketUrl.split('{id}').join(encodeURIComponent(id)) : null;
}

export function buildFacts(input: {
  alerts: AlertsConfig;
  ticket: Ticket;
  clock: TicketClock;
  type: AlertType;
  rule: string;
  metric: Metric | null;
  at: Instant;
  now: Instant;
  escalation?: EscalationFacts;
}): AlertFacts {
  const { ticket: t, clock, alerts } = input;
  const metric: Metric | null = input.metric ?? (input.type === 'escalated' ? 'resolution' : null);
  const m: MetricState | null = metric ? clock.metrics[metric] : null;
  const facts: AlertFacts = {
    id: eventId(t.id, clock.cycle, input.type, input.rule),
    type: input.type,
    level: levelOf(input.type),
    ticketId: t.id,
    url: ticketLink(alerts, t.id),
    cycle: clock.cycle,
    rule: input.rule || null,
    metric,
    at: isoUtc(input.at)!,
    asOf: isoUtc(input.now)!,
    deadline: isoUtc(m?.dueAt ?? null),
    targetMinutes: minutes(m?.target),
    elapsedMinutes: minutes(m?.elapsed),
    businessMinutesLeft: minutes(m?.remaining),
    wallMinutesLeft: m && m.dueAt !== null ? minutes((m.dueAt - input.now) / MINUTE) : null,
    percent: m ? m.percent : null,
    metricStatus: m?.status ?? null,
    priority: t.priority,
    status: clock.status,
    policy: clock.assignment?.policy ?? null,
    calendar: clock.assignment?.calendar ?? null,
  };
  const redact = new Set<string>(alerts.redact);
  const put = <K extends keyof AlertFacts>(k: K, v: AlertFacts[K]): void => { if (!redact.has(k)) facts[k] = v; };
  put('subject', t.subject);
  put('requester', t.requester);
  put('customer', t.customer);
  put('tier', t.tier);
  put('assignee', t.assignee);
  put('group', t.group);
  put('channel', t.channel);
  put('tags', t.tags);
  if (input.escalation) facts.escalation = input.escalation;
  return facts;
}

const norm = (s: string): string => s.trim().toLowerCase();
const inList = (v: string | null | undefined, list: readonly string[] | undefined): boolean =>
  !list || (v !== null && v !== undefined && list.some((x) => norm(x) === norm(v)));

/** Destination names for an event: every matching route's, in order, without repeats. */
export function routeDestinations(
  routes: readonly RouteConfig[],
  e: { type: AlertType; priority: string | null; tier: string | null; policy: string | null },
): string[] {
  const out: string[] = [];
  for (const r of routes) {
    const w = r.when;
    if (w.type && !w.type.includes(e.type)) continue;
    if (!inList(e.priority, w.priority) || !inList(e.tier, w.tier) || !inList(e.policy, w.policy)) continue;
    for (const d of r.to) if (!out.includes(d)) out.push(d);
  }
  return out;
}
