// Presentation of `sla report`: compliance colours against the goal, the terminal
// table's group limit, Markdown escaping, JSON names, and the window's local days.

import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/app/report.js';
import { reportWindow } from '../../src/domain/report-window.js';
import { groupObjectName, reportTable, TABLE_MAX_GROUPS } from '../../src/render/report.js';
import { addCounts, assembleReport, emptyCounts, type AggregateRow, type GroupCounts } from '../../src/domain/report.js';
import { mdCell, reportMarkdown } from '../../src/render/markdown.js';

const H = 3_600_000;

function row(key: string, met: number, breached: number): AggregateRow {
  const c: GroupCounts = addCounts(emptyCounts(), {
    ...emptyCounts(), tickets: met + breached,
    firstResponse: { met, breached, pending: 0 }, resolution: { met, breached, pending: 0 },
  });
  return { key, day: 0, counts: c, times: { firstResponse: Uint32Array.from([12500]), resolution: Uint32Array.from([30000]) } };
}

function report(rows: AggregateRow[], by: Report['by'] = 'priority'): Report {
  const window = reportWindow(Date.parse('2025-11-08T05:00:00Z'), Date.parse('2025-11-09T05:00:00Z'), 'America/New_York');
  return {
    by, window, now: Date.parse('2025-11-08T20:00:00Z'), zone: 'America/New_York', goal: 90, reevaluated: 0, urgentName: 'urgent',
    data: assembleReport(rows, { order: 'volume', days: 1 }),
  };
}

describe('table', () => {
  it('compliance is green at or above the goal, red below, plain without colour', async () => {
    const r = report([row('good', 19, 1), row('goal', 9, 1), row('bad', 1, 1)]);
    const coloured = await reportTable(r, true);
    expect(coloured).toContain('\u001b[32m95.0 %\u001b[39m'); // 19 / 20
    expect(coloured).toContain('\u001b[32m90.0 %\u001b[39m'); // exactly the goal
    expect(coloured).toContain('\u001b[31m50.0 %\u001b[39m');
    const plain = await reportTable(r, false);
    expect(plain).not.toMatch(/\u001b\[/);
    expect(plain).toMatch(/\| good +\| 20 +\| 19 +\| 1 +\| 0 +\| 95\.0 % +\|/);
    expect(plain).toContain('2h 05m'); // 125 minutes, humanised
    expect(plain).toContain('Compliance goal 90 %');
  });

  it(`shows the ${TABLE_MAX_GROUPS} biggest groups and says how many more there are`, async () => {
    const rows = Array.from({ length: TABLE_MAX_GROUPS + 5 }, (_, i) => row(`customer-${String(i).padStart(2, '0')}`, 100 - i, 0));
    const out = await reportTable(report(rows, 'customer'), false);
    expect(out).toContain('| customer-00 ');
    expect(out).not.toContain(`| customer-${TABLE_MAX_GROUPS} `);
    expect(out).toContain('… and 5 more customer groups');
    expect(out).toMatch(/\| TOTAL +\| 3510 +\|/); // the total still counts them all
  });

  it('says so when no ticket was created in the window', async () => {
    const out = await reportTable(report([]), false);
    expect(out).toContain('No tickets were created in this window.');
    expect(out).toContain('0 tickets');
  });
});

describe('markdown', () => {
  it('escapes what would break a table or format text', () => {
    expect(mdCell('a|b')).toBe('a\\|b');
    expect(mdCell('*bold* _x_ `c`\nnext')).toBe('\\*bold\\* \\_x\\_ \\`c\\` next');
  });

  it('one row per group, TOTAL in bold, compliance with %, the formula under it', () => {
    const md = reportMarkdown(report([row('ACME | EU', 9, 1)], 'customer'));
    expect(md).toContain('| Customer | Tickets | FR compliance |');
    expect(md).toContain('| ACME \\| EU | 10 | 90.0% | 9 / 1 / 0 | 90.0% | 9 / 1 / 0 | 2h 05m | 2h 05m | 5h 00m | 5h 00m |');
    expect(md).toContain('| **TOTAL** | **10** | **90.0%** |');
    expect(md).toMatch(/_Goal 90%\. Compliance % = met ÷ \(met \+ breached\) × 100/);
  });
});

describe('names and windows', () => {
  it('byPriority becomes by + the group name', () => {
    expect(groupObjectName('priority')).toBe('byPriority');
    expect(groupObjectName('breach_reason')).toBe('byBreachReason');
    expect(groupObjectName('day')).toBe('byDay');
  });

  it('local days across the spring-forward change (New York, 2026-03-08 is 23 h long)', () => {
    const from = Date.parse('2026-03-07T05:00:00Z'); // Sat 00:00 EST
    const to = Date.parse('2026-03-10T04:00:00Z'); // Tue 00:00 EDT
    const w = reportWindow(from, to, 'America/New_York');
    expect(w.dates).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(w.day.localEpoch).toBe(Date.UTC(2026, 2, 7));
    expect(w.day.offsets).toEqual([
      { until: Date.parse('2026-03-08T07:00:00Z'), offsetMs: -5 * H }, // 02:00 EST → 03:00 EDT
      { until: null, offsetMs: -4 * H },
    ]);
  });

  it('a window without a change has one offset', () => {
    const w = reportWindow(Date.parse('2025-11-08T05:00:00Z'), Date.parse('2025-11-15T05:00:00Z'), 'America/New_York');
    expect(w.dates).toHaveLength(7);
    expect(w.day.offsets).toEqual([{ until: null, offsetMs: -5 * H }]);
  });
});
