// The SLA policies, in file order (the first that matches a ticket wins): what each one
// matches, its calendar, and its targets per priority.
import { perMetric } from '../../domain/metrics.js';
import type { CalendarSpec, Targets } from '../../domain/types.js';
import { parseDuration } from '../duration.js';
import type { RawConfig } from '../schema.js';
import type { PolicyConfig } from '../types.js';
import { asList, nameList, q, type NameList, type Report } from './report.js';
import type { PriorityNames } from './vocabulary.js';

/** The policies, and how routes and escalations name them. */
export function resolvePolicies(
  raw: RawConfig['policies'], calendars: Record<string, CalendarSpec>, priorityNames: PriorityNames, report: Report,
): { policies: PolicyConfig[]; policyNames: NameList } {
  const calendarNames = Object.keys(calendars);
  const names = new Map<string, number>();
  const policies: PolicyConfig[] = raw.map((p, index) => {
    const base: PropertyKey[] = ['policies', index];
    const dup = names.get(p.name);
    if (dup !== undefined) report([...base, 'name'], `${q(p.name)} is already the name of policies[${dup}]`);
    else names.set(p.name, index);
    if (!(p.calendar in calendars)) {
      report([...base, 'calendar'], `unknown calendar ${q(p.calendar)}; ${calendarNames.length ? `calendars: ${calendarNames.join(', ')}` : 'define it under "calendars"'}`);
    }
    let match: Record<string, string[]> | null = null;
    if (p.match !== undefined && Object.keys(p.match).length > 0) {
      match = {};
      for (const [field, value] of Object.entries(p.match)) {
        const values = asList(value).map((v) => String(v));
        match[field] = field === 'priority' ? priorityNames.list(values, [...base, 'match', field]) : [...new Set(values)];
      }
    }
    const targets: Record<string, Targets> = {};
    const targetKeys = Object.keys(p.targets);
    if (targetKeys.length === 0) {
      report([...base, 'targets'], 'no targets; give at least one priority, e.g. "urgent": {"firstResponse": "30m", "resolution": "8h"}');
    }
    const from = new Map<string, string>();
    for (const key of targetKeys) {
      const path = [...base, 'targets', key];
      const priority = priorityNames.canonical(key);
      if (priority === undefined) {
        report(path, priorityNames.unknown(key));
        continue;
      }
      if (from.has(priority)) {
        report(path, `${q(key)} and ${q(from.get(priority) as string)} are the same priority (${q(priority)})`);
        continue;
      }
      from.set(priority, key);
      const pair = p.targets[key];
      try {
        targets[priority] = perMetric((_m, key) => parseDuration(pair[key]));
      } catch (e) {
        report(path, (e as Error).message); // not reached: the schema checked the durations
      }
    }
    return { name: p.name, index, match, calendar: p.calendar, targets };
  });
  const policyNames = nameList((v) => (names.has(v) ? v : undefined), (v) => `unknown policy ${q(v)}; policies: ${[...names.keys()].join(', ')}`, report);
  return { policies, policyNames };
}
