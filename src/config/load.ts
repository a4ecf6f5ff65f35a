// Finding, reading, validating and resolving sla.config.json into a typed Config.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { IANAZone } from 'luxon';
import type { z } from 'zod';
import { destinationOf } from '../alerts/destinations.js';
import type { CalendarSpec, DayInterval, HolidayDef, Status, Targets } from '../domain/types.js';
import { parseDuration } from './duration.js';
import { ConfigError, formatPath } from './errors.js';
import { checkHolidayCountry, createHolidayProvider } from './holidays.js';
import { formatInterval, parseInterval } from './hours.js';
import { parseJsonText } from './json.js';
import { ConfigSchema, knownKeysAt, type RawCalendar, type RawConfig } from './schema.js';
import type {
  AlertsConfig, Config, ConfigIssue, DestinationConfig, EscalationRule, PolicyConfig, RouteConfig,
} from './types.js';

export { ConfigError } from './errors.js';
export { resolveSecrets, secretVariables } from './secrets.js';

export interface LoadOptions {
  /** `--config PATH` (relative to cwd). */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Where the config file is: `--config`, else `$SLA_CONFIG`, else `./sla.config.json`. */
export function findConfigPath(opts: LoadOptions): { path: string; source: 'option' | 'env' | 'default' } {
  if (opts.configPath) return { path: resolve(opts.cwd, opts.configPath), source: 'option' };
  const fromEnv = opts.env.SLA_CONFIG;
  if (fromEnv) return { path: resolve(opts.cwd, fromEnv), source: 'env' };
  return { path: resolve(opts.cwd, 'sla.config.json'), source: 'default' };
}

/**
 * Finds, reads, validates and resolves the config. Every problem is a ConfigError (exit 2)
 * whose message names the file or JSON path and what to do. Synchronous; date-holidays is
 * only loaded when a calendar has `holidayCountry`.
 */
export function loadConfig(opts: LoadOptions): Config {
  const { path, source } = findConfigPath(opts);
  const how = source === 'option' ? ' (given by --config)' : source === 'env' ? ' (given by $SLA_CONFIG)' : '';
  let text: string;
  try {
    if (statSync(path).isDirectory()) {
      throw new ConfigError(`config path ${path}${how} is a directory — give the path of the JSON file`, { file: path });
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const what = source === 'default'
        ? ' — run "sla init" to write one, pass --config PATH or set $SLA_CONFIG'
        : ' — check the path';
      throw new ConfigError(`config file not found: ${path}${how}${what}`, { file: path });
    }
    throw new ConfigError(`cannot read config file ${path}${how}: ${(e as Error).message}`, { file: path });
  }
  return parseConfig(parseJsonText(text, path), path);
}

/** Validates and resolves already-parsed JSON as if it had been read from `configPath`. */
export function parseConfig(data: unknown, configPath: string): Config {
  const file = resolve(configPath);
  const parsed = ConfigSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw ConfigError.fromIssues(zodIssues(parsed.error.issues), file);
  }
  const issues: ConfigIssue[] = [];
  const config = resolveRaw(parsed.data, file, (path, message) => issues.push({ path: formatPath(path), message }));
  if (issues.length > 0) throw ConfigError.fromIssues(issues, file);
  return config;
}

// --- zod issues → messages ---------------------------------------------------------------

type Issue = z.core.$ZodIssue;

function preview(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const EXPECTED: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false',
  array: 'a list', object: 'an object', record: 'an object',
};

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, k) => [k, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let k = 1; k <= a.length; k++) {
    for (let j = 1; j <= b.length; j++) {
      d[k][j] = Math.min(d[k - 1][j] + 1, d[k][j - 1] + 1, d[k - 1][j - 1] + (a[k - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function unknownKeyMessage(key: string, known: string[]): string {
  const lc = key.toLowerCase();
  // A close spelling, or a close spelling of the start of a key ("atRiskTreshold").
  const distance = (k: string): number => {
    const full = editDistance(lc, k.toLowerCase());
    return lc.length >= 5 ? Math.min(full, editDistance(lc, k.toLowerCase().slice(0, lc.length))) : full;
  };
  const limit = Math.max(1, Math.min(3, Math.floor(lc.length / 3)));
  const close = known
    .map((k) => ({ k, d: distance(k) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d)[0];
  if (close) return `unknown key; did you mean "${close.k}"?`;
  const visible = known.filter((k) => k !== '$schema');
  return visible.length > 0 && visible.length <= 16 ? `unknown key; allowed: ${visible.join(', ')}` : 'unknown key';
}

function isTypeMismatch(i: Issue): boolean {
  return i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
}

function zodIssues(list: readonly Issue[], base: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of list) {
    const path = [...base, ...issue.path];
    const at = formatPath(path);
    const input = issue.input;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(path);
        for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: unknownKeyMessage(key, known) });
        break;
      }
      case 'invalid_type':
        out.push({
          path: at,
          message: path.length === 0
            ? `the config must be a JSON object ({"policies": [...], ...}), got ${preview(input)}`
            : input === undefined ? 'is required' : `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${preview(input)}`,
        });
        break;
      case 'invalid_value':
        out.push({ path: at, message: `${preview(input)} is not one of: ${issue.values.map(String).join(', ')}` });
        break;
      case 'invalid_union': {
        if (issue.discriminator !== undefined && 'options' in issue) {
          const options = (issue.options ?? []).map(String).join(', ');
          const got = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[issue.discriminator] : undefined;
          out.push({
            path: at,
            message: got === undefined ? `is required; one of: ${options}` : `${preview(got)} is not one of: ${options}`,
          });
          break;
        }
        // A value that has the right kind for one branch (an object for the object branch)
        // is reported with that branch's own, precise problems.
        const relevant = issue.errors.filter((branch) => branch.length > 0 && !branch.every(isTypeMismatch));
        if (relevant.length > 0) {
          out.push(...zodIssues(relevant[0], path));
          break;
        }
        const custom = issue.message && issue.message !== 'Invalid input' ? issue.message : 'is not valid';
        out.push({ path: at, message: input === undefined ? 'is required' : `${custom}, got ${preview(input)}` });
        break;
      }
      case 'too_small': {
        const min = Number(issue.minimum);
        let message: string;
        if (issue.origin === 'array') message = min <= 1 ? 'must not be empty' : `needs at least ${min} entries`;
        else if (issue.origin === 'string') message = min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
        else message = `must be ${issue.inclusive ? 'at least' : 'more than'} ${min}, got ${preview(input)}`;
        out.push({ path: at, message });
        break;
      }
      case 'too_big': {
        const max = Number(issue.maximum);
        out.push({ path: at, message: `must be ${issue.inclusive ? 'at most' : 'less than'} ${max}, got ${preview(input)}` });
        break;
      }
      default:
        out.push({ path: at, message: issue.message });
    }
  }
  return out;
}

// --- resolution and cross-checks ---------------------------------------------------------

type Report = (path: PropertyKey[], message: string) => void;

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WHOLE_DAY: DayInterval = { start: 0, end: 1440 };
const q = (s: string): string => JSON.stringify(s);
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function checkZone(zone: string, path: PropertyKey[], report: Report): void {
  if (!IANAZone.isValidZone(zone)) {
    report(path, `${q(zone)} is not an IANA time zone; use e.g. "America/New_York", "Europe/Paris" or "UTC"`);
  }
}

/** Parses a day's intervals (already shape-checked) and reports overlaps; sorted by start. */
function dayIntervals(texts: string[], path: PropertyKey[], report: Report): DayInterval[] {
  const parsed: Array<{ iv: DayInterval; text: string; index: number }> = [];
  texts.forEach((text, index) => {
    try {
      const iv = parseInterval(text);
      if (iv) parsed.push({ iv, text, index });
    } catch (e) {
      report([...path, index], (e as Error).message);
    }
  });
  parsed.sort((a, b) => a.iv.start - b.iv.start);
  for (let k = 1; k < parsed.length; k++) {
    const prev = parsed[k - 1];
    const cur = parsed[k];
    if (cur.iv.start < prev.iv.end) {
      report([...path, cur.index], `${q(cur.text)} overlaps ${q(prev.text)}`);
    }
  }
  return parsed.map((p) => p.iv);
}

function resolveCalendar(name: string, raw: RawCalendar, defaultZone: string, report: Report): CalendarSpec {
  const base: PropertyKey[] = ['calendars', name];
  if (raw === '24x7') {
    return {
      name, timezone: defaultZone, always: true,
      weekly: DAY_KEYS.map(() => [{ ...WHOLE_DAY }]), holidays: [],
    };
  }
  const timezone = raw.timezone ?? defaultZone;
  if (raw.timezone !== undefined) checkZone(raw.timezone, [...base, 'timezone'], report);

  const weekly: DayInterval[][] = DAY_KEYS.map((day) => dayIntervals(asList(raw.hours[day]), [...base, 'hours', day], report));
  // An overnight interval spills into the next day; it must not overlap that day's hours.
  DAY_KEYS.forEach((day, d) => {
    const next = (d + 1) % 7;
    const spill = Math.max(0, ...weekly[d].map((iv) => iv.end - 1440));
    if (spill === 0) return;
    const texts = asList(raw.hours[DAY_KEYS[next]]);
    texts.forEach((text, index) => {
      let iv: DayInterval | null = null;
      try { iv = parseInterval(text); } catch { return; }
      if (iv && iv.start < spill) {
        report([...base, 'hours', DAY_KEYS[next], index],
          `${q(text)} overlaps the overnight hours of ${day} (until ${formatInterval({ start: 0, end: spill }).slice(6)})`);
      }
    });
  });
  if (weekly.every((d) => d.length === 0)) {
    report([...base, 'hours'], 'no open hours on any day of the week; give e.g. "mon": ["09:00-17:00"], or use "24x7"');
  }

  const holidays: HolidayDef[] = [];
  const seen = new Map<string, number>();
  raw.holidays.forEach((h, index) => {
    const def: HolidayDef = typeof h === 'string' ? { date: h } : { date: h.date };
    if (typeof h !== 'string') {
      if (h.name !== undefined) def.name = h.name;
      if (h.hours !== undefined) def.hours = dayIntervals(asList(h.hours), [...base, 'holidays', index, 'hours'], report);
    }
    const first = seen.get(def.date);
    if (first !== undefined) {
      report([...base, 'holidays', index], `${def.date} is already listed at holidays[${first}]`);
      return;
    }
    seen.set(def.date, index);
    holidays.push(def);
  });
  holidays.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  const spec: CalendarSpec = { name, timezone, always: false, weekly, holidays };
  if (raw.holidayCountry !== undefined) {
    const checked = checkHolidayCountry(raw.holidayCountry, raw.holidayRegion);
    if ('error' in checked) report([...base, checked.field], checked.error);
    else spec.holidayProvider = createHolidayProvider(checked.country, checked.region);
  } else if (raw.holidayRegion !== undefined) {
    report([...base, 'holidayRegion'], 'needs holidayCountry (e.g. "holidayCountry": "US", "holidayRegion": "CA")');
  }
  return spec;
}

function resolveRaw(raw: RawConfig, configPath: string, report: Report): Config {
  const configDir = dirname(configPath);
  checkZone(raw.timezone, ['timezone'], report);

  // Priorities and their aliases.
  const priorities = [...raw.priorities];
  const byLower = new Map<string, string>();
  priorities.forEach((p, k) => {
    const lc = p.trim().toLowerCase();
    if (byLower.has(lc)) report(['priorities', k], `${q(p)} is listed twice`);
    else byLower.set(lc, p);
  });
  const known = `priorities: ${priorities.join(', ')}`;
  const priorityAliases: Record<string, string> = {};
  for (const [alias, target] of Object.entries(raw.priorityAliases)) {
    const lc = alias.trim().toLowerCase();
    const canonical = byLower.get(target.trim().toLowerCase());
    if (canonical === undefined) {
      report(['priorityAliases', alias], `${q(target)} is not a priority (${known})`);
      continue;
    }
    const existing = byLower.get(lc);
    if (existing !== undefined && existing !== canonical) {
      report(['priorityAliases', alias], `${q(alias)} is itself a priority; an alias cannot rename it to ${q(canonical)}`);
      continue;
    }
    if (priorityAliases[lc] !== undefined && priorityAliases[lc] !== canonical) {
      report(['priorityAliases', alias], `${q(alias)} is already an alias of ${q(priorityAliases[lc])} (aliases ignore case)`);
      continue;
    }
    priorityAliases[lc] = canonical;
  }
  const canonicalPriority = (v: string): string | undefined => {
    const lc = v.trim().toLowerCase();
    return byLower.get(lc) ?? priorityAliases[lc];
  };
  const priorityList = (values: string[], path: PropertyKey[]): string[] => {
    const out: string[] = [];
    values.forEach((v, k) => {
      const p = canonicalPriority(v);
      if (p === undefined) report(values.length > 1 ? [...path, k] : path, `${q(v)} is not a priority (${known}, or an alias from priorityAliases)`);
      else if (!out.includes(p)) out.push(p);
    });
    return out;
  };

  // Statuses.
  const statusMap: Record<string, Status> = {};
  for (const [word, status] of Object.entries(raw.statusMap)) {
    const lc = word.trim().toLowerCase();
    if (statusMap[lc] !== undefined && statusMap[lc] !== status) {
      report(['statusMap', word], `${q(word)} is already mapped to ${q(statusMap[lc])} (statusMap ignores case)`);
      continue;
    }
    statusMap[lc] = status;
  }
  const pauseStatuses: Status[] = [];
  raw.pauseStatuses.forEach((s, k) => {
    if (s === 'resolved' || s === 'closed') report(['pauseStatuses', k], `${q(s)} stops the clock; it cannot pause it`);
    else if (!pauseStatuses.includes(s)) pauseStatuses.push(s);
  });

  // Tier multipliers: keys lowercased, like every other word matched case-insensitively.
  const tierMultipliers: Record<string, number> = {};
  for (const [tier, m] of Object.entries(raw.tierMultipliers)) {
    const lc = tier.trim().toLowerCase();
    if (tierMultipliers[lc] !== undefined && tierMultipliers[lc] !== m) {
      report(['tierMultipliers', tier], `${q(tier)} is already given as ${tierMultipliers[lc]} (tiers ignore case)`);
      continue;
    }
    tierMultipliers[lc] = m;
  }

  // Calendars.
  const calendars: Record<string, CalendarSpec> = {};
  for (const [name, cal] of Object.entries(raw.calendars)) {
    calendars[name] = resolveCalendar(name, cal, raw.timezone, report);
  }
  const calendarNames = Object.keys(calendars);

  // Policies.
  const policyNames = new Map<string, number>();
  const policies: PolicyConfig[] = raw.policies.map((p, index) => {
    const base: PropertyKey[] = ['policies', index];
    const dup = policyNames.get(p.name);
    if (dup !== undefined) report([...base, 'name'], `${q(p.name)} is already the name of policies[${dup}]`);
    else policyNames.set(p.name, index);
    if (!(p.calendar in calendars)) {
      report([...base, 'calendar'], `unknown calendar ${q(p.calendar)}; ${calendarNames.length ? `calendars: ${calendarNames.join(', ')}` : 'define it under "calendars"'}`);
    }
    let match: Record<string, string[]> | null = null;
    if (p.match !== undefined && Object.keys(p.match).length > 0) {
      match = {};
      for (const [field, value] of Object.entries(p.match)) {
        const values = asList(value).map((v) => String(v));
        match[field] = field === 'priority' ? priorityList(values, [...base, 'match', field]) : [...new Set(values)];
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
      const priority = canonicalPriority(key);
      if (priority === undefined) {
        report(path, `${q(key)} is not a priority (${known}, or an alias from priorityAliases)`);
        continue;
      }
      if (from.has(priority)) {
        report(path, `${q(key)} and ${q(from.get(priority) as string)} are the same priority (${q(priority)})`);
        continue;
      }
      from.set(priority, key);
      const pair = p.targets[key];
      try {
        targets[priority] = { firstResponse: parseDuration(pair.firstResponse), resolution: parseDuration(pair.resolution) };
      } catch (e) {
        report(path, (e as Error).message); // not reached: the schema checked the durations
      }
    }
    return { name: p.name, index, match, calendar: p.calendar, targets };
  });
  const policyList = (values: string[], path: PropertyKey[]): string[] => {
    values.forEach((v, k) => {
      if (!policyNames.has(v)) report(values.length > 1 ? [...path, k] : path, `unknown policy ${q(v)}; policies: ${[...policyNames.keys()].join(', ')}`);
    });
    return [...new Set(values)];
  };

  // Alerts.
  const rawAlerts = raw.alerts;
  const destinations: Record<string, DestinationConfig> = {};
  for (const [name, d] of Object.entries(rawAlerts?.destinations ?? {})) {
    const base: PropertyKey[] = ['alerts', 'destinations', name];
    destinations[name] = destinationOf(d.type).load(d, { name, configDir, report: (path, message) => report([...base, ...path], message) });
  }
  const destinationNames = Object.keys(destinations);
  const destinationList = (values: string[], path: PropertyKey[], multiple: boolean): string[] => {
    values.forEach((v, k) => {
      if (!(v in destinations)) {
        report(multiple ? [...path, k] : path, `unknown destination ${q(v)}; ${destinationNames.length ? `destinations: ${destinationNames.join(', ')}` : 'define it under alerts.destinations'}`);
      }
    });
    return [...new Set(values)];
  };
  const routes: RouteConfig[] = (rawAlerts?.routes ?? []).map((r, k) => {
    const base: PropertyKey[] = ['alerts', 'routes', k];
    const when: RouteConfig['when'] = {};
    if (r.when?.type !== undefined) when.type = [...new Set(asList(r.when.type))];
    if (r.when?.priority !== undefined) when.priority = priorityList(asList(r.when.priority), [...base, 'when', 'priority']);
    if (r.when?.tier !== undefined) when.tier = [...new Set(asList(r.when.tier))];
    if (r.when?.policy !== undefined) when.policy = policyList(asList(r.when.policy), [...base, 'when', 'policy']);
    return { when, to: destinationList(asList(r.to), [...base, 'to'], Array.isArray(r.to)) };
  });
  if (rawAlerts?.ticketUrl !== undefined && !rawAlerts.ticketUrl.includes('{id}')) {
    report(['alerts', 'ticketUrl'], 'must contain "{id}" where the ticket id goes, e.g. "https://support.example.com/tickets/{id}"');
  }
  const alerts: AlertsConfig = {
    destinations,
    routes,
    ticketUrl: rawAlerts?.ticketUrl ?? null,
    redact: [...new Set(rawAlerts?.redact ?? [])],
    digestAbove: rawAlerts?.digestAbove ?? 10,
  };

  // Escalations.
  const escalationNames = new Map<string, number>();
  const escalations: EscalationRule[] = raw.escalations.map((e, index) => {
    const base: PropertyKey[] = ['escalations', index];
    const dup = escalationNames.get(e.name);
    if (dup !== undefined) report([...base, 'name'], `${q(e.name)} is already the name of escalations[${dup}]`);
    else escalationNames.set(e.name, index);
    const w = e.when;
    const when: EscalationRule['when'] = { metric: w.metric };
    for (const key of ['elapsedMinutes', 'atPercent', 'overdueMinutes', 'idleMinutes', 'customerOpenAtLeast'] as const) {
      if (w[key] !== undefined) when[key] = w[key];
    }
    if (Object.keys(when).length === 1) {
      report([...base, 'when'], 'needs a trigger: elapsedMinutes, atPercent, overdueMinutes, idleMinutes or customerOpenAtLeast');
    }
    if (w.unassigned !== undefined) when.unassigned = w.unassigned;
    if (w.priority !== undefined) when.priority = priorityList(asList(w.priority), [...base, 'when', 'priority']);
    if (w.tier !== undefined) when.tier = [...new Set(asList(w.tier))];
    if (w.policy !== undefined) when.policy = policyList(asList(w.policy), [...base, 'when', 'policy']);
    const notify = destinationList(asList(e.actions.notify), [...base, 'actions', 'notify'], Array.isArray(e.actions.notify));
    const actions = { notify, raisePriority: e.actions.raisePriority, assignTo: e.actions.assignTo ?? null };
    if (notify.length === 0 && !actions.raisePriority && actions.assignTo === null) {
      report([...base, 'actions'], 'does nothing; give notify, raisePriority or assignTo');
    }
    return { name: e.name, index, when, actions };
  });

  const database = raw.database === ':memory:' ? raw.database : resolve(configDir, raw.database);
  return {
    configPath,
    database,
    timezone: raw.timezone,
    priorities,
    priorityAliases,
    statusMap,
    pauseOnCustomerWaiting: raw.pauseOnCustomerWaiting,
    pauseStatuses,
    atRiskThresholdPercent: raw.atRiskThresholdPercent,
    complianceGoalPercent: raw.complianceGoalPercent,
    recalculateOnPriorityChange: raw.recalculateOnPriorityChange,
    tierMultipliers,
    calendars,
    policies,
    alerts,
    escalations,
  };
}
