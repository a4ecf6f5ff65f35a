// The pure arithmetic of `sla report`: percentiles, compliance, sparkline, assembly.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCounts, assembleReport, complianceBuckets, compliancePercent, emptyCounts, mergeSorted, pausedSharePercent, percentile,
  reportNotes, sortedTimes, sparkline, SPARKLINE_MAX_BUCKETS, timeStats, type AggregateRow, type GroupCounts,
} from '../../src/domain/report.js';

describe('percentile (nearest rank: the value at rank ⌈p/100 × n⌉)', () => {
  it('worked examples', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(ten, 50)).toBe(5); // rank 5
    expect(percentile(ten, 90)).toBe(9); // rank 9, exactly: 90 × 10 / 100 has no rounding error
    expect(percentile(ten, 95)).toBe(10); // rank ⌈9.5⌉ = 10
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile(ten, 0)).toBe(1); // rank 1 at least
    expect(percentile([10, 20, 25, 45, 75], 50)).toBe(25); // rank ⌈2.5⌉ = 3
    expect(percentile([180, 180, 300, 330], 50)).toBe(180); // rank 2: the lower middle, an observed value
    expect(percentile([180, 180, 300, 330], 90)).toBe(330); // rank ⌈3.6⌉ = 4
    expect(percentile([42], 95)).toBe(42);
    expect(percentile([1, 2, 3], 33.4)).toBe(2); // rank ⌈1.002⌉ = 2
  });

  it('no values → null; p outside 0…100 is refused', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], NaN)).toThrow(RangeError);
  });

  it('is an observed value with at least p % of the values at or below it, and fewer than p % strictly below', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 100 }),
      (xs, p) => {
        const s = [...xs].sort((a, b) => a - b);
        const v = percentile(s, p)!;
        expect(s).toContain(v);
        expect(s.filter((x) => x <= v).length / s.length).toBeGreaterThanOrEqual(p / 100);
        expect(s.filter((x) => x < v).length / s.length).toBeLessThan(p / 100);
      },
    ));
  });
});

describe('compliance', () => {
  it('met ÷ (met + breached) × 100 to 0.1; null when nothing concluded', () => {
    expect(compliancePercent(3, 3)).toBe(50);
    expect(compliancePercent(2, 1)).toBe(66.7);
    expect(compliancePercent(7, 4)).toBe(63.6);
    expect(compliancePercent(5, 0)).toBe(100);
    expect(compliancePercent(0, 5)).toBe(0);
    expect(compliancePercent(0, 0)).toBeNull(); // not 0 %, not 100 %
  });

  it('paused share: paused ÷ lifetime to 0.1; null without lifetime', () => {
    expect(pausedSharePercent(3180, 9960)).toBe(31.9);
    expect(pausedSharePercent(0, 100)).toBe(0);
    expect(pausedSharePercent(0, 0)).toBeNull();
  });
});

describe('sparkline', () => {
  it('absolute 0–100 % scale in eight steps; · for a day without data', () => {
    expect(sparkline([0, 12.4, 12.5, 25, 37.5, 50, 62.5, 75, 87.5, 100])).toBe('▁▁▂▃▄▅▆▇██');
    expect(sparkline([100, null, 66.7, 50, 0, 50, 75])).toBe('█·▆▅▁▅▇');
    expect(sparkline([])).toBe('');
  });
});

describe('compliance buckets (the sparkline of a long window stays one short line)', () => {
  /** Local dates from `first`, `n` of them. */
  const datesFrom = (first: string, n: number): string[] =>
    Array.from({ length: n }, (_, i) => new Date(Date.parse(first) + i * 86_400_000).toISOString().slice(0, 10));
  const day = (met: number, breached: number) => ({
    day: 0, firstResponse: { met, breached, pending: 0, compliancePercent: null },
    resolution: { met: 0, breached: 0, pending: 1, compliancePercent: null },
  });

  it('days up to SPARKLINE_MAX_BUCKETS, then Monday-to-Sunday weeks, months, quarters, years', () => {
    const unit = (first: string, n: number) => complianceBuckets(datesFrom(first, n), []).unit;
    expect(SPARKLINE_MAX_BUCKETS).toBe(16);
    expect(unit('2025-11-08', 7)).toBe('day');
    expect(unit('2025-11-01', 16)).toBe('day');
    expect(unit('2025-11-01', 17)).toBe('week');
    expect(unit('2025-11-01', 31)).toBe('week');
    expect(unit('2025-06-01', 183)).toBe('month');
    expect(unit('2024-11-15', 365)).toBe('month'); // 13 months
    expect(unit('2023-01-01', 3 * 365)).toBe('quarter');
    expect(unit('2016-01-01', 3660)).toBe('year');
    for (const n of [1, 7, 16, 17, 31, 90, 120, 183, 365, 500, 1000, 1500, 3660]) {
      expect(complianceBuckets(datesFrom('2025-01-01', n), []).buckets.length, `${n} days`).toBeLessThanOrEqual(SPARKLINE_MAX_BUCKETS);
    }
  });

  it('a bucket adds up the met and breached of its days (weeks start on Monday; edges partial)', () => {
    // Wed 2025-10-29 … Sun 2025-11-16 (19 days): weeks from Mon 10-27 (5 days here), 11-03, 11-10.
    const dates = datesFrom('2025-10-29', 19);
    const daily = dates.map((_, i) => (i < 5 ? day(1, 1) : i < 12 ? day(1, 0) : day(0, 0)));
    const { unit, buckets } = complianceBuckets(dates, daily);
    expect(unit).toBe('week');
    expect(buckets.map((b) => b.from)).toEqual(['2025-10-29', '2025-11-03', '2025-11-10']);
    expect(buckets.map((b) => b.firstResponse)).toEqual([
      { met: 5, breached: 5, pending: 0, compliancePercent: 50 },
      { met: 7, breached: 0, pending: 0, compliancePercent: 100 },
      { met: 0, breached: 0, pending: 0, compliancePercent: null },
    ]);
    expect(buckets[0].resolution).toEqual({ met: 0, breached: 0, pending: 5, compliancePercent: null });
    expect(sparkline(buckets.map((b) => b.firstResponse.compliancePercent))).toBe('▅█·');
  });
});

describe('time statistics', () => {
  it('average and percentiles in minutes (from hundredths), 2 decimals; nulls without values', () => {
    const t = timeStats(sortedTimes([[1000, 2000, 2500, 4500, 7500]]));
    expect(t).toEqual({ count: 5, avgMinutes: 35, p50Minutes: 25, p90Minutes: 75, p95Minutes: 75 });
    expect(timeStats(new Uint32Array(0))).toEqual({ count: 0, avgMinutes: null, p50Minutes: null, p90Minutes: null, p95Minutes: null });
    expect(timeStats(sortedTimes([[1, 2]])).avgMinutes).toBe(0.02); // 1.5 hundredths → 0.015 → 0.02
  });

  it('sortedTimes sorts numerically; mergeSorted merges any number of sorted arrays', () => {
    expect([...sortedTimes([[10, 9], [100, 1]])]).toEqual([1, 9, 10, 100]);
    fc.assert(fc.property(fc.array(fc.array(fc.nat({ max: 1e6 }), { maxLength: 20 }), { maxLength: 9 }), (parts) => {
      const merged = mergeSorted(parts.map((p) => sortedTimes([p])));
      expect([...merged]).toEqual(parts.flat().sort((a, b) => a - b));
    }));
  });
});

function counts(over: Partial<GroupCounts>): GroupCounts {
  return addCounts(emptyCounts(), { ...emptyCounts(), ...over });
}
const row = (key: string | null, day: number, c: Partial<GroupCounts>, fr: number[] = [], res: number[] = []): AggregateRow =>
  ({ key, day, counts: counts(c), times: { firstResponse: Uint32Array.from(fr), resolution: Uint32Array.from(res) } });

describe('assembleReport', () => {
  const rows = [
    row('high', 0, { tickets: 2, firstResponse: { met: 2, breached: 0, pending: 0 } }, [3000, 6000]),
    row('urgent', 0, { tickets: 1, firstResponse: { met: 0, breached: 1, pending: 0 } }, [4500]),
    row('urgent', 2, { tickets: 1, firstResponse: { met: 1, breached: 0, pending: 0 } }, [1000]),
    row('zzz', 1, { tickets: 5, withoutSla: 5 }),
    row(null, 1, { tickets: 1, firstResponse: { met: 0, breached: 0, pending: 1 } }),
  ];

  it('adds rows of the same key (days, slices), keeps the given key order, then others by volume', () => {
    const r = assembleReport(rows, { keys: ['urgent', 'high', 'medium'], order: 'order', days: 3 });
    expect(r.groups.map((g) => [g.key, g.tickets])).toEqual([['urgent', 2], ['high', 2], ['medium', 0], ['zzz', 5], [null, 1]]);
    const urgent = r.groups[0];
    expect(urgent.firstResponse).toEqual({ met: 1, breached: 1, pending: 0, compliancePercent: 50 });
    expect(urgent.firstResponseTimes).toEqual({ count: 2, avgMinutes: 27.5, p50Minutes: 10, p90Minutes: 45, p95Minutes: 45 });
    expect(r.groups[2].firstResponse.compliancePercent).toBeNull();
    expect(r.total.tickets).toBe(10);
    expect(r.total.withoutSla).toBe(5);
    expect(r.total.firstResponse).toEqual({ met: 3, breached: 1, pending: 1, compliancePercent: 75 });
    expect(r.total.firstResponseTimes).toEqual({ count: 4, avgMinutes: 36.25, p50Minutes: 30, p90Minutes: 60, p95Minutes: 60 });
    expect(r.daily.map((d) => d.firstResponse.compliancePercent)).toEqual([66.7, null, 100]);
  });

  it('volume order: most tickets first, then by name, no-value group last', () => {
    const r = assembleReport(rows, { order: 'volume', days: 0 });
    expect(r.groups.map((g) => g.key)).toEqual(['zzz', 'high', 'urgent', null]);
    expect(r.daily).toEqual([]);
  });

  it('notes carry the formula, and the no-SLA count when there is one', () => {
    expect(reportNotes(0).join(' ')).toMatch(/met ÷ \(met \+ breached\)/);
    expect(reportNotes(0).join(' ')).not.toMatch(/without an SLA/);
    expect(reportNotes(1).join(' ')).toMatch(/1 ticket without an SLA policy is counted in Tickets only/);
  });
});
