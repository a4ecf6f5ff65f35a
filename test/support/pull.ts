// What the pull tests of every helpdesk share: the history a database holds, and a pull killed
// at random moments then run to the end, compared with one uninterrupted pull.

import { expect } from 'vitest';
import type { Project } from './project.js';

/** Every ticket's columns that a pull sets, and its whole history, in id order (a test of the engine's state). */
export function histories(p: Project): unknown[] {
  return p.query('SELECT id, status, priority, first_response_at, resolved_at, closed_at, history, import_hash FROM tickets ORDER BY id');
}

/**
 * Pulls into `p` `tries` times, each killed (SIGKILL) at a seeded random moment of its own
 * progress — once the helpdesk has had its k-th request of the run (k in 1..3), plus a random
 * delay of up to twice the server's answer delay, so the kill lands while a request is in flight
 * or while a page is being merged and written — then once to the end; expects the history of
 * `clean`, pulled in one go. The moment follows the pull's requests, not the wall clock, so a
 * slower or faster machine kills at the same points.
 */
export async function killedPulls(
  p: Project, clean: Project, args: string[],
  server: { readonly arrived: number; readonly delayMs: number },
  o: { tries?: number } = {},
): Promise<void> {
  const { tries = 20 } = o;
  let seed = 17;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let interrupted = 0;
  for (let k = 0; k < tries; k++) {
    const from = server.arrived;
    const nth = 1 + Math.floor(rnd() * 3);
    const after = Math.floor(rnd() * 2 * server.delayMs);
    const { child, done } = p.spawn(args);
    let timer: NodeJS.Timeout | undefined;
    const watch = setInterval(() => {
      if (server.arrived - from < nth) return;
      clearInterval(watch);
      timer = setTimeout(() => child.kill('SIGKILL'), after);
    }, 2);
    const r = await done;
    clearInterval(watch);
    clearTimeout(timer);
    if (r.signal === 'SIGKILL') interrupted++;
  }
  expect(interrupted, 'pulls killed before they ended').toBeGreaterThan(tries / 2);
  const last = await p.slaAsync(args);
  expect(last.code, last.stderr).toBe(0);
  expect(histories(p)).toEqual(histories(clean));
}
