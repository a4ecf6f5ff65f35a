// Labels that must say what happened (issue 13): `show`'s Resolved and Closed instants,
// a null firstResponseTime for a ticket never answered (show, list, CSV, report), the
// report's sparkline of a long window on one short line, `list` dates with the year
// when it is not the current one, and `show`'s policy trace on the priority the
// targets were set for (not today's, after a priority raise).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sla } from '../support/cli.js';
import { tempDir, writeJson } from '../support/project.js';

const HEADER = 'id,subject,priority,status,created_at,first_response_at,resolved_at,closed_at,updated_at';

// 24×7 everywhere, so that every time below is plain arithmetic. enterprise-247 takes
// urgent tickets only (it matches on priority); standard takes the rest.
function config(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    database: 'sla.db',
    timezone: 'UTC',
    priorities: ['urgent', 'high', 'medium', 'low'],
    calendars: { always: '24x7' },
    policies: [
      { name: 'enterprise-247', match: { priority: ['urgent'] }, calendar: 'always',
        targets: { urgent: { firstResponse: '30m', resolution: '4h' } } },
      { name: 'standard', calendar: 'always',
        targets: { urgent: { firstResponse: '1h', resolution: '8h' }, high: { firstResponse: '2h', resolution: '16h' },
                   low: { firstResponse: '4h', resolution: '48h' } } },
    ],
    ...over,
  };
}

function setup(rows: string[], at: string, cfg = config()): string {
  const dir = tempDir('sla-labels-');
  writeJson(join(dir, 'sla.config.json'), cfg);
  importRows(dir, rows, at);
  return dir;
}

function importRows(dir: string, rows: string[], at: string, file = 't.csv'): void {
  writeFileSync(join(dir, file), [HEADER, ...rows].join('\n') + '\n');
  const r = sla(['--at', at, 'import', file], { cwd: dir });
  expect(r.code, r.stderr + r.stdout).toBe(0);
}

function out(dir: string, ...args: string[]): string {
  const r = sla(args, { cwd: dir });
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return r.stdout;
}
const json = (dir: string, ...args: string[]) => JSON.parse(out(dir, ...args, '--format', 'json'));

describe('sla show: Resolved and Closed', () => {
  it('prints the resolution instant under Resolved and the closing one under Closed, each as of --at', () => {
    const dir = setup([
      'A,Resolved then closed,high,closed,2025-11-03T09:00:00Z,2025-11-03T09:30:00Z,2025-11-03T12:00:00Z,2025-11-03T15:00:00Z,2025-11-03T15:00:00Z',
      'B,Only resolved,high,resolved,2025-11-03T09:00:00Z,2025-11-03T09:30:00Z,2025-11-03T12:00:00Z,,2025-11-03T12:00:00Z',
    ], '2025-11-03T16:00Z');
    const a = out(dir, '--at', '2025-11-03T16:00Z', 'show', 'A');
    expect(a).toMatch(/\nResolved: +2025-11-03 12:00 UTC\n/);
    expect(a).toMatch(/\nClosed: +2025-11-03 15:00 UTC\n/);
    expect(a).toMatch(/\nStatus: +closed, priority high\n/);
    const aj = json(dir, '--at', '2025-11-03T16:00Z', 'show', 'A');
    expect([aj.status, aj.resolvedAt, aj.closedAt, aj.resolutionTime]).toEqual(['closed', '2025-11-03T12:00:00Z', '2025-11-03T15:00:00Z', 180]);

    // Between the resolution and the close: resolved, not closed yet.
    const before = out(dir, '--at', '2025-11-03T13:00Z', 'show', 'A');
    expect(before).toMatch(/\nResolved: +2025-11-03 12:00 UTC\n/);
    expect(before).not.toMatch(/Closed:/);
    expect(json(dir, '--at', '2025-11-03T13:00Z', 'show', 'A').closedAt).toBeNull();

    const b = out(dir, '--at', '2025-11-03T16:00Z', 'show', 'B');
    expect(b).toMatch(/\nResolved: +2025-11-03 12:00 UTC\n/);
    expect(b).not.toMatch(/Closed:/);
  });
});

describe('firstResponseTime of a ticket never answered', () => {
  // N: resolved at 11:00 without any reply (its first-response clock stopped there, met);
  // R: answered at 09:30 (30 min), resolved at 12:00 (3 h); O: open, unanswered (first response due 11:00).
  const rows = [
    'N,Never answered,high,resolved,2025-11-03T09:00:00Z,,2025-11-03T11:00:00Z,,2025-11-03T11:00:00Z',
    'R,Answered,high,resolved,2025-11-03T09:00:00Z,2025-11-03T09:30:00Z,2025-11-03T12:00:00Z,,2025-11-03T12:00:00Z',
    'O,Open,high,open,2025-11-03T09:00:00Z,,,,2025-11-03T09:00:00Z',
  ];
  const AT = ['--at', '2025-11-03T16:00Z'];

  it('is null in show and list JSON and empty in the CSV (the clock still concluded: met); the table says "no reply"', () => {
    const dir = setup(rows, '2025-11-03T16:00Z');
    const n = json(dir, ...AT, 'show', 'N');
    expect(n.firstResponseTime).toBeNull();
    expect(n.firstResponseAt).toBeNull();
    expect(n.slaFirstResponseMet).toBe(true);
    expect(n.resolutionTime).toBe(120);
    expect(json(dir, ...AT, 'show', 'R').firstResponseTime).toBe(30);

    const all = json(dir, ...AT, 'list', '--all');
    expect(all.map((t: any) => [t.id, t.firstResponseTime, t.resolutionTime])).toEqual([['N', null, 120], ['O', null, null], ['R', 30, 180]]);

    const csv = out(dir, ...AT, 'list', '--all', '--format', 'csv').split('\r\n');
    const col = csv[0].split(',').indexOf('first_response_minutes');
    const cell = (id: string) => csv.find((l) => l.startsWith(`${id},`))!.split(',')[col];
    expect([cell('N'), cell('R'), cell('O')]).toEqual(['', '30', '']);

    const table = out(dir, ...AT, 'list', '--all');
    expect(table).toMatch(/\| N +\| 11-03 09:00 \| high +\| met, no reply +\| met 2h 00m +\|/);
    expect(table).toMatch(/\| R +\| 11-03 09:00 \| high +\| met 30m +\| met 3h 00m +\|/);
  });

  it('stays out of the report\'s first-response times (also when re-evaluated with --at in the past)', () => {
    const dir = setup(rows, '2025-11-03T16:00Z');
    for (const at of ['2025-11-03T16:00Z', '2025-11-03T12:30Z']) {
      const r = json(dir, '--at', at, 'report', '--days', '1');
      expect(r.firstResponse).toMatchObject({ met: 2, breached: 1 }); // N's clock is met all the same; O's is past due
      expect(r.totalResponseTimes).toMatchObject({
        firstResponseMeasured: 1, avgFirstResponseMinutes: 30, p50FirstResponseMinutes: 30, p95FirstResponseMinutes: 30,
        resolutionMeasured: 2, avgResolutionMinutes: 150,
      });
    }
    const csv = out(dir, ...AT, 'report', '--days', '1', '--format', 'csv').split('\r\n');
    const head = csv[0].split(',');
    const total = csv.find((l) => l.startsWith('TOTAL,'))!.split(',');
    expect(['fr_avg_min', 'fr_p50_min', 'fr_p90_min'].map((c) => total[head.indexOf(c)])).toEqual(['30', '30', '30']);
  });
});

describe('sla report: the compliance sparkline of a long window', () => {
  it('--days 365 is one line of monthly bars within 80 columns; days, weeks and years elsewhere', () => {
    // A ticket a month through 2025, each answered within its 2 h target or not.
    const rows = Array.from({ length: 12 }, (_, i) => {
      const m = String(i + 1).padStart(2, '0');
      const reply = i % 3 === 0 ? `2025-${m}-10T13:00:00Z` : `2025-${m}-10T10:00:00Z`; // 4 h late every third month
      return `M${m},Month ${m},high,resolved,2025-${m}-10T09:00:00Z,${reply},2025-${m}-10T14:00:00Z,,2025-${m}-10T14:00:00Z`;
    });
    const dir = setup(rows, '2025-12-31T12:00Z');
    const line = (...args: string[]): string => {
      const l = out(dir, '--at', '2025-12-31T12:00Z', 'report', ...args).split('\n').find((x) => / compliance {2}FR /.test(x));
      expect(l, args.join(' ')).toBeDefined();
      return l!;
    };
    const year = line('--days', '365');
    // 2025-01-01 … 2025-12-31: 12 months; FR 0 % in Jan, Apr, Jul, Oct, else 100 %.
    expect(year).toBe('Monthly compliance  FR ▁██▁██▁██▁██ 66.7 %  Res ████████████ 100.0 %');
    expect([...year].length).toBeLessThan(80);
    expect(line('--days', '7')).toMatch(/^Daily compliance {2}FR ·{7} — {2}Res ·{7} —$/);
    // 2025-12-02 … 12-31: 5 weeks from Monday (12-01 … 12-29); M12 (12-10) in the second.
    expect(line('--days', '30')).toBe('Weekly compliance  FR ·█··· 100.0 %  Res ·█··· 100.0 %');
    // 2025-08-04 … 12-31: 22 weeks, so 5 months (--by day: the rows are the days, the line the same).
    expect(line('--days', '150', '--by', 'day')).toBe('Monthly compliance  FR ██▁██ 80.0 %  Res █████ 100.0 %');
    const decade = line('--days', '3660');
    expect(decade).toMatch(/^Yearly compliance {2}FR ·{10}▆ 66\.7 % {2}Res ·{10}█ 100\.0 %$/); // 2015 … 2025
    // Markdown shows the same line.
    expect(out(dir, '--at', '2025-12-31T12:00Z', 'report', '--days', '365', '--format', 'markdown'))
      .toContain('Monthly compliance  FR ▁██▁██▁██▁██ 66.7%  Res ████████████ 100.0%');
  });
});

describe('sla list: dates with the year when it is not the current one', () => {
  it('--all: "11-03 09:00" within the year of now; "2025-11-03 09:00" once another year is shown', () => {
    const dir = setup([
      'Y1,Late in the year,high,resolved,2025-11-03T09:00:00Z,2025-11-03T09:30:00Z,2025-11-03T12:00:00Z,,2025-11-03T12:00:00Z',
      'Y2,Open,high,open,2025-12-30T09:00:00Z,,,,2025-12-30T09:00:00Z',
    ], '2025-12-30T10:00Z');
    const same = out(dir, '--at', '2025-12-30T10:00Z', 'list', '--all');
    expect(same).toMatch(/\| Y1 +\| 11-03 09:00 +\|/);
    expect(same).toMatch(/\| Y2 +\| 12-30 09:00 +\| high +\| due 12-30 11:00 +\| due 12-31 01:00 +\|/);

    // In January the same tickets are last year's: every date says its year.
    const next = out(dir, '--at', '2026-01-05T10:00Z', 'list', '--all');
    expect(next).toMatch(/\| Y1 +\| 2025-11-03 09:00 +\|/);
    expect(next).toMatch(/\| Y2 +\| 2025-12-30 09:00 +\| high +\| over 2025-12-30 11:00 +\| over 2025-12-31 01:00 +\|/);

    // Tickets of two years listed together: the year on every row, this year's too.
    importRows(dir, ['Y3,New year,high,open,2026-01-05T09:00:00Z,,,,2026-01-05T09:00:00Z'], '2026-01-05T10:00Z', 'u.csv');
    const both = out(dir, '--at', '2026-01-05T10:00Z', 'list', '--all');
    expect(both).toMatch(/\| Y1 +\| 2025-11-03 09:00 +\|/);
    expect(both).toMatch(/\| Y3 +\| 2026-01-05 09:00 +\| high +\| due 2026-01-05 11:00 +\|/);
    // Only this year's: no year.
    expect(out(dir, '--at', '2026-01-05T10:00Z', 'list', '--all', '--since', '2026-01-01')).toMatch(/\| Y3 +\| 01-05 09:00 +\| high +\| due 01-05 11:00 +\|/);
    // The open list too: a deadline of last year carries its year.
    expect(out(dir, '--at', '2026-01-05T10:00Z', 'list')).toMatch(/\| Y2 +\| high +\| breached +\| 2025-12-30 11:00 FR +\|/);
  });
});

describe('sla show: the policy trace agrees with the recorded policy after a priority raise', () => {
  it('a re-import raises low → urgent: the trace matches standard (set for low), not enterprise-247', () => {
    const dir = setup(['P1,Typo,low,open,2025-11-03T09:00:00Z,,,,2025-11-03T09:00:00Z'], '2025-11-03T09:00Z');
    importRows(dir, ['P1,Typo,urgent,open,2025-11-03T09:00:00Z,,,,2025-11-03T10:00:00Z'], '2025-11-03T10:00Z', 'u.csv');
    const j = json(dir, '--at', '2025-11-03T10:30Z', 'show', 'P1');
    expect([j.priority, j.policy, j.metrics.resolution.target]).toEqual(['urgent', 'standard', 48 * 60]);
    expect(j.policyTrace.find((t: any) => t.matched).name).toBe(j.policy);
    expect(j.policyTrace).toEqual([
      { name: 'enterprise-247', matched: false, reason: 'priority is "low", not one of urgent' },
      { name: 'standard', matched: true, reason: 'catch-all (no match rule)' },
    ]);
    expect(j.policyPriority).toBe('low');
    expect([j.currentConfigPolicy, j.policyDiffersFromConfig]).toEqual(['standard', false]);

    const table = out(dir, '--at', '2025-11-03T10:30Z', 'show', 'P1');
    expect(table).toMatch(/\nStatus: +open, priority urgent \(was low at creation; targets for low\)\n/);
    expect(table).toMatch(/\nSLA: +[A-Z_]+ — policy standard, calendar always\n/);
    expect(table).toMatch(/\nPolicy \(matched with priority low, which its targets were set for\)\n {2}skipped {2}enterprise-247: priority is "low", not one of urgent\n {2}matched {2}standard: catch-all/);
    expect(table).not.toMatch(/matched +enterprise-247/);
    expect(table).not.toMatch(/note:/);

    // Before the raise (--at): low, and nothing to explain.
    const early = out(dir, '--at', '2025-11-03T09:30Z', 'show', 'P1');
    expect(early).toMatch(/\nStatus: +open, priority low\n/);
    expect(early).toMatch(/\nPolicy\n/);

    // reset --recalculate re-selects with the current priority: from then on the trace uses it.
    expect(sla(['--at', '2025-11-03T11:00Z', 'reset', 'P1', '--recalculate', '--reason', 'now urgent'], { cwd: dir }).code).toBe(0);
    const after = json(dir, '--at', '2025-11-03T11:30Z', 'show', 'P1');
    expect(after.policy).toBe('enterprise-247');
    expect(after.policyTrace.find((t: any) => t.matched).name).toBe('enterprise-247');
    expect(after.policyPriority).toBe('urgent');
    expect(out(dir, '--at', '2025-11-03T11:30Z', 'show', 'P1')).toMatch(/\nStatus: +open, priority urgent \(was low at creation\)\n/);
  });

  it('an escalation rule raises the priority (check): the trace still matches the recorded policy', () => {
    const dir = setup(['E1,Slow page,high,open,2025-11-03T09:00:00Z,,,,2025-11-03T09:00:00Z'], '2025-11-03T09:00Z', config({
      escalations: [{ name: 'fr-overdue', when: { metric: 'first_response', overdueMinutes: 0 }, actions: { raisePriority: true } }],
    }));
    expect(sla(['--at', '2025-11-03T11:30Z', 'check'], { cwd: dir }).code).toBe(0); // high FR 2h → due 11:00
    const j = json(dir, '--at', '2025-11-03T11:30Z', 'show', 'E1');
    expect([j.priority, j.policy, j.policyPriority]).toEqual(['urgent', 'standard', 'high']);
    expect(j.policyTrace.find((t: any) => t.matched).name).toBe('standard');
    expect(j.policyDiffersFromConfig).toBe(false);
  });

  it('with recalculateOnPriorityChange the targets follow the priority, and so does the trace', () => {
    const dir = setup(['Z1,Typo,low,open,2025-11-03T09:00:00Z,,,,2025-11-03T09:00:00Z'], '2025-11-03T09:00Z',
      config({ recalculateOnPriorityChange: true }));
    importRows(dir, ['Z1,Typo,urgent,open,2025-11-03T09:00:00Z,,,,2025-11-03T10:00:00Z'], '2025-11-03T10:00Z', 'u.csv');
    const j = json(dir, '--at', '2025-11-03T10:30Z', 'show', 'Z1');
    expect([j.policy, j.metrics.resolution.target, j.policyPriority]).toEqual(['standard', 8 * 60, 'urgent']);
    // Today's config would give an urgent ticket enterprise-247: the trace and the note say the same.
    expect(j.policyTrace.find((t: any) => t.matched).name).toBe('enterprise-247');
    expect([j.currentConfigPolicy, j.policyDiffersFromConfig]).toEqual(['enterprise-247', true]);
    expect(out(dir, '--at', '2025-11-03T10:30Z', 'show', 'Z1')).toMatch(/\nStatus: +open, priority urgent \(was low at creation\)\n/);
  });
});
