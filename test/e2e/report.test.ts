// `sla report` end to end: the hand-made fixture test/fixtures/report/tickets.csv is
// imported, two tickets are escalated and one breach gets a reason, then every number
// of the JSON is checked against answers worked out BY HAND (below), plus CSV,
// Markdown and table output, and `--at` in the past.
//
// Config: timezone America/New_York (EST = UTC−5 in these weeks); calendars "always"
// (24×7) and "office" (Mon–Fri 09:00–17:00 New York = 14:00–22:00Z). Policies:
// enterprise-247 (tier enterprise, always): urgent FR 30m / RES 4h, high FR 1h / RES 8h;
// standard (office): urgent 1h / 8h, high 2h / 16h, medium 4h / 24h, no target for low
// (so low tickets get no SLA). At-risk at 80 %. Customer-waiting statuses pause.
//
// NOW = 2025-11-14T20:00:00Z (Fri 15:00 EST). `--days 7` = Sat 2025-11-08 00:00 EST
// (05:00Z) … Sat 2025-11-15 00:00 EST, exclusive. X1 (created 04:30Z = Fri 23:30 EST)
// is outside; U5 (05:00Z, exactly 00:00 EST) is inside; D1 (Sun 03:00Z) is Sat 22:00
// EST, so it counts on Saturday.
//
// Per ticket at NOW (FR / RES: class, SLA-clock minutes of stopped clocks):
//  U1 ent urgent  FR 20 met    RES 180 met
//  U2 ent urgent  FR 45 BR     RES 300 BR (reason: "waiting on engineering")
//  U3 ent urgent  FR 10 met    RES running 200 min ≥ 192 (80 %) → pending, at_risk; open
//  U4 ent urgent  FR running, due 14:30Z → BR; RES due 18:00Z → BR; open, unassigned; escalated
//  U5 ent urgent  FR 25 met    RES 180 met
//  U6 std urgent  created Wed 16:30 EST: FR 30+45 = 75 BR; RES 30+300 = 330 met
//  H1 std high    FR 60 met    RES 420+60 = 480 met
//  H2 std high    FR 90 met    RES paused since Wed 15:00Z at 480+60 = 540 → pending, paused; open
//  H3 ent high    FR 30 met    RES running 34 h > 8 h → BR; open
//  H4 std high    FR 30 met    RES running 360 < 768 → pending, on_time; open, unassigned
//  H5 std high    FR 150 BR    RES 360+120 = 480 met (customer "=cmd")
//  M1 std medium  (created Sat; clock starts Mon 09:00 EST) FR 60 met; RES 360 met
//  M2 std medium  FR 120+180 = 300 BR; RES 120+480+480+420 = 1500 BR
//  M3 std medium  FR running 480+480+360 = 1320 > 240 → BR; RES 1320 < 1440 → pending; open, unassigned; escalated
//  M4 std medium  FR 60 met    RES paused since 16:00Z (status pending) → pending, paused; open
//  D1 std medium  FR 30 met    RES 120 met
//  L1, L2 low: no SLA (L1 open)
//
// urgent: FR met 3 (U1 U3 U5) BR 3 (U2 U4 U6) pending 0 → 50.0 %; RES met 3 (U1 U5 U6)
//   BR 2 (U2 U4) pending 1 (U3) → 60.0 %. FR times [10,20,25,45,75]: avg 35, p50 = rank
//   ⌈2.5⌉ = 3 → 25, p90 rank 5 → 75, p95 → 75. RES [180,180,300,330]: avg 247.5, p50 rank 2
//   → 180, p90 rank ⌈3.6⌉ = 4 → 330, p95 → 330.
// high: FR 4/1/0 → 80.0 %; RES 2/1/2 → 66.7 %. FR [30,30,60,90,150] avg 72, p50 60, p90
//   150, p95 150. RES [480,480] avg 480, p50 rank 1 → 480, p90 480.
// medium: FR 3/2/0 → 60.0 %; RES 2/1/2 → 66.7 %. FR [30,60,60,300] avg 112.5, p50 rank 2
//   → 60, p90 rank 4 → 300. RES [120,360,1500] avg 660, p50 rank 2 → 360, p90 1500.
// low: 2 tickets, both without SLA: every count 0, compliance null ("—").
// TOTAL: 18 tickets, 2 without SLA. FR 10/6/0 → 62.5 %; RES 7/4/5 → 63.6 %. FR (14 values)
//   [10,20,25,30,30,30,45,60,60,60,75,90,150,300]: sum 985 → avg 70.36, p50 rank 7 → 45,
//   p90 rank ⌈12.6⌉ = 13 → 150, p95 rank 14 → 300. RES (9 values)
//   [120,180,180,300,330,360,480,480,1500]: sum 3930 → avg 436.67, p50 rank 5 → 330,
//   p90 rank 9 → 1500, p95 → 1500.
// Open 8 (U3 U4 H2 H3 H4 M3 M4 L1), unassigned 3 (U4 H4 M3), urgent-open 2 (U3 U4).
// statusCounts of open tickets with an SLA: on_time 1 (H4), at_risk 1 (U3), breached 3
//   (U4 H3 M3: the worst metric decides), paused 2 (H2 M4).
// Breached tickets 7 (U2 U4 U6 H3 H5 M2 M3). Escalations 2 (U4 urgent, M3 medium).
// Paused share (paused wall-clock ÷ lifetime, tickets with an SLA): H2 paused 53 h = 3180
//   min, M4 240 min. Lifetimes: urgent 180+300+200+360+180+1290 = 2510, high
//   1440+4680+2040+360+1440 = 9960, medium 3180+4380+3240+300+2220 = 13320. urgent 0/2510
//   = 0.0 %, high 3180/9960 = 31.9 %, medium 240/13320 = 1.8 %, total 3420/25790 = 13.3 %.
// Daily compliance (created day, EST): Sat 3 tickets FR 100 / RES 100; Sun none; Mon FR
//   66.7 / RES 66.7; Tue FR 50 / RES 0; Wed FR 0 / RES 100; Thu FR 50 / RES 50; Fri FR 75 /
//   RES 0 → sparklines (▁ < 12.5 % … █ ≥ 87.5 %, · no data): FR █·▆▅▁▅▇, RES █·▆▁█▅▁.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, sla } from '../support/cli.js';
import { tempDir, writeJson } from '../support/project.js';

const NOW = '2025-11-14T20:00:00Z';
const FIXTURE = join(ROOT, 'test', 'fixtures', 'report', 'tickets.csv');

const config = {
  database: 'sla.db',
  timezone: 'America/New_York',
  priorities: ['urgent', 'high', 'medium', 'low'],
  pauseOnCustomerWaiting: true,
  pauseStatuses: ['pending', 'waiting_customer'],
  atRiskThresholdPercent: 80,
  complianceGoalPercent: 90,
  calendars: {
    office: {
      timezone: 'America/New_York',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    },
    always: '24x7',
  },
  policies: [
    { name: 'enterprise-247', match: { tier: ['enterprise'] }, calendar: 'always',
      targets: { urgent: { firstResponse: '30m', resolution: '4h' }, high: { firstResponse: '1h', resolution: '8h' } } },
    { name: 'standard', calendar: 'office',
      targets: { urgent: { firstResponse: '1h', resolution: '8h' }, high: { firstResponse: '2h', resolution: '16h' },
                 medium: { firstResponse: '4h', resolution: '24h' } } },
  ],
};

let dir = '';
const run = (...args: string[]) => {
  const r = sla(args, { cwd: dir });
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return r.stdout;
};

const m = (met: number, breached: number, pending: number, compliancePercent: number | null) =>
  ({ met, breached, pending, compliancePercent });
const times = (fr: number[] | null, res: number[] | null, frN: number, resN: number) => ({
  avgFirstResponseMinutes: fr ? fr[0] : null, avgResolutionMinutes: res ? res[0] : null,
  p50FirstResponseMinutes: fr ? fr[1] : null, p50ResolutionMinutes: res ? res[1] : null,
  p90FirstResponseMinutes: fr ? fr[2] : null, p90ResolutionMinutes: res ? res[2] : null,
  p95FirstResponseMinutes: fr ? fr[3] : null, p95ResolutionMinutes: res ? res[3] : null,
  firstResponseMeasured: frN, resolutionMeasured: resN,
});

beforeAll(() => {
  dir = tempDir('sla-report-');
  writeJson(join(dir, 'sla.config.json'), config);
  run('--at', NOW, 'import', FIXTURE);
  run('--at', NOW, 'escalate', 'U4', '--reason', 'VIP outage');
  run('--at', NOW, 'escalate', 'M3', '--reason', 'stuck in tech');
  run('--at', NOW, 'reason', 'U2', 'waiting on engineering', '--metric', 'resolution');
});

describe('sla report --format json (every number worked out by hand)', () => {
  it('--days 7 by priority', () => {
    const r = JSON.parse(run('--at', NOW, 'report', '--days', '7', '--format', 'json'));
    expect(r.period).toEqual({
      from: '2025-11-08T05:00:00Z', to: '2025-11-15T05:00:00Z', days: 7, timezone: 'America/New_York', asOf: NOW,
    });
    expect(r.by).toBe('priority');
    expect(r.totalTickets).toBe(18);
    expect(r.ticketsWithoutSla).toBe(2);
    expect(r.complianceGoalPercent).toBe(90);
    expect(r.firstResponse).toEqual(m(10, 6, 0, 62.5));
    expect(r.resolution).toEqual(m(7, 4, 5, 63.6));
    expect(Object.keys(r.byPriority)).toEqual(['urgent', 'high', 'medium', 'low']);
    expect(r.byPriority).toEqual({
      urgent: {
        tickets: 6, ticketsWithoutSla: 0, firstResponse: m(3, 3, 0, 50), resolution: m(3, 2, 1, 60),
        open: 2, unassignedOpen: 1, urgentOpen: 2, breachedTickets: 3, escalations: 1, pausedTickets: 0, pausedSharePercent: 0,
        statusCounts: { on_time: 0, at_risk: 1, breached: 1, paused: 0 },
      },
      high: {
        tickets: 5, ticketsWithoutSla: 0, firstResponse: m(4, 1, 0, 80), resolution: m(2, 1, 2, 66.7),
        open: 3, unassignedOpen: 1, urgentOpen: 0, breachedTickets: 2, escalations: 0, pausedTickets: 1, pausedSharePercent: 31.9,
        statusCounts: { on_time: 1, at_risk: 0, breached: 1, paused: 1 },
      },
      medium: {
        tickets: 5, ticketsWithoutSla: 0, firstResponse: m(3, 2, 0, 60), resolution: m(2, 1, 2, 66.7),
        open: 2, unassignedOpen: 1, urgentOpen: 0, breachedTickets: 2, escalations: 1, pausedTickets: 1, pausedSharePercent: 1.8,
        statusCounts: { on_time: 0, at_risk: 0, breached: 1, paused: 1 },
      },
      low: {
        tickets: 2, ticketsWithoutSla: 2, firstResponse: m(0, 0, 0, null), resolution: m(0, 0, 0, null),
        open: 1, unassignedOpen: 0, urgentOpen: 0, breachedTickets: 0, escalations: 0, pausedTickets: 0, pausedSharePercent: null,
        statusCounts: { on_time: 0, at_risk: 0, breached: 0, paused: 0 },
      },
    });
    expect(r.responseTimes).toEqual({
      urgent: times([35, 25, 75, 75], [247.5, 180, 330, 330], 5, 4),
      high: times([72, 60, 150, 150], [480, 480, 480, 480], 5, 2),
      medium: times([112.5, 60, 300, 300], [660, 360, 1500, 1500], 4, 3),
      low: times(null, null, 0, 0),
    });
    expect(r.totalResponseTimes).toEqual(times([70.36, 45, 150, 300], [436.67, 330, 1500, 1500], 14, 9));
    expect(r.statusCounts).toEqual({ on_time: 1, at_risk: 1, breached: 3, paused: 2 });
    expect([r.open, r.unassignedOpen, r.urgentOpen, r.breachedTickets, r.escalations, r.pausedTickets, r.pausedSharePercent])
      .toEqual([8, 3, 2, 7, 2, 2, 13.3]);
    expect(r.formula).toMatch(/met \/ \(met \+ breached\)/);
  });

  it('--by day: one row per local day (zone boundaries), empty days included', () => {
    const r = JSON.parse(run('--at', NOW, 'report', '--by', 'day', '--format', 'json'));
    const rows = Object.entries(r.byDay as Record<string, any>).map(([d, g]) =>
      [d, g.tickets, g.firstResponse.compliancePercent, g.resolution.compliancePercent]);
    expect(rows).toEqual([
      ['2025-11-08', 3, 100, 100], // U5 (00:00 EST), M1, D1 (Sun 03:00Z = Sat 22:00 EST)
      ['2025-11-09', 0, null, null],
      ['2025-11-10', 3, 66.7, 66.7],
      ['2025-11-11', 3, 50, 0],
      ['2025-11-12', 3, 0, 100],
      ['2025-11-13', 2, 50, 50],
      ['2025-11-14', 4, 75, 0],
    ]);
    expect(r.totalTickets).toBe(18);
  });

  it('--by breach_reason groups by the recorded reason', () => {
    const r = JSON.parse(run('--at', NOW, 'report', '--by', 'breach_reason', '--format', 'json'));
    const tickets = Object.fromEntries(Object.entries(r.byBreachReason as Record<string, any>).map(([k, g]) => [k, g.tickets]));
    expect(tickets).toEqual({ '(not breached)': 11, '(no reason recorded)': 6, 'waiting on engineering': 1 });
    expect(r.byBreachReason['waiting on engineering'].resolution).toEqual(m(0, 1, 0, 0));
  });
});

describe('sla report --at in the past', () => {
  // At Wed 2025-11-12T20:00Z (15:00 EST) the window holds the 11 tickets created by then
  // (U6, created 21:30Z, and everything later is not there yet):
  //  U5 M1 D1 U1 H1: met/met. U2: BR/BR. M2: FR 300 BR; RES running 120+480+360 = 960 →
  //  pending (resolved only on Thursday), open, slaStatus breached. H2: FR met; RES paused
  //  since 15:00Z (5 h) → pending, paused. M3: FR 360 > 240 → BR; RES pending; open,
  //  unassigned. L1 open, L2 resolved at 19:00Z (both without SLA).
  //  FR 6/3/0 → 66.7 %; RES 5/1/3 → 83.3 %. Open 4 (M2 H2 L1 M3), unassigned 1 (M3),
  //  urgent-open 0; statusCounts breached 2 (M2 M3), paused 1 (H2). Escalations 0 (both
  //  happened on Friday). Paused share 300 / (180+3180+2220+180+1440+2880+300+1800+360 =
  //  12540) = 2.4 %. medium: FR [30,60,300] avg 130 p50 60 p90 300; RES [120,360] avg 240
  //  p50 120 p90 360; FR 2/2/0 → 50 %, RES 2/0/2 → 100 %.
  it('re-evaluates the history at that instant: the numbers are those of Wednesday, not today', () => {
    const r = JSON.parse(run('--at', '2025-11-12T20:00:00Z', 'report', '--since', '2025-11-08', '--until', '2025-11-15', '--format', 'json'));
    expect(r.period).toEqual({
      from: '2025-11-08T05:00:00Z', to: '2025-11-15T05:00:00Z', days: 7, timezone: 'America/New_York', asOf: '2025-11-12T20:00:00Z',
    });
    expect(r.totalTickets).toBe(11);
    expect(r.ticketsWithoutSla).toBe(2);
    expect(r.firstResponse).toEqual(m(6, 3, 0, 66.7));
    expect(r.resolution).toEqual(m(5, 1, 3, 83.3));
    expect(r.statusCounts).toEqual({ on_time: 0, at_risk: 0, breached: 2, paused: 1 });
    expect([r.open, r.unassignedOpen, r.urgentOpen, r.breachedTickets, r.escalations, r.pausedTickets, r.pausedSharePercent])
      .toEqual([4, 1, 0, 3, 0, 1, 2.4]);
    expect(r.byPriority.medium.firstResponse).toEqual(m(2, 2, 0, 50));
    expect(r.byPriority.medium.resolution).toEqual(m(2, 0, 2, 100));
    expect(r.responseTimes.medium).toEqual(times([130, 60, 300, 300], [240, 120, 360, 360], 3, 2));
    expect(Object.fromEntries(Object.entries(r.byPriority as Record<string, any>).map(([k, g]) => [k, g.tickets])))
      .toEqual({ urgent: 3, high: 2, medium: 4, low: 2 });
  });
});

describe('sla report as CSV, Markdown and table', () => {
  it('CSV: header, one row per group plus TOTAL, raw numbers, formula cells neutralised; --excel adds a BOM', () => {
    const csv = run('--at', NOW, 'report', '--by', 'customer', '--format', 'csv');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'customer,tickets,tickets_without_sla,fr_met,fr_breached,fr_pending,fr_compliance_percent,' +
      'res_met,res_breached,res_pending,res_compliance_percent,fr_avg_min,fr_p50_min,fr_p90_min,fr_p95_min,' +
      'res_avg_min,res_p50_min,res_p90_min,res_p95_min,open,unassigned_open,urgent_open,' +
      'open_on_time,open_at_risk,open_breached,open_paused,breached_tickets,escalations,paused_tickets,paused_share_percent',
    );
    // Most tickets first: globex 7, acme 6, initech 4, "=cmd" 1 (H5: FR 150 BR, RES 480 met).
    expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(['globex', 'acme', 'initech', "'=cmd", 'TOTAL']);
    expect(lines[4]).toBe("'=cmd,1,0,0,1,0,0,1,0,0,100,150,150,150,150,480,480,480,480,0,0,0,0,0,0,0,1,0,0,0");
    expect(lines[5]).toBe('TOTAL,18,2,10,6,0,62.5,7,4,5,63.6,70.36,45,150,300,436.67,330,1500,1500,8,3,2,1,1,3,2,7,2,2,13.3');
    expect(lines[6]).toBe('');
    const excel = run('--at', NOW, 'report', '--by', 'customer', '--format', 'csv', '--excel');
    expect(excel.startsWith('\uFEFFcustomer,tickets,')).toBe(true);
    expect(excel.slice(1)).toBe(csv);
  });

  it('Markdown: a pasteable table with the TOTAL row and the formula', () => {
    const md = run('--at', NOW, 'report', '--format', 'markdown');
    expect(md).toContain('| Priority | Tickets | FR compliance | FR met / breached / pending | Res compliance |');
    expect(md).toContain('| urgent | 6 | 50.0% | 3 / 3 / 0 | 60.0% | 3 / 2 / 1 | 25m | 1h 15m | 3h 00m | 5h 30m | 2 | 1 | 1 |');
    expect(md).toContain('| low | 2 | — | 0 / 0 / 0 | — | 0 / 0 / 0 | — | — | — | — | 1 | 0 | 0 |');
    expect(md).toContain('| **TOTAL** | **18** | **62.5%** | **10 / 6 / 0** | **63.6%** | **7 / 4 / 5** |');
    expect(md).toMatch(/Compliance % = met ÷ \(met \+ breached\) × 100/);
    expect(md).toContain('Daily compliance  FR █·▆▅▁▅▇ 62.5%  Res █·▆▁█▅▁ 63.6%');
  });

  it('table: aligned columns, humanised durations, sparkline, formula and the no-SLA note', () => {
    // In a pipe the page is 80 characters wide: prose wraps, and a table too wide is cut by
    // columns into tables that each repeat the group column (a metric's columns kept together).
    const out = run('--at', NOW, 'report');
    expect(out.split('\n').filter((l) => [...l].length > 80)).toEqual([]);
    const prose = out.replace(/([^\n])\n(?=[^|+\n])/g, '$1 '); // wrapped lines joined again
    expect(prose).toContain('SLA report · 2025-11-08 → 2025-11-14 (7 days, America/New_York) · as of 2025-11-14 15:00 EST · by priority');
    expect(prose).toContain('18 tickets · open 8 (unassigned 3, urgent 2) · breached tickets 7 · escalations 2 · paused share 13.3 %');
    expect(out).toContain('\nDaily compliance  FR █·▆▅▁▅▇ 62.5 %  Res █·▆▁█▅▁ 63.6 %\n');
    /** A section's rows by their first cell, the cells of every part of a cut table put together. */
    const rowsOf = (section: string): Map<string, string[]> => {
      const rows = new Map<string, string[]>();
      for (const l of section.split('\n')) {
        if (!l.startsWith('|')) continue;
        const [k, ...cells] = l.split('|').slice(1, -1).map((c) => c.trim());
        rows.set(k, [...(rows.get(k) ?? []), ...cells]);
      }
      return rows;
    };
    const [compliance, rest] = out.split('Response times (SLA clock, stopped clocks)');
    const [responseTimes] = rest.split('Open tickets by SLA status');
    const c = rowsOf(compliance);
    expect(c.get('Priority')).toEqual(['Tickets', 'FR met', 'FR breached', 'FR pending', 'FR compliance', 'Res met', 'Res breached',
      'Res pending', 'Res compliance', 'Escalations']);
    expect(c.get('TOTAL')).toEqual(['18', '10', '6', '0', '62.5 %', '7', '4', '5', '63.6 %', '2']);
    expect(c.get('low')!.slice(0, 5)).toEqual(['2', '0', '0', '0', '—']);
    // FR avg 70.36 min, p50 45, p90 150, p95 300; RES avg 436.67, p50 330, p90/p95 1500.
    expect(rowsOf(responseTimes).get('TOTAL')).toEqual(['1h 10m', '45m', '2h 30m', '5h 00m', '7h 17m', '5h 30m', '25h 00m', '25h 00m']);
    // A metric's four columns stay in one table.
    const heads = compliance.split('\n').filter((l) => l.startsWith('| Priority'));
    expect(heads.length).toBeGreaterThan(1);
    for (const h of heads) expect(h.includes('FR') && h.includes('Res'), h).toBe(false);
    expect(prose).toContain('Compliance % = met ÷ (met + breached) × 100');
    expect(prose).toContain('2 tickets without an SLA policy are counted in Tickets only');
    // Aligned: every line of each table has the same width.
    for (const block of out.split(/\n(?![|+])/).map((b) => b.split('\n').filter((l) => l.startsWith('|') || l.startsWith('+')))) {
      if (block.length) expect(new Set(block.map((l) => l.length)).size, block[0]).toBe(1);
    }
  });

  it('refuses bad options with exit 2 and a hint', () => {
    for (const args of [['--days', '0'], ['--by', 'colour'], ['--until', '2025-11-01'], ['--since', '2025-11-10', '--until', '2025-11-09'], ['--excel']]) {
      const r = sla(['--at', NOW, 'report', ...args], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^sla: .+ — .+/);
    }
  });
});
