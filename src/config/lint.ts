// `sla config check`: problems of a config that loads, but probably does not do what its
// author meant. (Unknown calendars, destinations and priorities are already load errors.)
import { DateTime } from 'luxon';
import { destinationOf } from '../alerts/destinations.js';
import { sourceKindOf } from '../import/sources/registry.js';
import { formatDuration } from './duration.js';
import { formatPath } from './errors.js';
import { secretVariables } from './secrets.js';
import type { Config } from './types.js';

export interface LintFinding { level: 'error' | 'warning'; path: string; message: string }

const lower = (xs: string[]): Set<string> => new Set(xs.map((x) => x.toLowerCase()));

/**
 * The findings that are errors: a config with one must not run, so every command refuses it
 * (commands/context.ts), not only `config check`. Needs no environment and no clock.
 */
export function configErrors(config: Config): LintFinding[] {
  const out: LintFinding[] = [];
  // Unreachable policies: an earlier policy matches every ticket this one matches.
  config.policies.forEach((p, j) => {
    const shadow = config.policies.slice(0, j).find((earlier) => covers(earlier.match, p.match));
    if (!shadow) return;
    out.push({ level: 'error', path: formatPath(['policies', j]), message: shadow.match === null
      ? `policy ${JSON.stringify(p.name)} is unreachable: policies[${shadow.index}] (${JSON.stringify(shadow.name)}) has no "match", so it takes every ticket first; move the catch-all last`
      : `policy ${JSON.stringify(p.name)} is unreachable: every ticket it matches is matched first by policies[${shadow.index}] (${JSON.stringify(shadow.name)}); put the narrower policy first` });
  });
  return out;
}

/** Whether every ticket matched by `b` is also matched by `a` (a is a superset of b). */
function covers(a: Record<string, string[]> | null, b: Record<string, string[]> | null): boolean {
  if (a === null) return true;
  if (b === null) return false;
  return Object.entries(a).every(([field, values]) => {
    const bValues = b[field];
    if (bValues === undefined) return false;
    const allowed = lower(values);
    return bValues.every((v) => allowed.has(v.toLowerCase()));
  });
}

/**
 * Lints a loaded config. `env` is where the alerting variables are looked up, `now` (epoch
 * ms) decides what "in the past" means. Findings come in a stable order (rule by rule, file
 * order within a rule). Messages never contain a secret's value.
 */
export function lintConfig(config: Config, env: NodeJS.ProcessEnv, now: number): LintFinding[] {
  const out: LintFinding[] = configErrors(config);
  const add = (level: LintFinding['level'], path: PropertyKey[], message: string): void => {
    out.push({ level, path: formatPath(path), message });
  };

  if (!config.policies.some((p) => p.match === null)) {
    add('warning', ['policies'], 'no catch-all policy (one without "match"): tickets that match no policy get no SLA');
  }

  // Priorities without targets (only those the policy can receive).
  config.policies.forEach((p, j) => {
    const reachable = p.match?.priority ?? config.priorities;
    const missing = reachable.filter((pr) => p.targets[pr] === undefined);
    if (missing.length > 0) {
      add('warning', ['policies', j, 'targets'],
        `no target for ${missing.map((m) => JSON.stringify(m)).join(', ')}: such tickets matched by ${JSON.stringify(p.name)} get no SLA`);
    }
  });

  // First response promised later than resolution.
  config.policies.forEach((p, j) => {
    for (const [priority, t] of Object.entries(p.targets)) {
      if (t.firstResponse > t.resolution) {
        add('warning', ['policies', j, 'targets', priority],
          `firstResponse (${formatDuration(t.firstResponse)}) is longer than resolution (${formatDuration(t.resolution)})`);
      }
    }
  });

  // Alerting secrets: unset variables, and secrets written literally into the file.
  const used = new Set<string>();
  for (const r of config.alerts.routes) for (const d of r.to) used.add(d);
  for (const e of config.escalations) for (const d of e.actions.notify) used.add(d);
  for (const d of Object.values(config.alerts.destinations)) {
    const base: PropertyKey[] = ['alerts', 'destinations', d.name];
    const kind = destinationOf(d.type);
    for (const { path, text } of kind.variableTexts(d)) {
      for (const name of secretVariables(text)) {
        if (!env[name]) {
          add('warning', [...base, ...path], `environment variable $${name} is not set here; alerts to ${JSON.stringify(d.name)} cannot be delivered until it is (set it for cron/the service too)`);
        }
      }
    }
    kind.lint?.(d, (path, message) => add('warning', [...base, ...path], message));
    if (!used.has(d.name)) {
      add('warning', base, `destination ${JSON.stringify(d.name)} is not used by any route or escalation, so nothing is sent to it`);
    }
  }

  // Pull sources: credentials in variables that are not set here.
  for (const src of Object.values(config.sources)) {
    for (const { path, text } of sourceKindOf(src.type).variableTexts(src)) {
      for (const name of secretVariables(text)) {
        if (!env[name]) add('warning', ['sources', src.name, ...path], `environment variable $${name} is not set here; \`sla pull ${src.name}\` cannot run until it is (set it for cron/the service too)`);
      }
    }
  }

  // Hand-typed holidays that are all behind us.
  for (const cal of Object.values(config.calendars)) {
    if (cal.always || cal.holidays.length === 0) continue;
    const today = DateTime.fromMillis(now, { zone: cal.timezone }).toISODate() ?? '';
    const last = cal.holidays.reduce((m, h) => (h.date > m ? h.date : m), '');
    if (last < today) {
      add('warning', ['calendars', cal.name, 'holidays'],
        `all ${cal.holidays.length} hand-typed holiday${cal.holidays.length === 1 ? ' is' : 's are'} in the past (the last is ${last}); add the coming ones${cal.holidayProvider ? '' : ' or set holidayCountry'}`);
    }
  }
  return out;
}
