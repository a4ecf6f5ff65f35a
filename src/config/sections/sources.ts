// The `sources` section (a config section that plugs in: sections.ts): the helpdesks `sla pull`
// reads, by name — each entry's `type` picks its kind (import/sources/registry.ts), which
// checks its own fields; the common ones are checked here: `url` (replaces the vendor's base
// URL), and `mapping` (the helpdesk's fields and words for sla's: inline, or a mapping file's
// `columns` and `values`).
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { parseJsonText } from '../json.js';
import type { SourceConfigBase } from '../../import/sources/kind.js';
import { SOURCE_KINDS, sourceKindOf, type SourceConfig } from '../../import/sources/registry.js';
import { CANONICAL_STATUSES } from '../../domain/types.js';
import { q, type SectionContext } from '../resolve/report.js';

const InlineMapping = z.strictObject({
  description: z.string().optional(),
  columns: z.record(z.string(), z.string().min(1, 'needs a field name')).optional()
    .meta({ description: 'sla field (customer, tier, group, assignee, channel, requester, subject, custom.NAME) → the helpdesk\'s field' }),
  values: z.record(z.string(), z.record(z.string(), z.string())).optional()
    .meta({ description: 'per sla field (status, priority, tier …): the helpdesk\'s value → sla\'s' }),
});

const common = {
  url: z.string().min(1).optional()
    .meta({ description: 'replaces the vendor\'s base URL (a proxy, a sandbox account, a test server), the same paths below it' }),
  mapping: z.union([z.string().min(1), InlineMapping]).optional()
    .meta({ description: 'the helpdesk\'s fields and words for sla\'s: {"columns": …, "values": …}, or a mapping file\'s path' }),
};

const kinds = Object.values(SOURCE_KINDS).map((k) => z.strictObject({ type: z.literal(k.type), ...common, ...k.fields }));
const SourceSchema = z.discriminatedUnion('type', kinds as unknown as [typeof kinds[number], ...Array<typeof kinds[number]>]);

/** Fields a source's `columns` may set (besides custom.NAME); status and priority come from the helpdesk's own. */
const MAPPABLE = ['subject', 'requester', 'customer', 'tier', 'assignee', 'group', 'channel', 'tags'];
const STATUS_SET: ReadonlySet<string> = new Set(CANONICAL_STATUSES);

export function resolveSources(raw: Record<string, z.output<typeof SourceSchema>>, ctx: SectionContext): Record<string, SourceConfig> {
  const out: Record<string, SourceConfig> = {};
  for (const [name, entry] of Object.entries(raw)) {
    const path: PropertyKey[] = ['sources', name];
    const report = (p: PropertyKey[], message: string): void => ctx.report([...path, ...p], message);
    if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) report([], `${q(name)} is not a source name: letters, digits, "-", "_" and "." (it is typed in \`sla pull NAME\`)`);
    const kind = sourceKindOf(entry.type);
    let url: string | null = null;
    if (entry.url !== undefined) {
      try {
        const u = new URL(entry.url);
        if (u.protocol !== 'https:' && u.protocol !== 'http:') report(['url'], 'must be an http(s) URL');
        else url = u.href;
      } catch {
        report(['url'], `${q(entry.url)} is not a URL`);
      }
    }
    const { columns, values } = sourceMapping(entry.mapping, ctx.configDir, (p, m) => report(['mapping', ...p], m));
    const base: SourceConfigBase = { name, type: entry.type, url, columns, values };
    out[name] = kind.load(entry as unknown as Record<string, unknown>, base, report) as SourceConfig;
  }
  return out;
}

function sourceMapping(
  raw: z.output<typeof common.mapping>, configDir: string, report: (path: PropertyKey[], message: string) => void,
): Pick<SourceConfigBase, 'columns' | 'values'> {
  let m: { columns?: Record<string, string>; values?: Record<string, Record<string, string>> } = {};
  if (typeof raw === 'string') {
    // a mapping file (examples/mappings/README.md) of which a pull uses two keys; read here
    // (not by the importer's loader: every command loads the config, and few pull)
    const file = resolvePath(configDir, raw);
    let data: unknown;
    try {
      data = parseJsonText(readFileSync(file, 'utf8'), file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      report([], code === 'ENOENT' ? `the mapping file ${raw} is not there (${file})` : code ? `cannot read the mapping file ${raw} (${code})` : (e as Error).message);
      return { columns: {}, values: {} };
    }
    const keys = data !== null && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data) : null;
    const unused = (keys ?? []).filter((k) => !['columns', 'values', 'description', '$schema'].includes(k));
    if (unused.length > 0) report([], `the mapping file ${raw} has ${unused.map((k) => q(k)).join(', ')}, which a pull does not use: a source's mapping gives "columns" and "values" only`);
    const parsed = InlineMapping.safeParse(keys === null ? data : Object.fromEntries(Object.entries(data as object).filter(([k]) => !unused.includes(k) && k !== '$schema')));
    if (!parsed.success) {
      report([], `the mapping file ${raw}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
      return { columns: {}, values: {} };
    }
    m = parsed.data;
  } else if (raw !== undefined) m = raw;
  const columns: Record<string, string> = {};
  for (const [field, from] of Object.entries(m.columns ?? {})) {
    if (MAPPABLE.includes(field) || /^custom\.[^.]+$/.test(field)) columns[field] = from;
    else report(['columns', field], field === 'status' || field === 'priority' || field === 'id' || field.endsWith('_at')
      ? `${q(field)} comes from the helpdesk's own field; map its words under "values" instead`
      : `${q(field)} is not a field a source sets: ${MAPPABLE.join(', ')} or custom.NAME`);
  }
  const values: Record<string, Record<string, string>> = {};
  for (const [field, map] of Object.entries(m.values ?? {})) {
    const lower: Record<string, string> = {};
    for (const [from, to] of Object.entries(map)) {
      if (field === 'status' && !STATUS_SET.has(to.trim().toLowerCase())) {
        report(['values', field, from], `${q(to)} is not a status; use ${CANONICAL_STATUSES.join(', ')}`);
      }
      lower[from.trim().toLowerCase()] = to;
    }
    values[field] = lower;
  }
  return { columns, values };
}

/** The section's row in sections.ts. */
export const sourcesSection = {
  schema: z.record(z.string(), SourceSchema).default({}),
  resolve: resolveSources,
};
