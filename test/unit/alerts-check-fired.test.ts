// computeSla's `fired` option as used by check: a function of the evaluated cycle
// gives the same state as the Set of that cycle's keys (the old form still works).

import { describe, expect, it } from 'vitest';
import { computeSla } from '../../src/domain/sla.js';
import * as build from '../support/build.js';
import { Z } from '../support/build.js';

const always = build.calendar();
const cal = () => always;
const settings = build.settings();
const ticket = build.ticket();

describe('computeSla fired option', () => {
  it('a function of the cycle is called once with the clock cycle and matches the Set form', () => {
    const now = Z('2025-11-03T12:00:00Z');
    const keys = new Set(['response_warning|', 'response_breached|']);
    const cycles: number[] = [];
    const byFn = computeSla(ticket, [], settings, cal, now, { fired: (c) => { cycles.push(c); return keys; } });
    const bySet = computeSla(ticket, [], settings, cal, now, { fired: keys });
    expect(cycles).toEqual([byFn.clock.cycle]);
    expect(byFn.computed).toEqual(bySet.computed);
    expect(byFn.computed.nextChangeAt).toBe(Z('2025-11-03T13:12:00Z'));
    // Nothing fired: the breach that already holds keeps nextChangeAt at or before now.
    expect(computeSla(ticket, [], settings, cal, now, { fired: () => new Set() }).computed.nextChangeAt).toBeLessThanOrEqual(now);
  });
});
