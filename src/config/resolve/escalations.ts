// The escalation rules: when one fires (a trigger, and which tickets) and what it does.
import type { RawConfig } from '../schema.js';
import type { EscalationRule } from '../types.js';
import { asList, q, type NameList, type Report } from './report.js';
import type { PriorityNames } from './vocabulary.js';

export function resolveEscalations(
  raw: RawConfig['escalations'],
  names: { priorityNames: PriorityNames; policyNames: NameList; destinationNames: NameList },
  report: Report,
): EscalationRule[] {
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
