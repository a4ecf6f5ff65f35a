// The shape of sla.config.json (SPEC §2, §3, §5) as a zod 4 schema. It only validates
// shapes and single values; resolving names, units and cross-references is resolve/'s job.
// The schema has no transforms, so the same schema yields the JSON Schema for editors
// (configJsonSchema(); committed as schema/sla.config.schema.json and checked by a test —
// regenerate with `SLA_UPDATE_SCHEMA=1 npx vitest run test/unit/config-schema`).
import { z } from 'zod';
import { METRIC, type MetricKey } from '../domain/metrics.js';
import { CANONICAL_STATUSES, METRICS } from '../domain/types.js';
import { DURATION_PATTERN, parseDuration } from './duration.js';
import { parseInterval } from './hours.js';
import { NameListSchema } from './schema-parts.js';
import { SECTION_SCHEMAS } from './sections.js';
import { ALERT_TYPES, REDACTABLE_FIELDS } from './types.js';

/** Turns a throwing parser into a zod refinement whose message is the parser's. */
function checkedBy(fn: (v: never) => unknown) {
  return (value: unknown, ctx: z.RefinementCtx): void => {
    try {
      fn(value as never);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message, input: value });
    }
  };
}

export const DEFAULT_PRIORITIES = ['urgent', 'high', 'medium', 'low'];
export const DEFAULT_PAUSE_STATUSES = ['pending', 'waiting_customer'] as const;
/**
 * When `calendars` is absent the config gets one calendar, `"always": "24x7"`, so a minimal
 * config can say `"calendar": "always"`. When `calendars` is present it is taken as written:
 * nothing is added behind the lead's back (a policy naming "always" then needs it defined).
 */
export const DEFAULT_CALENDARS = { always: '24x7' as const };

const INTERVAL_PATTERN = '^\\s*\\d{1,2}:\\d{2}\\s*-\\s*\\d{1,2}:\\d{2}\\s*$';
const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

export const DurationSchema = z
  .union([
    z.number().meta({ type: 'integer', exclusiveMinimum: 0 }),
    z.string().meta({ pattern: DURATION_PATTERN }),
  ], { error: 'expected a duration such as "4h", "90m", "1h30m" or a number of minutes' })
  .superRefine(checkedBy(parseDuration))
  .meta({ description: 'Minutes as a number, or "90m", "4h", "1h30m". No days: write "48h".' });

const IntervalSchema = z
  .string()
  .superRefine(checkedBy(parseInterval))
  .meta({
    pattern: INTERVAL_PATTERN,
    description: '"HH:MM-HH:MM" local time; end <= start crosses midnight; "00:00-24:00" is the whole day',
  });

const DayHoursSchema = z.union([IntervalSchema, z.array(IntervalSchema)], {
  error: 'expected a time range "HH:MM-HH:MM" or a list of them',
});

function checkDate(v: string): void {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const bad = new Error(`${JSON.stringify(v)} is not a date; use "YYYY-MM-DD"`);
  if (!m) throw bad;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) throw bad;
}

const DateSchema = z.string().superRefine(checkedBy(checkDate)).meta({ pattern: DATE_PATTERN });

const HolidaySchema = z.union([
  DateSchema,
  z.strictObject({
    date: DateSchema,
    name: z.string().optional(),
    hours: DayHoursSchema.optional().meta({ description: 'Open hours that replace the weekly hours on that date; absent = closed' }),
  }),
], { error: 'expected a date "YYYY-MM-DD" or {"date", "hours", "name"}' });

const WeekSchema = z.strictObject({
  mon: DayHoursSchema.optional(),
  tue: DayHoursSchema.optional(),
  wed: DayHoursSchema.optional(),
  thu: DayHoursSchema.optional(),
  fri: DayHoursSchema.optional(),
  sat: DayHoursSchema.optional(),
  sun: DayHoursSchema.optional(),
}).meta({ description: 'Weekly open hours; a missing day is closed' });

export const CalendarSchema = z.union([
  z.literal('24x7'),
  z.strictObject({
    timezone: z.string().min(1).optional().meta({ description: 'IANA zone; default: the config\'s timezone' }),
    hours: WeekSchema,
    holidays: z.array(HolidaySchema).default([]),
    holidayCountry: z.string().min(2).optional()
      .meta({ description: 'ISO country code, e.g. "US": adds its public holidays' }),
    holidayRegion: z.string().min(1).optional()
      .meta({ description: 'State/province code within holidayCountry, e.g. "CA" or "US-CA"' }),
  }),
], { error: 'expected "24x7" or a calendar object {"timezone", "hours", "holidays"}' });

const MatchValueSchema = z.union([z.string(), z.number(), z.boolean()]);
const MatchValuesSchema = z.union([MatchValueSchema, z.array(MatchValueSchema).min(1)], {
  error: 'expected a value or a list of values',
});

/** A priority's targets: one duration per metric, under its key (from the metric table). */
const TargetPairSchema = z.strictObject(
  Object.fromEntries(METRICS.map((m) => [METRIC[m].key, DurationSchema])) as Record<MetricKey, typeof DurationSchema>,
);

export const PolicySchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  match: z.record(z.string(), MatchValuesSchema).optional()
    .meta({ description: 'Ticket field → value or list of values; absent = matches every ticket' }),
  calendar: z.string().min(1),
  targets: z.record(z.string(), TargetPairSchema)
    .meta({ description: `Priority → {${METRICS.map((m) => METRIC[m].key).join(', ')}}` }),
});

const SlackSchema = z.strictObject({
  type: z.literal('slack'),
  url: z.string().min(1).meta({ description: 'Incoming-webhook URL, normally "$SLACK_..." from the environment' }),
});
const TeamsSchema = z.strictObject({
  type: z.literal('teams'),
  url: z.string().min(1).meta({ description: 'Teams Workflows webhook URL ("When a Teams webhook request is received"), normally "$TEAMS_..." from the environment' }),
});
const PagerDutySchema = z.strictObject({
  type: z.literal('pagerduty'),
  routingKey: z.string().min(1).meta({ description: 'The Events API v2 integration key, normally "$PD_ROUTING_KEY" from the environment' }),
  url: z.string().min(1).optional().meta({ description: 'Replaces https://events.pagerduty.com/v2/enqueue (a proxy, a test server)' }),
  severity: z.record(z.string(), z.enum(['critical', 'error', 'warning', 'info'])).optional()
    .meta({ description: 'Priority → the incident\'s severity (default: urgent critical, high error, medium warning, low info)' }),
});
const WebhookSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).default({}),
  secret: z.string().min(1).optional()
    .meta({ description: 'Signs each request per the Standard Webhooks specification: a "whsec_…" secret, normally "$WEBHOOK_SECRET" from the environment' }),
});
const EmailSchema = z.strictObject({
  type: z.literal('email'),
  smtp: z.string().min(1).meta({ description: 'smtp:// or smtps:// URL with credentials, normally "$SLA_SMTP_URL"' }),
  from: z.string().min(3),
  to: NameListSchema,
});
const FileSchema = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1).meta({ description: 'NDJSON file, relative to the config file' }),
});
export const DestinationSchema = z.discriminatedUnion('type', [SlackSchema, TeamsSchema, PagerDutySchema, WebhookSchema, EmailSchema, FileSchema]);

const AlertTypesSchema = z.union([z.enum(ALERT_TYPES), z.array(z.enum(ALERT_TYPES)).min(1)]);

const RouteSchema = z.strictObject({
  when: z.strictObject({
    type: AlertTypesSchema.optional(),
    priority: NameListSchema.optional(),
    tier: NameListSchema.optional(),
    policy: NameListSchema.optional(),
  }).optional(),
  to: NameListSchema,
});

export const AlertsSchema = z.strictObject({
  destinations: z.record(z.string(), DestinationSchema).default({}),
  routes: z.array(RouteSchema).default([]),
  ticketUrl: z.string().min(1).optional()
    .meta({ description: 'Link for a ticket id, e.g. "https://support.example.com/tickets/{id}"' }),
  redact: z.array(z.enum(REDACTABLE_FIELDS)).default([]),
  digestAbove: z.int().min(1).default(10),
});

export const ConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  database: z.string().min(1).default('sla.db').meta({ description: 'SQLite file, relative to the config file; or a postgres:// URL, or $NAME of the variable that holds one (team mode)' }),
  timezone: z.string().min(1).default('UTC').meta({ description: 'IANA zone for display and report days' }),
  priorities: z.array(z.string().min(1)).min(1).default(DEFAULT_PRIORITIES)
    .meta({ description: 'Highest first' }),
  priorityAliases: z.record(z.string(), z.string()).default({}),
  statusMap: z.record(z.string(), z.enum(CANONICAL_STATUSES)).default({}),
  pauseOnCustomerWaiting: z.boolean().default(true),
  pauseStatuses: z.array(z.enum(CANONICAL_STATUSES)).default([...DEFAULT_PAUSE_STATUSES]),
  atRiskThresholdPercent: z.number().min(1).max(99).default(80),
  complianceGoalPercent: z.number().gt(0).max(100).default(90),
  recalculateOnPriorityChange: z.boolean().default(false),
  // (0, 100]: a multiplier scales targets; 1e300 made every deadline overflow
  tierMultipliers: z.record(z.string(), z.number().gt(0).lte(100)).default({}),
  calendars: z.record(z.string(), CalendarSchema).default(DEFAULT_CALENDARS),
  policies: z.array(PolicySchema).min(1),
  alerts: AlertsSchema.optional(),
  // the sections that plug in (sections.ts): escalations, …
  ...SECTION_SCHEMAS,
}).meta({ title: 'sla configuration', description: 'sla.config.json: priorities, calendars, SLA policies, alerts and escalations of the sla support SLA monitor' });

export type RawConfig = z.output<typeof ConfigSchema>;
export type RawCalendar = z.output<typeof CalendarSchema>;
export type RawDestination = z.output<typeof DestinationSchema>;

/** The JSON Schema (draft-07, widest editor support) of sla.config.json. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
}

/** The committed file's text: configJsonSchema() as indented JSON plus a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

// --- for error messages: which keys an object at a JSON path accepts ----------------------

interface Def { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType;
  valueType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType }
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The keys allowed in the object at `path` of the config (for "did you mean" hints). */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let frontier: z.ZodType[] = [ConfigSchema];
  const unwrap = (s: z.ZodType): z.ZodType[] => {
    const d = defOf(s);
    if (d.innerType && ['optional', 'default', 'nullable', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(d.type)) return unwrap(d.innerType);
    if (d.type === 'pipe' && d.in) return unwrap(d.in);
    if (d.type === 'union' && d.options) return d.options.flatMap(unwrap);
    return [s];
  };
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s of frontier.flatMap(unwrap)) {
      const d = defOf(s);
      if (d.type === 'object' && d.shape && typeof seg === 'string' && seg in d.shape) next.push(d.shape[seg]);
      else if (d.type === 'array' && d.element && typeof seg === 'number') next.push(d.element);
      else if (d.type === 'record' && d.valueType && typeof seg === 'string') next.push(d.valueType);
    }
    frontier = next;
  }
  const keys = new Set<string>();
  for (const s of frontier.flatMap(unwrap)) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape) for (const k of Object.keys(d.shape)) keys.add(k);
  }
  return [...keys];
}
