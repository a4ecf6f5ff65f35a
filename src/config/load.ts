// Finding, reading and parsing sla.config.json into a typed Config: the schema checks the
// shapes (issues.ts words its problems), then resolve/ resolves it section by section.
import { databaseVariable, isServerUrl } from '../store/contract.js';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, formatPath } from './errors.js';
import { zodIssues } from './issues.js';
import { parseJsonText } from './json.js';
import { resolveAlerts } from './resolve/alerts.js';
import { checkZone, resolveCalendars } from './resolve/calendars.js';
import { resolvePolicies } from './resolve/policies.js';
import type { Report } from './resolve/report.js';
import { resolveVocabulary } from './resolve/vocabulary.js';
import { ConfigSchema, type RawConfig } from './schema.js';
import { resolveSections } from './sections.js';
import type { Config, ConfigIssue } from './types.js';

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

/** The Config of schema-checked `raw`; every problem found on the way goes to `report`. */
function resolveRaw(raw: RawConfig, configPath: string, report: Report): Config {
  const configDir = dirname(configPath);
  checkZone(raw.timezone, ['timezone'], report);
  const { vocabulary, priorityNames } = resolveVocabulary(raw, report);
  const calendars = resolveCalendars(raw.calendars, raw.timezone, report);
  const { policies, policyNames } = resolvePolicies(raw.policies, calendars, priorityNames, report);
  const { alerts, destinationNames } = resolveAlerts(raw.alerts, configDir, { priorityNames, policyNames }, report);
  const sections = resolveSections(raw, { configDir, priorityNames, policyNames, destinationNames, report });

  // a server's URL (team mode), or the variable that holds it, stays as written; a file is
  // found from the config's folder
  const database = raw.database === ':memory:' || isServerUrl(raw.database) || databaseVariable(raw.database) !== null
    ? raw.database : resolve(configDir, raw.database);
  return {
    configPath,
    database,
    timezone: raw.timezone,
    priorities: vocabulary.priorities,
    priorityAliases: vocabulary.priorityAliases,
    statusMap: vocabulary.statusMap,
    pauseOnCustomerWaiting: raw.pauseOnCustomerWaiting,
    pauseStatuses: vocabulary.pauseStatuses,
    atRiskThresholdPercent: raw.atRiskThresholdPercent,
    complianceGoalPercent: raw.complianceGoalPercent,
    recalculateOnPriorityChange: raw.recalculateOnPriorityChange,
    tierMultipliers: vocabulary.tierMultipliers,
    calendars,
    policies,
    alerts,
    ...sections,
  };
}
