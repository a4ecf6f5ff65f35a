// Mapping files: how an export that is not in our format maps onto our fields (SPEC §4).
// See examples/mappings/README.md for the format. Validated strictly (zod 4); every error
// names the mapping file and the JSON path, e.g.
//   mapping zendesk.json: values.status["hold"]: "onhold" is not a status; use new, open, …

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, formatPath } from '../config/errors.js';
import { parseJsonText } from '../config/json.js';
import { CANONICAL_STATUSES } from '../domain/types.js';
import { ImportError } from './errors.js';
import { compileTimestampParser } from './timestamp.js';
import { EVENT_COLUMNS, EVENT_TYPES, TICKET_COLUMNS, TICKET_TIME_FIELDS } from './types.js';
import type { EventType, Mapping } from './types.js';

/**
 * A loaded mapping. Besides the fields of `Mapping` it may carry `tagSeparator` (how the tags
 * column of a CSV separates tags; default ";" — Zendesk exports separate them by spaces).
 * Readers accept a plain `Mapping` too.
 */
export interface LoadedMapping extends Mapping {
  tagSeparator?: string;
  description?: string;
}

/** Fields a mapping's `columns` may name (besides "custom.NAME"). */
export const MAPPABLE_FIELDS: readonly string[] = [...new Set<string>([...TICKET_COLUMNS, ...EVENT_COLUMNS])];

const RuleSchema = z.strictObject({
  type: z.enum(EVENT_TYPES),
  value: z.string().optional(),
});

const MappingSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  format: z.enum(['csv', 'json', 'ndjson']).optional(),
  kind: z.enum(['tickets', 'events']).optional(),
  columns: z.record(z.string(), z.string().min(1, 'needs a column name')).optional(),
  ignore: z.array(z.string()).optional(),
  timestamps: z.strictObject({
    format: z.string().min(1).optional(),
    zone: z.string().min(1).optional(),
  }).optional(),
  missing: z.array(z.string()).optional(),
  values: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  tagSeparator: z.string().min(1).optional(),
  events: z.strictObject({
    activityColumn: z.string().min(1).optional(),
    rules: z.record(z.string(), z.union([RuleSchema, z.array(RuleSchema).min(1)])).optional(),
    otherwise: z.enum(['note', 'ignore']).optional(),
    firstResponseAwayFrom: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  }).optional(),
  optional: z.array(z.string()).optional(),
  derive: z.record(z.string(), z.strictObject({
    from: z.string().min(1),
    add: z.string().min(1),
    unit: z.enum(['seconds', 'minutes', 'hours']).optional(),
  })).optional(),
});

/** Time fields a mapping can derive (and derive from). */
const TIME_FIELDS: readonly string[] = TICKET_TIME_FIELDS;

const HINT = 'fix the mapping file (see examples/mappings/README.md)';
const STATUS_SET: ReadonlySet<string> = new Set(CANONICAL_STATUSES);
const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

function fail(file: string, path: PropertyKey[], message: string): never {
  const where = path.length > 0 ? `${formatPath(path)}: ` : '';
  throw new ImportError(`mapping ${file}: ${where}${message}`, HINT);
}

/** Lower-cases (and trims) the keys of a value map; two keys that then collide are an error. */
function lowerKeys(map: Record<string, string>, file: string, path: PropertyKey[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const original: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(map)) {
    const key = k.trim().toLowerCase();
    if (key in out && out[key] !== v) {
      fail(file, path, `"${original[key]}" and "${k}" differ only in case but map to different values (matching is case-insensitive)`);
    }
    out[key] = v;
    original[key] = k;
  }
  return out;
}

/** A status named in the mapping → canonical, through the mapping's own status values. */
function mappingStatus(word: string, statusValues: Record<string, string> | undefined): string | null {
  let w = word.trim().toLowerCase();
  const mapped = statusValues?.[w];
  if (mapped !== undefined) w = mapped.trim().toLowerCase();
  return STATUS_SET.has(w) ? w : null;
}

type Issue = z.core.$ZodIssue;

/** For "matches none of the alternatives", the problem inside the alternative that got furthest. */
function deepest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: Issue | null = null;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first !== undefined && (best === null || first.path.length > best.path.length)) best = first;
  }
  if (best === null) return issue;
  const inner = deepest(best);
  return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
}

/** Validates parsed JSON as a mapping. `file` is the absolute path (for messages and `path`). */
export function parseMapping(data: unknown, file: string): LoadedMapping {
  const parsed = MappingSchema.safeParse(data);
  if (!parsed.success) {
    const issue = deepest(parsed.error.issues[0]);
    let msg = issue.message;
    if (issue.code === 'unrecognized_keys') msg = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    fail(file, issue.path, msg + more);
  }
  const m = parsed.data;
  const out: LoadedMapping = { path: file, columns: {} };
  if (m.description !== undefined) out.description = m.description;
  if (m.format) out.format = m.format;
  if (m.kind) out.kind = m.kind;

  for (const [field, column] of Object.entries(m.columns ?? {})) {
    if (field.startsWith('custom.')) {
      if (field.length === 'custom.'.length) fail(file, ['columns', field], 'a custom field needs a name after "custom."');
    } else if (!MAPPABLE_FIELDS.includes(field)) {
      fail(file, ['columns', field], `"${field}" is not a field; use one of ${MAPPABLE_FIELDS.join(', ')}, or "custom.NAME" for a custom field`);
    }
    out.columns[field] = column;
  }
  if (m.ignore) out.ignore = [...m.ignore];
  if (m.optional) out.optional = [...m.optional];
  if (m.derive) {
    out.derive = {};
    for (const [field, d] of Object.entries(m.derive)) {
      if (!TIME_FIELDS.includes(field)) fail(file, ['derive', field], `"${field}" is not a time field; use one of ${TIME_FIELDS.join(', ')}`);
      if (!TIME_FIELDS.includes(d.from) || d.from === field) {
        fail(file, ['derive', field, 'from'], `"${d.from}" is not another time field; use one of ${TIME_FIELDS.filter((f) => f !== field).join(', ')}`);
      }
      if (m.derive[d.from] !== undefined) fail(file, ['derive', field, 'from'], `"${d.from}" is itself derived; derive from a time field that has a column`);
      out.derive[field] = { from: d.from, add: d.add, unit: d.unit ?? 'minutes' };
    }
  }
  if (m.missing) out.missing = m.missing.map((s) => s.trim());
  if (m.tagSeparator !== undefined) out.tagSeparator = m.tagSeparator;

  if (m.timestamps) {
    const ts: { format?: string; zone?: string } = {};
    if (m.timestamps.zone !== undefined) {
      try {
        compileTimestampParser({ zone: m.timestamps.zone });
      } catch (e) {
        fail(file, ['timestamps', 'zone'], (e as Error).message);
      }
      ts.zone = m.timestamps.zone;
    }
    if (m.timestamps.format !== undefined) {
      try {
        compileTimestampParser({ format: m.timestamps.format, zone: 'UTC' });
      } catch (e) {
        const err = e as ImportError;
        fail(file, ['timestamps', 'format'], `${err.message}; ${err.hint ?? ''}`.replace(/; $/, ''));
      }
      ts.format = m.timestamps.format;
    }
    out.timestamps = ts;
  }

  if (m.values) {
    const values: Record<string, Record<string, string>> = {};
    for (const [field, map] of Object.entries(m.values)) {
      if (!field.startsWith('custom.') && !MAPPABLE_FIELDS.includes(field)) {
        fail(file, ['values', field], `"${field}" is not a field; use one of status, priority, type, tier, …`);
      }
      const lowered = lowerKeys(map, file, ['values', field]);
      for (const [k, v] of Object.entries(map)) {
        if (field === 'status' && !STATUS_SET.has(v.trim().toLowerCase())) {
          fail(file, ['values', field, k], `"${v}" is not a status; use one of ${CANONICAL_STATUSES.join(', ')}`);
        }
        if (field === 'type' && !TYPE_SET.has(v.trim().toLowerCase())) {
          fail(file, ['values', field, k], `"${v}" is not an event type; use one of ${EVENT_TYPES.join(', ')}`);
        }
      }
      values[field] = lowered;
    }
    out.values = values;
  }

  if (m.events) {
    const ev: NonNullable<Mapping['events']> = {};
    if (m.events.activityColumn !== undefined) ev.activityColumn = m.events.activityColumn;
    if (m.events.otherwise !== undefined) ev.otherwise = m.events.otherwise;
    if (m.events.key !== undefined) ev.key = m.events.key;
    if (m.events.rules) {
      if (ev.activityColumn === undefined) fail(file, ['events', 'rules'], 'rules need "activityColumn" (the column whose value selects a rule)');
      const rules: Record<string, Array<{ type: EventType; value?: string }>> = Object.create(null) as Record<string, Array<{ type: EventType; value?: string }>>;
      for (const [activity, rule] of Object.entries(m.events.rules)) {
        const list = Array.isArray(rule) ? rule : [rule];
        const key = activity.trim().toLowerCase();
        if (key in rules) fail(file, ['events', 'rules', activity], 'given twice (activities are matched case-insensitively)');
        rules[key] = list.map((r, i) => {
          const path = ['events', 'rules', activity, ...(Array.isArray(rule) ? [i] : []), 'value'];
          // without a value, a status / priority rule takes the row's value column
          if (r.type === 'status' && r.value !== undefined) {
            const s = mappingStatus(r.value, out.values?.status);
            if (s === null) fail(file, path, `"${r.value}" is not a status; use one of ${CANONICAL_STATUSES.join(', ')}`);
            return { type: r.type, value: s };
          }
          return r.value === undefined ? { type: r.type } : { type: r.type, value: r.value };
        });
      }
      ev.rules = rules;
    }
    if (m.events.firstResponseAwayFrom !== undefined) {
      const s = mappingStatus(m.events.firstResponseAwayFrom, out.values?.status);
      if (s === null) {
        fail(file, ['events', 'firstResponseAwayFrom'], `"${m.events.firstResponseAwayFrom}" is not a status; use one of ${CANONICAL_STATUSES.join(', ')} or a word of "values.status"`);
      }
      ev.firstResponseAwayFrom = s;
    }
    out.events = ev;
  }
  return out;
}

/**
 * Reads and validates a mapping file. Throws ImportError (exit 2) naming the file and the JSON
 * path. The result's `path` is absolute; value maps and rule keys are lower-cased (matched
 * case-insensitively); statuses in rules and `firstResponseAwayFrom` are canonical.
 */
/** The ready-made mappings sla ships (examples/mappings/ of the install). */
export const SHIPPED_MAPPINGS_DIR = fileURLToPath(new URL('../../examples/mappings', import.meta.url));

/** The ready-made mappings: name (the file's, without .json), first sentence of its description, path. */
export function shippedMappings(): Array<{ name: string; description: string; path: string }> {
  let files: string[];
  try {
    files = readdirSync(SHIPPED_MAPPINGS_DIR).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const path = join(SHIPPED_MAPPINGS_DIR, f);
    let description = '';
    try {
      const d = (JSON.parse(readFileSync(path, 'utf8')) as { description?: unknown }).description;
      if (typeof d === 'string') description = /^[^.]*(\([^)]*\)[^.]*)*\./.exec(d)?.[0] ?? d;
    } catch { /* listed without a description */ }
    return { name: f.slice(0, -'.json'.length), description, path };
  });
}

/**
 * What `--mapping ARG` names: a file (a path, relative to `cwd`), else — a bare name with
 * no such file there — the shipped mapping of that name (`--mapping zendesk` from any folder).
 */
export function resolveMapping(arg: string, cwd: string): string {
  const local = resolve(cwd, arg);
  if (existsSync(local)) return local;
  if (/^[\w.-]+$/.test(arg)) {
    const shipped = join(SHIPPED_MAPPINGS_DIR, arg.endsWith('.json') ? arg : `${arg}.json`);
    if (existsSync(shipped)) return shipped;
  }
  return local;
}

export function loadMapping(path: string): LoadedMapping {
  const file = resolve(path);
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    const names = shippedMappings().map((m) => m.name);
    throw new ImportError(`mapping file ${path}: ${why}`, names.length
      ? `give a mapping file's path, or the name of a ready-made one: ${names.join(', ')} (in ${SHIPPED_MAPPINGS_DIR}; \`sla import --list-mappings\`)`
      : 'check the --mapping path');
  }
  let data: unknown;
  try {
    data = parseJsonText(text, file);
  } catch (e) {
    if (e instanceof ConfigError) {
      throw new ImportError(e.message.startsWith(file) ? `mapping ${e.message}` : `mapping ${file}: ${e.message}`, HINT);
    }
    throw e;
  }
  return parseMapping(data, file);
}
