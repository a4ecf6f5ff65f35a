// What every kind of source does with a ticket's fields: the mapping's `columns` pick the
// helpdesk's field for each of sla's, its `values` translate the words. A mapped field that a
// ticket does not have at all is counted (a mapping written for another account, a field
// renamed): never silently empty.

import { secretVariables } from '../../config/secrets.js';
import type { TicketAttrs } from '../types.js';
import type { PullContext } from './kind.js';

/** Whether a credential is written into the config itself (it names no environment variable). */
export function literalSecret(text: string): boolean {
  return secretVariables(text).length === 0;
}

const text = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v.map(String).join(';');
  const s = String(v).trim();
  return s === '' ? null : s;
};

/**
 * The attributes a ticket's fields give (`flat`: the helpdesk's fields by the names a mapping
 * uses), through `columns` (sla field → helpdesk field) and the mapping's values.
 */
export function ticketAttrs(flat: Record<string, unknown>, columns: Record<string, string>, ctx: Pick<PullContext, 'vocab' | 'count'>): TicketAttrs {
  const attrs: TicketAttrs = {};
  const values = ctx.vocab.values;
  for (const [field, from] of Object.entries(columns)) {
    if (!(from in flat)) {
      ctx.count(`tickets without the field "${from}" (mapped to ${field})`);
      continue;
    }
    const raw = flat[from];
    if (field === 'tags') {
      attrs.tags = Array.isArray(raw) ? raw.map(String) : (text(raw) ?? '').split(/[\s,;]+/).filter((t) => t !== '');
      continue;
    }
    let v = text(raw);
    const map = values[field];
    if (v !== null && map) v = map[v.toLowerCase()] ?? v;
    if (field.startsWith('custom.')) {
      if (v !== null) (attrs.custom ??= {})[field.slice('custom.'.length)] = v;
    } else {
      (attrs as Record<string, unknown>)[field] = v;
    }
  }
  return attrs;
}
