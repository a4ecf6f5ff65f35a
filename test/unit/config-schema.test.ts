import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../../src/config/index.js';

const ROOT = resolve(__dirname, '../..');
const FILE = join(ROOT, 'schema/sla.config.schema.json');

// To regenerate after changing src/config/schema.ts:
//   SLA_UPDATE_SCHEMA=1 npx vitest run test/unit/config-schema
if (process.env.SLA_UPDATE_SCHEMA) writeFileSync(FILE, configJsonSchemaText());

describe('schema/sla.config.schema.json', () => {
  it('is exactly what the zod schema generates', () => {
    expect(readFileSync(FILE, 'utf8')).toBe(configJsonSchemaText());
  });

  it('is a strict draft-07 schema editors can complete from', () => {
    const s = configJsonSchema() as any;
    expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(['policies']);
    expect(Object.keys(s.properties)).toEqual([
      '$schema', 'database', 'timezone', 'priorities', 'priorityAliases', 'statusMap', 'pauseOnCustomerWaiting',
      'pauseStatuses', 'atRiskThresholdPercent', 'complianceGoalPercent', 'recalculateOnPriorityChange',
      'tierMultipliers', 'calendars', 'policies', 'alerts', 'escalations', 'sources',
    ]);
    const kinds = s.properties.sources.additionalProperties.oneOf.map((o: any) => o.properties.type.const);
    expect(kinds).toEqual(['zendesk', 'freshdesk', 'jira']);
    expect(s.properties.sources.additionalProperties.oneOf[0].required).toEqual(['type', 'subdomain', 'email', 'token']);
    expect(s.properties.atRiskThresholdPercent).toMatchObject({ type: 'number', minimum: 1, maximum: 99, default: 80 });
    expect(s.properties.database.default).toBe('sla.db');
    expect(s.properties.calendars.default).toEqual({ always: '24x7' });
    const policy = s.properties.policies.items;
    expect(policy.additionalProperties).toBe(false);
    expect(policy.required).toEqual(['name', 'calendar', 'targets']);
    const duration = policy.properties.targets.additionalProperties.properties.resolution;
    expect(duration.anyOf).toEqual([
      { type: 'integer', exclusiveMinimum: 0 },
      { type: 'string', pattern: expect.stringContaining('[hH]') },
    ]);
    const types = s.properties.alerts.properties.destinations.additionalProperties.oneOf
      .map((o: any) => o.properties.type.const);
    expect(types).toEqual(['slack', 'teams', 'pagerduty', 'webhook', 'email', 'file']);
    const when = s.properties.escalations.items.properties.when.properties;
    expect(Object.keys(when)).toEqual([
      'metric', 'elapsedMinutes', 'atPercent', 'overdueMinutes', 'idleMinutes', 'customerOpenAtLeast',
      'unassigned', 'priority', 'tier', 'policy',
    ]);
  });

  it('its patterns accept what the loader accepts', () => {
    const s = configJsonSchema() as any;
    const durationPattern = new RegExp(
      s.properties.policies.items.properties.targets.additionalProperties.properties.resolution.anyOf[1].pattern);
    for (const ok of ['90m', '4h', '1h30m', '1h 30m', '45']) expect(durationPattern.test(ok)).toBe(true);
    for (const bad of ['2d', '4 hours', '1.5h']) expect(durationPattern.test(bad)).toBe(false);
  });
});
