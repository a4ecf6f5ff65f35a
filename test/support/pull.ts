// What the pull tests of every helpdesk share: the history a database holds, and a pull killed
// at random moments then run to the end, compared with one uninterrupted pull.

import { expect } from 'vitest';
import type { Project } from './project.js';

/** Every ticket's columns that a pull sets, and its whole history, in id order (a test of the engine's state). */
export function histories(p: Project): unknown[] {
  return p.query('SELECT id, status, priority, first_response_at, resolved_at, closed_at, history, import_hash FROM tickets ORDER BY id');
}

/**
 * Pulls `source` into `p` `tries` times, each killed (SIGKILL) after a seeded random delay in
 * [minMs, maxMs), then once to the end; expects the history of `clean`, pulled in one go.
 */
export async function killedPulls(p: Project, clean: Project, args: string[], o: { tries?: number; minMs?: number; maxMs?: number } = {}): Promise<void> {
  const { tries = 20, minMs = 100, maxMs = 700 } = o;
  let seed = 17;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let interrupted = 0;
  for (let k = 0; k < tries; k++) {
    const { child, done } = p.spawn(args);
    const timer = setTimeout(() => child.kill('SIGKILL'), minMs + Math.floor(rnd() * (maxMs - minMs)));
    const r = await done;
    clearTimeout(timer);
    if (r.signal === 'SIGKILL') interrupted++;
  }
  expect(interrupted, 'pulls killed before they ended').toBeGreaterThan(tries / 2);
  const last = await p.slaAsync(args);
  expect(last.code, last.stderr).toBe(0);
  expect(histories(p)).toEqual(histories(clean));
}
