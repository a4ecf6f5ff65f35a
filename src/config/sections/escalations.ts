// The `escalations` section (a config section that plugs in: sections.ts): rules for when one
// fires (a trigger, and which tickets) and what it does — its shape, what it resolves to, and
// how (names checked against the priorities, policies and destinations).
import { z } from 'zod';
import type { EscalationRuleDef, Metric } from '../../domain/types.js';
import { METRICS } from '../../domain/types.js';
import { asList, q, type SectionContext } from '../resolve/report.js';
import { NameListSchema } from '../schema-parts.js';

const EscalationSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  when: z.strictObject({
    metric: z.enum(METRICS).default('resolution'),
    elapsedMinutes: z.number().min(0).optional(),
    atPercent: z.number().gt(0).optional(),
    overdueMinutes: z.number().min(0).optional(),
    idleMinutes: z.number().gt(0).optional(),
    customerOpenAtLeast: z.int().min(1).optional(),
    unassigned: z.boolean().optional(),
    priority: NameListSchema.optional(),
    tier: NameListSchema.optional(),
    policy: NameListSchema.optional(),
  }),
  actions: z.strictObject({
    notify: NameListSchema.optional(),
    raisePriority: z.boolean().default(false),
    assignTo: z.string().min(1).optional(),
  }),
});


type RawEscalation = z.output<typeof EscalationSchema>;

export interface EscalationRule {
  name: string;
  /** Position in the file (0-based). */
  index: number;
  /**
   * All present conditions must hold; the rule fires at the instant they first all hold.
   * At least one trigger (elapsedMinutes, atPercent, overdueMinutes, idleMinutes,
   * customerOpenAtLeast) is present (checked at load).
   */
  when: EscalationRuleDef['when'] & {
    /** The clock elapsedMinutes / atPercent / overdueMinutes are measured on. Default resolution. */
    metric: Metric;
    /** canonical priorities */
    priority?: readonly string[];
  };
  actions: {
    /** destination names (checked at load) */
    notify: string[];
    raisePriority: boolean;
    assignTo: string | null;
  };
}

export function resolveEscalations(raw: RawEscalation[], names: SectionContext): EscalationRule[] {
  const { report } = names;
  const seen = new Map<string, number>();
  return raw.map((e, index) => {
    const base: PropertyKey[] = ['escalations', index];
    const dup = seen.get(e.name);
    if (dup !== undefined) report([...base, 'name'], `${q(e.name)} is already the name of escalations[${dup}]`);
    else seen.set(e.name, index);
    const w = e.when;
    const when: EscalationRule['when'] = { metric: w.metric };
    for (const key of ['elapsedMinutes', 'atPercent', 'overdueMinutes', 'idleMinutes', 'customerOpenAtLeast'] as const) {
      if (w[key] !== undefined) when[key] = w[key];
    }
    if (Object.keys(when).length === 1) {
      report([...base, 'when'], 'needs a trigger: elapsedMinutes, atPercent, overdueMinutes, idleMinutes or customerOpenAtLeast');
    }
    if (w.unassigned !== undefined) when.unassigned = w.unassigned;
    if (w.priority !== undefined) when.priority = names.priorityNames.list(asList(w.priority), [...base, 'when', 'priority']);
    if (w.tier !== undefined) when.tier = [...new Set(asList(w.tier))];
    if (w.policy !== undefined) when.policy = names.policyNames(asList(w.policy), [...base, 'when', 'policy']);
    const notifyNames = asList(e.actions.notify);
    const notify = names.destinationNames(notifyNames, [...base, 'actions', 'notify'], Array.isArray(e.actions.notify));
    const actions = { notify, raisePriority: e.actions.raisePriority, assignTo: e.actions.assignTo ?? null };
    // the names as given: one that names no destination is reported already, not as "does nothing"
    if (notifyNames.length === 0 && !actions.raisePriority && actions.assignTo === null) {
      report([...base, 'actions'], 'does nothing; give notify, raisePriority or assignTo');
    }
    return { name: e.name, index, when, actions };
  });
}

/** The section's row in sections.ts. */
export const escalationsSection = {
  schema: z.array(EscalationSchema).default([]),
  resolve: resolveEscalations,
};
