// Policy matching and target selection (SPEC §3). Pure.

import type { Assignment } from './clock.js';
import type { Targets } from './types.js';

export interface PolicyDef {
  name: string;
  /** Field → accepted values (any of); null = catch-all. */
  match: Record<string, string[]> | null;
  calendar: string;
  /** Priority → targets in minutes. */
  targets: Record<string, Targets>;
}

/** A ticket's fields as policies see them: strings, or lists (tags). */
export type TicketFields = Record<string, string | string[] | null | undefined>;

export interface PolicyTrace {
  name: string;
  matched: boolean;
  /** Why it matched or not, e.g. `tier is "business", not one of enterprise`. */
  reason: string;
}

export interface PolicyMatch {
  policy: PolicyDef | null;
  index: number;
  /** One line per policy tried, in file order, up to and including the match. */
  trace: PolicyTrace[];
}

const norm = (s: string): string => s.trim().toLowerCase();

// Accepted values, normalised once per list (policies are matched for every ticket of an import).
const normalisedSets = new WeakMap<string[], Set<string>>();

function fieldMatches(value: string | string[] | null | undefined, accepted: string[]): boolean {
  let want = normalisedSets.get(accepted);
  if (!want) {
    want = new Set(accepted.map(norm));
    normalisedSets.set(accepted, want);
  }
  if (Array.isArray(value)) return value.some((v) => want.has(norm(v)));
  if (value === null || value === undefined || value === '') return false;
  return want.has(norm(value));
}

function show(value: string | string[] | null | undefined): string {
  if (value === null || value === undefined || value === '') return 'empty';
  if (Array.isArray(value)) return value.length ? `[${value.join(', ')}]` : 'empty';
  return JSON.stringify(value);
}

/** First match wins, in file order; no `match` = catch-all. Matching is case-insensitive. */
export function matchPolicy(policies: readonly PolicyDef[], fields: TicketFields): PolicyMatch {
  const trace: PolicyTrace[] = [];
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i];
    if (!p.match) {
      trace.push({ name: p.name, matched: true, reason: 'catch-all (no match rule)' });
      return { policy: p, index: i, trace };
    }
    const failed: string[] = [];
    const passed: string[] = [];
    for (const [key, accepted] of Object.entries(p.match)) {
      const value = fields[key];
      if (fieldMatches(value, accepted)) passed.push(`${key} is ${show(value)}`);
      else failed.push(`${key} is ${show(value)}, not one of ${accepted.join(', ')}`);
    }
    if (failed.length === 0) {
      trace.push({ name: p.name, matched: true, reason: passed.join('; ') });
      return { policy: p, index: i, trace };
    }
    trace.push({ name: p.name, matched: false, reason: failed.join('; ') });
  }
  return { policy: null, index: -1, trace };
}

/** Targets × the tier's multiplier (minutes; multiplier 1 when the tier has none). */
export function applyMultiplier(t: Targets, tier: string | null | undefined, multipliers: Record<string, number>): Targets {
  const m = tier ? multipliers[tier] ?? multipliers[norm(tier)] ?? 1 : 1;
  return { firstResponse: t.firstResponse * m, resolution: t.resolution * m };
}

export type AssignResult =
  | { ok: true; assignment: Assignment; match: PolicyMatch }
  | { ok: false; reason: string; match: PolicyMatch };

/** Which policy and targets a ticket gets, or why it gets no SLA. */
export function assignPolicy(
  policies: readonly PolicyDef[],
  fields: TicketFields,
  priority: string | null | undefined,
  multipliers: Record<string, number>,
): AssignResult {
  const match = matchPolicy(policies, fields);
  if (!match.policy) return { ok: false, reason: 'no policy matches', match };
  if (!priority) return { ok: false, reason: `ticket has no priority (policy ${match.policy.name})`, match };
  const base = match.policy.targets[priority];
  if (!base) return { ok: false, reason: `policy ${match.policy.name} has no targets for priority ${priority}`, match };
  const tier = typeof fields.tier === 'string' ? fields.tier : null;
  return {
    ok: true,
    assignment: { policy: match.policy.name, calendar: match.policy.calendar, targets: applyMultiplier(base, tier, multipliers) },
    match,
  };
}
