// The resolved, typed configuration that the rest of `sla` works with (made by load.ts and resolve/).
import { METRIC_EVENT_TYPES, type MetricEventType } from '../domain/metrics.js';
import type { CalendarSpec, Status, Targets } from '../domain/types.js';
import type { SectionValues } from './sections.js';

export type { EscalationRule } from './sections/escalations.js';

/** SLA event / alert types (SPEC §5): each metric's (the metric table's), and escalations. */
export type AlertType = MetricEventType | 'escalated';
// A non-empty tuple for z.enum; 'escalated' makes it non-empty whatever the metrics are.
export const ALERT_TYPES = [...METRIC_EVENT_TYPES, 'escalated'] as unknown as readonly [AlertType, ...AlertType[]];

/** Ticket fields an alert may leave out (`alerts.redact`). */
export const REDACTABLE_FIELDS = [
  'subject', 'requester', 'customer', 'tier', 'assignee', 'group', 'channel', 'tags',
] as const;
export type RedactableField = (typeof REDACTABLE_FIELDS)[number];

export interface PolicyConfig {
  name: string;
  /** Position in the file (0-based); policies are kept in file order: first match wins. */
  index: number;
  /**
   * Ticket field → accepted values (any of them), all as strings; null = catch-all.
   * Keys as written in the file. `priority` values are canonical priorities (aliases
   * resolved); other values as written: comparing case-insensitively is the matcher's job.
   */
  match: Record<string, string[]> | null;
  /** Name of a calendar in Config.calendars (checked at load). */
  calendar: string;
  /** Canonical priority → targets in minutes (aliases resolved; tier multiplier NOT applied). */
  targets: Record<string, Targets>;
}

/**
 * Alert destinations. String fields marked "may hold $VARS" are kept UNRESOLVED (e.g.
 * "$SLACK_SLA_WARNINGS", "Bearer ${OPS_TOKEN}"); call resolveSecrets() at delivery time and
 * never print the result.
 */
export type DestinationConfig = SlackDestination | TeamsDestination | PagerDutyDestination | WebhookDestination | EmailDestination | FileDestination;
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';
/** PagerDuty's Events API v2. */
export interface PagerDutyDestination {
  name: string; type: 'pagerduty';
  /** The integration's routing key; may hold $VARS. */ routingKey: string;
  /** The endpoint; may hold $VARS (default https://events.pagerduty.com/v2/enqueue). */ url: string;
  /** Lowercased priority → the incident's severity. */ severity: Record<string, PagerDutySeverity>;
}
export interface SlackDestination { name: string; type: 'slack'; /** may hold $VARS */ url: string }
/** A Microsoft Teams Workflows webhook ("When a Teams webhook request is received"). */
export interface TeamsDestination { name: string; type: 'teams'; /** may hold $VARS */ url: string }
export interface WebhookDestination {
  name: string; type: 'webhook';
  /** may hold $VARS */ url: string;
  /** header values may hold $VARS */ headers: Record<string, string>;
  /** Standard Webhooks signing secret ("whsec_" + base64), normally "$VAR"; null: unsigned. */
  secret: string | null;
}
export interface EmailDestination {
  name: string; type: 'email';
  /** smtp:// or smtps:// URL; may hold $VARS */ smtp: string;
  from: string;
  to: string[];
}
export interface FileDestination { name: string; type: 'file'; /** absolute */ path: string }

export interface RouteConfig {
  /** Every present condition must hold (each a list: any value of it); absent = any. */
  when: {
    type?: AlertType[];
    /** canonical priorities */
    priority?: string[];
    tier?: string[];
    /** policy names (checked at load) */
    policy?: string[];
  };
  /** destination names (checked at load) */
  to: string[];
}

export interface AlertsConfig {
  /** Empty when the file has no `alerts`. */
  destinations: Record<string, DestinationConfig>;
  routes: RouteConfig[];
  /** e.g. "https://support.example.com/tickets/{id}" (contains "{id}"); null = no links. */
  ticketUrl: string | null;
  redact: RedactableField[];
  /** More than this many alerts for one destination in one run become one digest (default 10). */
  digestAbove: number;
}

export interface Config extends SectionValues {
  /** Absolute path of the file this was loaded from. */
  configPath: string;
  /** Absolute path of the SQLite file (relative paths resolved against the config's directory; ":memory:" kept). */
  database: string;
  /** IANA zone for display and report day boundaries. */
  timezone: string;
  /** Highest first. */
  priorities: string[];
  /** Lowercased source word → canonical priority (an entry of `priorities`). */
  priorityAliases: Record<string, string>;
  /** Lowercased source word → canonical status. */
  statusMap: Record<string, Status>;
  pauseOnCustomerWaiting: boolean;
  pauseStatuses: Status[];
  atRiskThresholdPercent: number;
  complianceGoalPercent: number;
  recalculateOnPriorityChange: boolean;
  /** Lowercased tier → multiplier (> 0) applied to targets. */
  tierMultipliers: Record<string, number>;
  calendars: Record<string, CalendarSpec>;
  policies: PolicyConfig[];
  alerts: AlertsConfig;
}

export interface ConfigIssue { path: string; message: string }
