// The column plan: which column of a source's header (or which key of a JSON object) feeds
// which field, computed once per header, and the checks that a mapping's fields mean
// something for the kind of export read (tickets or an event log).

import { ImportError } from './errors.js';
import type { LoadedMapping } from './mapping.js';
import { TICKET_TIME_FIELDS } from './types.js';
import type { ReadReport } from './types.js';

/** What a source is read as: ticket rows, or an event log. */
export type Mode = 'tickets' | 'events';
/** The ticket attributes of plain text (a mapping's "values" may map their words). */
export type StrField = 'subject' | 'requester' | 'customer' | 'tier' | 'assignee' | 'group' | 'channel';
export const STR_FIELDS: readonly StrField[] = ['subject', 'requester', 'customer', 'tier', 'assignee', 'group', 'channel'];
/** The ticket time fields an event log may carry (its rows are dated by `at`, not `updated_at`). */
const EVENT_TIME_FIELDS = TICKET_TIME_FIELDS.filter((f) => f !== 'updated_at');

/** Canonical fields a mode reads from columns (events: plus `id` as an alias of ticket_id). */
const MODE_FIELDS: Record<Mode, readonly string[]> = {
  tickets: ['id', ...STR_FIELDS, 'priority', 'status', 'tags', ...TICKET_TIME_FIELDS],
  events: ['ticket_id', 'at', 'type', 'value', 'actor', ...STR_FIELDS, 'priority', 'status', 'tags', ...EVENT_TIME_FIELDS],
};

/** Why a canonical field means nothing in a mode (a mapping naming it is an error). */
function meaningless(mode: Mode, field: string): string | null {
  if (mode === 'events') {
    return field === 'updated_at' ? 'an event log\'s rows are dated by "at"; map the row\'s time to "at"' : null;
  }
  if (field === 'ticket_id') return 'ticket rows name the ticket with "id"';
  if (['at', 'type', 'value', 'actor'].includes(field)) {
    return `"${field}" is a field of event logs; import the file with --events (or "kind": "events" in the mapping)`;
  }
  return null;
}

/** Header names are matched to field names ignoring case, spaces, "_" and "-": "Created at" = created_at. */
const normKey = (s: string): string => s.toLowerCase().replace(/[\s_-]+/g, '');

/** Which column index feeds which field; -1 = not in the source. Computed once per header. */
export class Plan {
  id = -1; created = -1; firstResponse = -1; resolved = -1; closed = -1; updated = -1;
  ticketId = -1; at = -1; type = -1; value = -1; actor = -1; activity = -1;
  status = -1; priority = -1; tags = -1;
  subject = -1; requester = -1; customer = -1; tier = -1; assignee = -1; group = -1; channel = -1;
  /** Value maps of the plain attributes (mapping "values"), when any. */
  attrMaps: Partial<Record<StrField, Record<string, string>>> | null = null;
  custom: Array<{ idx: number; name: string }> = [];
  /** field → source column it comes from (for messages). */
  from: Record<string, string> = {};
  /** Mapped columns the header lacks. */
  missing: Array<{ field: string; column: string }> = [];
  /** The events.key column (event logs). */
  key = -1;
  /** Time fields derived from another one plus a duration column (mapping "derive"). */
  derive: Array<{ field: string; from: string; add: number; unit: string; unitMs: number }> = [];
  constructor(readonly header: string[]) {}
}

/** Second and later columns with the same name get "_2", "_3" … ("Variant", "Variant_2"); empty names "column_N". */
export function dedupeHeader(names: string[]): string[] {
  const used = new Set<string>();
  const out: string[] = [];
  names.forEach((raw, i) => {
    let name = raw.trim();
    if (i === 0 && name.charCodeAt(0) === 0xfeff) name = name.slice(1).trim();
    if (name === '') name = `column_${i + 1}`;
    if (used.has(name)) {
      let k = 2;
      while (used.has(`${name}_${k}`) || names.includes(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    used.add(name);
    out.push(name);
  });
  return out;
}

/**
 * The column plans of a source read in a mode through a mapping (or none). Making one refuses
 * a mapping whose fields mean nothing in the mode.
 */
export class Columns {
  private readonly ignore: Set<string>;
  private readonly optional: Set<string>;

  /**
   * `values`: the mapping's value maps by field, keys lower-cased (vocabulary.ts); `report`:
   * where the columns taken by their name are reported.
   */
  constructor(
    private readonly mode: Mode,
    private readonly mapping: LoadedMapping | null,
    private readonly sourceName: string,
    private readonly values: Record<string, Record<string, string>>,
    private readonly report: ReadReport,
  ) {
    this.ignore = new Set((mapping?.ignore ?? []).map((s) => s.trim().toLowerCase()));
    if (mapping?.kind === 'events' && mode === 'tickets') {
      throw new ImportError(`mapping ${mapping.path} is for an event log ("kind": "events")`, 'import it with --events');
    }
    if (mapping?.kind === 'tickets' && mode === 'events') {
      throw new ImportError(`mapping ${mapping.path} is for ticket rows ("kind": "tickets")`, 'import without --events, or use an event-log mapping');
    }
    this.optional = new Set((mapping?.optional ?? []).map((s) => s.trim().toLowerCase()));
    for (const field of Object.keys(mapping?.columns ?? {})) {
      const why = field.startsWith('custom.') ? null : meaningless(mode, field);
      if (why !== null) {
        throw new ImportError(`mapping ${mapping?.path}: columns.${field}: "${field}" means nothing in ${mode === 'events' ? 'an event log' : 'a ticket export'}`, why);
      }
    }
    for (const [field, d] of Object.entries(mapping?.derive ?? {})) {
      const why = meaningless(mode, field) ?? meaningless(mode, d.from);
      if (why !== null) throw new ImportError(`mapping ${mapping?.path}: derive.${field}: means nothing in ${mode === 'events' ? 'an event log' : 'a ticket export'}`, why);
    }
    const ev = mapping?.events;
    if (mode === 'tickets' && (ev?.activityColumn !== undefined || ev?.key !== undefined)) {
      throw new ImportError(`mapping ${mapping?.path}: "events" applies to event logs only`, 'import the file with --events, or set "kind": "events" in the mapping');
    }
  }

  /** The plan of a header (deduplicated: dedupeHeader) or of a JSON object's keys; `strict`: a mapped column it lacks is an error. */
  buildPlan(header: string[], strict: boolean): Plan {
    const plan = new Plan(header);
    const exact = new Map<string, number>();
    const lower = new Map<string, number>();
    const norm = new Map<string, number>();
    header.forEach((h, i) => {
      if (!exact.has(h)) exact.set(h, i);
      if (!lower.has(h.toLowerCase())) lower.set(h.toLowerCase(), i);
      if (!norm.has(normKey(h))) norm.set(normKey(h), i);
    });
    const find = (name: string): number => exact.get(name) ?? lower.get(name.toLowerCase()) ?? norm.get(normKey(name)) ?? -1;
    const ignored = (i: number): boolean => this.ignore.has(header[i].toLowerCase());
    const used = new Set<number>();
    const fields = new Map<string, number>();
    const fieldsOfMode = MODE_FIELDS[this.mode];
    const mapping = this.mapping;

    for (const [field, column] of Object.entries(mapping?.columns ?? {})) {
      const idx = find(column);
      if (idx < 0) {
        if (!this.optional.has(column.trim().toLowerCase())) plan.missing.push({ field, column });
        continue;
      }
      used.add(idx);
      let f = field;
      if (this.mode === 'events' && f === 'id') f = 'ticket_id';
      if (f.startsWith('custom.')) plan.custom.push({ idx, name: f.slice(7) });
      else if (!fields.has(f)) fields.set(f, idx); // the constructor refused fields the mode does not use
    }
    const activityColumn = mapping?.events?.activityColumn;
    if (this.mode === 'events' && activityColumn !== undefined) {
      const idx = find(activityColumn);
      if (idx < 0) plan.missing.push({ field: 'events.activityColumn', column: activityColumn });
      else { used.add(idx); plan.activity = idx; plan.from.activity = header[idx]; }
    }
    const keyColumn = mapping?.events?.key;
    if (this.mode === 'events' && keyColumn !== undefined) {
      const idx = find(keyColumn);
      if (idx < 0) plan.missing.push({ field: 'events.key', column: keyColumn });
      else plan.key = idx; // also kept as a custom field unless mapped or ignored
    }
    for (const [field, d] of Object.entries(mapping?.derive ?? {})) {
      const idx = find(d.add);
      if (idx < 0) {
        if (!this.optional.has(d.add.trim().toLowerCase())) plan.missing.push({ field: `derive.${field}.add`, column: d.add });
        continue;
      }
      const unit = d.unit ?? 'minutes';
      plan.derive.push({ field, from: d.from, add: idx, unit, unitMs: unit === 'seconds' ? 1000 : unit === 'hours' ? 3_600_000 : 60_000 });
    }
    if (strict && plan.missing.length > 0) {
      const m = plan.missing[0];
      throw new ImportError(
        `column "${m.column}" (${m.field} in mapping ${mapping?.path}) is not in ${this.sourceName}`,
        `the columns are: ${header.map((h) => `"${h}"`).join(', ')}; fix the mapping or the file`,
      );
    }
    // canonical names (ignoring case, spaces, _ and -) for fields the mapping does not name
    const implicit: Array<{ field: string; column: string }> = [];
    const byName = (f: string, name: string): void => {
      if (fields.has(f)) return;
      const idx = norm.get(normKey(name));
      if (idx !== undefined && !used.has(idx) && !ignored(idx)) {
        fields.set(f, idx);
        used.add(idx);
        implicit.push({ field: f, column: header[idx] });
      }
    };
    for (const f of fieldsOfMode) byName(f, f);
    if (this.mode === 'events') byName('ticket_id', 'id');
    if (mapping) {
      // A column taken by its name while activity rules say what rows mean: its words are not
      // the rules' (a "Status" column of "Accepted" would reject every row), so say so.
      for (const c of implicit) {
        if (plan.activity >= 0 && (c.field === 'status' || c.field === 'type')) {
          throw new ImportError(
            `column "${c.column}" of ${this.sourceName} would be read as the ${c.field === 'status' ? 'ticket\'s status' : 'event type'} by its name, `
            + `while events.activityColumn ("${plan.from.activity}") says what each row means`,
            `add "${c.column}" to "ignore" in mapping ${mapping.path}, or map it on purpose ("columns": {"${c.field}": "${c.column}"})`,
          );
        }
      }
      for (const c of implicit) if (!this.report.implicitColumns.some((x) => x.field === c.field)) this.report.implicitColumns.push(c);
    }
    for (const [f, idx] of fields) plan.from[f] = header[idx];

    const get = (f: string): number => fields.get(f) ?? -1;
    plan.id = get('id');
    plan.created = get('created_at');
    plan.firstResponse = get('first_response_at');
    plan.resolved = get('resolved_at');
    plan.closed = get('closed_at');
    plan.updated = get('updated_at');
    plan.ticketId = get('ticket_id');
    plan.at = get('at');
    plan.type = get('type');
    plan.value = get('value');
    plan.actor = get('actor');
    plan.status = get('status');
    plan.priority = get('priority');
    plan.tags = get('tags');
    if (strict) for (const d of plan.derive) {
      if (get(d.from) < 0) throw new ImportError(`mapping ${mapping?.path}: derive.${d.field}.from: ${this.sourceName} has no "${d.from}" column to add to`, 'map that time field in "columns"');
    }
    for (const f of STR_FIELDS) {
      plan[f] = get(f);
      const map = this.values[f];
      if (plan[f] >= 0 && map !== undefined) (plan.attrMaps ??= {})[f] = map;
    }
    header.forEach((h, i) => {
      if (!used.has(i) && !ignored(i)) plan.custom.push({ idx: i, name: h });
    });
    return plan;
  }

  /** Throws when the source cannot be read as this kind of export at all. */
  checkRequired(plan: Plan, what: string): void {
    const need = this.mode === 'tickets'
      ? [['id', plan.id], ['created_at', plan.created]] as const
      : [['ticket_id', plan.ticketId], ['at', plan.at]] as const;
    for (const [field, idx] of need) {
      if (idx < 0) {
        const only = plan.header.length === 1 ? plan.header[0] : '';
        const sep = only.includes(';') ? 'semicolons' : only.includes('\t') ? 'tabs' : only.includes('|') ? 'bars' : null;
        if (sep !== null && what === 'column') {
          throw new ImportError(`${this.sourceName} has no "${field}" column: its header seems separated by ${sep}`,
            'sla reads comma-separated CSV (RFC 4180); export with commas, or convert the file');
        }
        const cols = plan.header.slice(0, 20).map((h) => `"${h}"`).join(', ') + (plan.header.length > 20 ? ', …' : '');
        throw new ImportError(
          `${this.sourceName} has no "${field}" ${what}${this.mapping ? ` and mapping ${this.mapping.path} names none` : ''}`,
          `its ${what === 'column' ? 'columns' : 'keys'} are ${cols}; map one in a mapping file ("columns": {"${field}": "…"})`
          + (this.mode === 'tickets' ? ', or import an event log with --events' : ''),
        );
      }
    }
    if (this.mode === 'events' && plan.type < 0 && plan.activity < 0 && plan.status < 0) {
      throw new ImportError(`${this.sourceName} has no "type" or "status" ${what} and the mapping names no events.activityColumn`,
        'add a type column (created, status, reply, priority, assign, pause, resume, note), a status column (a log of status snapshots), '
        + 'or a mapping with "events": {"activityColumn": …}');
    }
  }
}
