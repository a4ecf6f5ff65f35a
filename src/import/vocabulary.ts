// Vocabulary: a source's words for status, priority and event type, read as the canonical
// ones (the mapping's "values", then the config's statusMap / priorityAliases / priorities).

import { CANONICAL_STATUSES } from '../domain/types.js';
import { EVENT_TYPES } from './types.js';
import type { EventType, Vocabulary } from './types.js';

const STATUS_SET: ReadonlySet<string> = new Set(CANONICAL_STATUSES);
const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** A source's words (a mapping's "values", the config's vocabulary) for canonical values; one per source read. */
export class SourceVocabulary {
  /** The mapping's value maps by field (status, priority, type, a plain attribute …), keys lower-cased. */
  readonly values: Record<string, Record<string, string>>;
  private readonly statusMap: Record<string, string>;
  private readonly aliasMap: Record<string, string>;
  private readonly priorities = new Map<string, string>();
  private readonly statusCache = new Map<string, string | null>();
  private readonly priorityCache = new Map<string, string | null>();

  /** `values`: the mapping's "values" (source value → canonical value, by canonical field), if any. */
  constructor(vocab: Vocabulary, values: Record<string, Record<string, string>> | undefined) {
    this.values = {};
    for (const [field, map] of Object.entries(values ?? {})) this.values[field] = lowerKeys(map);
    this.statusMap = lowerKeys(vocab.statusMap ?? {});
    this.aliasMap = lowerKeys(vocab.priorityAliases ?? {});
    for (const p of vocab.priorities ?? []) this.priorities.set(p.toLowerCase(), p);
  }

  /** Source status word → canonical (mapping values, then statusMap, then canonical), or null. */
  status(text: string): string | null {
    let r = this.statusCache.get(text);
    if (r === undefined) {
      let w = text.trim().toLowerCase();
      const m = this.values.status?.[w];
      if (m !== undefined) w = m.trim().toLowerCase();
      const s = this.statusMap[w];
      if (s !== undefined) w = s.trim().toLowerCase();
      r = STATUS_SET.has(w) ? w : null;
      this.statusCache.set(text, r);
    }
    return r;
  }

  /** Source priority → canonical (mapping values, then aliases, then the config's priorities), or null. */
  priority(text: string): string | null {
    let r = this.priorityCache.get(text);
    if (r === undefined) {
      let w = text.trim().toLowerCase();
      const m = this.values.priority?.[w];
      if (m !== undefined) w = m.trim().toLowerCase();
      const a = this.aliasMap[w];
      if (a !== undefined) w = a.trim().toLowerCase();
      r = this.priorities.get(w) ?? null;
      this.priorityCache.set(text, r);
    }
    return r;
  }

  /** Source event type → canonical (mapping values, then the canonical types), or null. */
  eventType(text: string): EventType | null {
    let w = text.trim().toLowerCase();
    const m = this.values.type?.[w];
    if (m !== undefined) w = m.trim().toLowerCase();
    return TYPE_SET.has(w) ? (w as EventType) : null;
  }
}

function lowerKeys(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(map)) out[k.trim().toLowerCase()] = v;
  return out;
}
