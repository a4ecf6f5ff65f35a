// Reading a priority the way the config names it (aliases, case-insensitive).

import type { Config } from '../config/types.js';

/** Canonical priority for `text`, or null when the config knows no such priority. */
export function canonicalPriority(config: Config, text: string): string | null {
  const t = text.trim().toLowerCase();
  const direct = config.priorities.find((p) => p.toLowerCase() === t);
  if (direct) return direct;
  return config.priorityAliases[t] ?? null;
}
