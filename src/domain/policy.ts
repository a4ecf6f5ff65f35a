// Policy matching and target selection (SPEC §3). Pure.

import type { Assignment } from './clock.js';
import { perMetric } from './metrics.js';
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

/**
 * The rule of policy matching, shared by matchPolicy and findPolicy: the index of the
 * first policy (file order) with no `match` (catch-all) or whose every field matches,
 * -1 for none. With `trace`, one line per policy tried says why (every field of a
 * policy is then looked at); without, a policy is left at its first failing field.
 */
function firstMatch(policies: readonly PolicyDef[], fields: TicketFields, trace: PolicyTrace[] | null): number {
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i];
    if (!p.match) {
      trace?.push({ name: p.name, matched: true, reason: 'catch-all (no match rule)' });
      return i;
    }
    if (!trace) {
      let all = true;
      for (const key in p.match) {
        if (!fieldMatches(fields[key], p.match[key])) { all = false; break; }
      }
      if (all) return i;
      continue;
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
      return i;
    }
    trace.push({ name: p.name, matched: false, reason: failed.join('; ') });
  }
  return -1;
}

/** First match wins, in file order; no `match` = catch-all. Matching is case-insensitive. */
export function matchPolicy(policies: readonly PolicyDef[], fields: TicketFields): PolicyMatch {
  const trace: PolicyTrace[] = [];
  const index = firstMatch(policies, fields, trace);
  return { policy: index < 0 ? null : policies[index], index, trace };
}

/** The policy matchPolicy picks, without its trace (for bulk work such as imports). */
export function findPolicy(policies: readonly PolicyDef[], fields: TicketFields): PolicyDef | null {
  const index = firstMatch(policies, fields, null);
  return index < 0 ? null : policies[index];
}

/** Targets × the tier's multiplier (minutes; multiplier 1 when the tier has none). */
export function applyMultiplier(t: Targets, tier: string | null | undefined, multipliers: Record<string, number>): Targets {
  const m = tier ? multipliers[tier] ?? multipliers[norm(tier)] ?? 1 : 1;
  return perMetric((_metric, key) => t[key] * m);
}

export type AssignResult =
  | { ok: true; assignment: Assignment; match: PolicyMatch }
  | { ok: false; reason: string; match: PolicyMatch };

/** assignPolicy's answer without the match trace. */
export type PolicyChoice = { ok: true; assignment: Assignment } | { ok: false; reason: string };

/** The assignment a matched policy (or none) gives a ticket of this priority and tier. */
function assignmentFrom(
  policy: PolicyDef | null,
  fields: TicketFields,
  priority: string | null | undefined,
  multipliers: Record<string, number>,
): PolicyChoice {
  if (!policy) return { ok: false, reason: 'no policy matches' };
  if (!priority) return { ok: false, reason: `ticket has no priority (policy ${policy.name})` };
  const base = policy.targets[priority];
  if (!base) return { ok: false, reason: `policy ${policy.name} has no targets for priority ${priority}` };
  const tier = typeof fields.tier === 'string' ? fields.tier : null;
  return { ok: true, assignment: { policy: policy.name, calendar: policy.calendar, targets: applyMultiplier(base, tier, multipliers) } };
}

/** Which policy and targets a ticket gets, or why it gets no SLA. */
export function assignPolicy(
  policies: readonly PolicyDef[],
  fields: TicketFields,
  priority: string | null | undefined,
  multipliers: Record<string, number>,
): AssignResult {
  const match = matchPolicy(policies, fields);
  return { ...assignmentFrom(match.policy, fields, priority, multipliers), match };
}

/** assignPolicy without the trace: the same assignment (or reason), for bulk work such as imports. */
export function choosePolicy(
  policies: readonly PolicyDef[],
  fields: TicketFields,
  priority: string | null | undefined,
  multipliers: Record<string, number>,
): PolicyChoice {
  return assignmentFrom(findPolicy(policies, fields), fields, priority, multipliers);
}

/** The fields of a ticket a chooser reads: canonical ones by name, others from `custom`. */
export interface ChooserTicket {
  priority: string | null;
  tier: string | null;
  custom: Record<string, string>;
}

/** Entries a chooser remembers at most (policies that match on a field of many values stop being remembered). */
const CHOOSER_CACHE_MAX = 4096;

/**
 * choosePolicy for many tickets against the same policies (an import): the choice
 * depends only on the fields the policies match on, the priority and the tier, so it
 * is remembered per combination of those values. Same answers as choosePolicy;
 * `fields(t)` gives the full field set on a miss. The remembered assignments are shared:
 * they are frozen.
 */
export function policyChooser<T extends ChooserTicket>(
  policies: readonly PolicyDef[],
  multipliers: Record<string, number>,
  canonical: ReadonlySet<string>,
  fields: (t: T) => TicketFields,
): (t: T) => PolicyChoice {
  const keys = [...new Set(policies.flatMap((p) => (p.match ? Object.keys(p.match) : [])))].filter((k) => k !== 'priority' && k !== 'tier');
  // One level of maps per value the choice depends on (priority, tier, then `keys`), keyed
  // by the value itself — no key string to build per ticket. A list (tags) is keyed by its
  // joined text, marked so that it cannot equal a plain value.
  const levels: Array<(t: T) => unknown> = [(t) => t.priority, (t) => t.tier];
  for (const k of keys) {
    levels.push(canonical.has(k) ? (t) => (t as unknown as Record<string, unknown>)[k] : (t) => t.custom[k]);
  }
  const keyOf = (v: unknown): unknown =>
    v === null || v === undefined ? null : Array.isArray(v) ? `\u0002[${v.join('\u0002')}]` : v;
  const root = new Map<unknown, unknown>();
  let remembered = 0;
  const last = levels.length - 1;
  return (t: T): PolicyChoice => {
    let node = root;
    for (let i = 0; i < last; i++) {
      const k = keyOf(levels[i](t));
      let next = node.get(k) as Map<unknown, unknown> | undefined;
      if (next === undefined) {
        // Full: no new combinations remembered (nor maps made for them).
        if (remembered >= CHOOSER_CACHE_MAX) return choosePolicy(policies, fields(t), t.priority, multipliers);
        next = new Map();
        node.set(k, next);
      }
      node = next;
    }
    const k = keyOf(levels[last](t));
    const hit = node.get(k) as PolicyChoice | undefined;
    if (hit) return hit;
    const choice = choosePolicy(policies, fields(t), t.priority, multipliers);
    if (remembered < CHOOSER_CACHE_MAX) {
      remembered++;
      if (choice.ok) {
        Object.freeze(choice.assignment.targets);
        Object.freeze(choice.assignment);
      }
      node.set(k, Object.freeze(choice));
    }
    return choice;
  };
}
