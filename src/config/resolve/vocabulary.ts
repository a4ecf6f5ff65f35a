// The words tickets are matched by: priorities and their aliases, status words, pause
// statuses and tiers. All are matched ignoring case, so a word given twice in two cases
// is a problem unless both mean the same.
import type { Status } from '../../domain/types.js';
import type { RawConfig } from '../schema.js';
import type { Config } from '../types.js';
import { nameList, q, type PriorityNames, type Report } from './report.js';

export type { PriorityNames } from './report.js';

export type Vocabulary = Pick<Config, 'priorities' | 'priorityAliases' | 'statusMap' | 'pauseStatuses' | 'tierMultipliers'>;

/** How the other sections name a priority: as written in `priorities` (any case) or by an alias. */

export function resolveVocabulary(raw: RawConfig, report: Report): { vocabulary: Vocabulary; priorityNames: PriorityNames } {
  const { priorities, priorityAliases, priorityNames } = resolvePriorities(raw, report);
  return {
    vocabulary: {
      priorities,
      priorityAliases,
      statusMap: resolveStatusMap(raw.statusMap, report),
      pauseStatuses: resolvePauseStatuses(raw.pauseStatuses, report),
      tierMultipliers: resolveTierMultipliers(raw.tierMultipliers, report),
    },
    priorityNames,
  };
}

function resolvePriorities(raw: RawConfig, report: Report): Pick<Vocabulary, 'priorities' | 'priorityAliases'> & { priorityNames: PriorityNames } {
  const priorities = [...raw.priorities];
  const byLower = new Map<string, string>();
  priorities.forEach((p, k) => {
    const lc = p.trim().toLowerCase();
    if (byLower.has(lc)) report(['priorities', k], `${q(p)} is listed twice`);
    else byLower.set(lc, p);
  });
  const known = `priorities: ${priorities.join(', ')}`;
  const priorityAliases: Record<string, string> = {};
  for (const [alias, target] of Object.entries(raw.priorityAliases)) {
    const lc = alias.trim().toLowerCase();
    const canonical = byLower.get(target.trim().toLowerCase());
    if (canonical === undefined) {
      report(['priorityAliases', alias], `${q(target)} is not a priority (${known})`);
      continue;
    }
    const existing = byLower.get(lc);
    if (existing !== undefined && existing !== canonical) {
      report(['priorityAliases', alias], `${q(alias)} is itself a priority; an alias cannot rename it to ${q(canonical)}`);
      continue;
    }
    if (priorityAliases[lc] !== undefined && priorityAliases[lc] !== canonical) {
      report(['priorityAliases', alias], `${q(alias)} is already an alias of ${q(priorityAliases[lc])} (aliases ignore case)`);
      continue;
    }
    priorityAliases[lc] = canonical;
  }
  const canonical = (v: string): string | undefined => {
    const lc = v.trim().toLowerCase();
    return byLower.get(lc) ?? priorityAliases[lc];
  };
  const unknown = (v: string): string => `${q(v)} is not a priority (${known}, or an alias from priorityAliases)`;
  return { priorities, priorityAliases, priorityNames: { canonical, unknown, list: nameList(canonical, unknown, report) } };
}

function resolveStatusMap(raw: RawConfig['statusMap'], report: Report): Record<string, Status> {
  const statusMap: Record<string, Status> = {};
  for (const [word, status] of Object.entries(raw)) {
    const lc = word.trim().toLowerCase();
    if (statusMap[lc] !== undefined && statusMap[lc] !== status) {
      report(['statusMap', word], `${q(word)} is already mapped to ${q(statusMap[lc])} (statusMap ignores case)`);
      continue;
    }
    statusMap[lc] = status;
  }
  return statusMap;
}

function resolvePauseStatuses(raw: RawConfig['pauseStatuses'], report: Report): Status[] {
  const pauseStatuses: Status[] = [];
  raw.forEach((s, k) => {
    if (s === 'resolved' || s === 'closed') report(['pauseStatuses', k], `${q(s)} stops the clock; it cannot pause it`);
    else if (!pauseStatuses.includes(s)) pauseStatuses.push(s);
  });
  return pauseStatuses;
}

/** Keys lowercased, like every other word matched case-insensitively. */
function resolveTierMultipliers(raw: RawConfig['tierMultipliers'], report: Report): Record<string, number> {
  const tierMultipliers: Record<string, number> = {};
  for (const [tier, m] of Object.entries(raw)) {
    const lc = tier.trim().toLowerCase();
    if (tierMultipliers[lc] !== undefined && tierMultipliers[lc] !== m) {
      report(['tierMultipliers', tier], `${q(tier)} is already given as ${tierMultipliers[lc]} (tiers ignore case)`);
      continue;
    }
    tierMultipliers[lc] = m;
  }
  return tierMultipliers;
}
