// Agents' commands through the real CLI: pause, resume, reset, reason, recalc,
// show, list, audit — happy paths, refusals (exit code, one line, nothing
// written) and `--at`.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Result, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

const HEADER = 'id,subject,customer,tier,priority,status,assignee,created_at,first_response_at,resolved_at,updated_at';

function setup(rows: string[], importAt: string, config = baseConfig()): string {
  const dir = tempDir('sla-agents-');
  writeJson(join(dir, 'sla.config.json'), config);
  writeFileSync(join(dir, 't.csv'), [HEADER, ...rows].join('\n') + '\n');
  const r = sla(['--at', importAt, 'import', 't.csv'], { cwd: dir });
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return dir;
}

const run = (dir: string, args: string[], env?: NodeJS.ProcessEnv): Result => sla(args, { cwd: dir, env });
function json<T = any>(dir: string, args: string[]): T {
  const r = run(dir, [...args, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
const show = (dir: string, id: string, at: string) => json(dir, ['--at', at, 'show', id]);
const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);

/** A refusal: exit 1, one line on stderr saying `pattern`, nothing on stdout. */
function refused(r: Result, pattern: RegExp, code = 1): void {
  expect(r.code, r.stdout + r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^sla: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stdout).toBe('');
}

// enterprise-247: tier enterprise, 24x7, urgent 30m/8h × 0.5 = 15m / 4h.
const ENT = (id: string, created: string, reply = ''): string =>
  `${id},Printer on fire,acme,enterprise,urgent,open,ana,${created},${reply},,`;

describe('pause and resume', () => {
  it('SPEC §1: created 14:00Z, paused 15:00Z, resumed 16:30Z → resolution due 18:00Z → 19:30Z, 90 min paused; audited with actor and before/after', () => {
    const dir = setup([ENT('T1', '2025-11-03T14:00:00Z', '2025-11-03T14:05:00Z')], '2025-11-03T14:00Z');
    expect(show(dir, 'T1', '2025-11-03T14:30Z').slaResolutionDue).toBe('2025-11-03T18:00:00Z');

    const p = run(dir, ['--at', '2025-11-03T15:00Z', '--actor', 'ana', 'pause', 'T1', '--reason', 'waiting for logs']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^paused T1 at 2025-11-03 15:00 UTC — waiting for logs/);
    const during = show(dir, 'T1', '2025-11-03T16:00Z');
    expect(during.slaStatus).toBe('paused');
    expect(during.slaPausedAt).toBe('2025-11-03T15:00:00Z');
    expect(during.slaResolutionDue).toBeNull();

    const r = run(dir, ['--at', '2025-11-03T16:30Z', 'resume', 'T1'], { SLA_ACTOR: 'bo' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/after 1h 30m paused/);
    const after = show(dir, 'T1', '2025-11-03T17:00Z');
    expect(after.slaResolutionDue).toBe('2025-11-03T19:30:00Z');
    expect(after.slaTotalPausedTime).toBe(90);
    expect(after.slaPausedAt).toBeNull();
    expect(after.metrics.resolution.elapsed).toBe(90); // 14:00–15:00 + 16:30–17:00

    // --at gives the state at that instant: still paused at 16:00, later history hidden.
    const past = show(dir, 'T1', '2025-11-03T16:00Z');
    expect(past.events.map((e: any) => e.type)).toEqual(['status', 'reply', 'pause']);
    expect(past.audit.map((a: any) => a.action)).toEqual(['pause']);

    const audit = json(dir, ['audit', 'T1']);
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      at: '2025-11-03T15:00:00Z', actor: 'ana', action: 'pause', ticketId: 'T1', reason: 'waiting for logs',
      before: { slaStatus: 'on_time', resolutionDue: '2025-11-03T18:00:00Z' },
      after: { slaStatus: 'paused', resolutionDue: null, pausedAt: '2025-11-03T15:00:00Z' },
    });
    expect(audit[1]).toMatchObject({
      at: '2025-11-03T16:30:00Z', actor: 'bo', action: 'resume', reason: null,
      before: { slaStatus: 'paused', resolutionDue: null }, after: { slaStatus: 'on_time', resolutionDue: '2025-11-03T19:30:00Z', pausedFor: 90 },
    });
  });

  it('--until resumes by itself (instant or duration); a read after it sees the pause ended; resume then refuses', () => {
    const dir = setup([ENT('U1', '2025-11-03T14:00:00Z', '2025-11-03T14:05:00Z'), ENT('U2', '2025-11-03T14:00:00Z', '2025-11-03T14:05:00Z')], '2025-11-03T14:00Z');
    expect(run(dir, ['--at', '2025-11-03T15:00Z', 'pause', 'U1', '--reason', 'lunch', '--until', '2025-11-03T16:00']).code).toBe(0);
    expect(run(dir, ['--at', '2025-11-03T15:00Z', 'pause', 'U2', '--reason', 'vendor', '--until', '90m']).code).toBe(0);
    expect(show(dir, 'U1', '2025-11-03T15:30Z').slaStatus).toBe('paused');
    const u1 = show(dir, 'U1', '2025-11-03T17:00Z');
    expect(u1.slaStatus).toBe('on_time');
    expect(u1.slaTotalPausedTime).toBe(60);
    expect(u1.slaResolutionDue).toBe('2025-11-03T19:00:00Z');
    const u2 = show(dir, 'U2', '2025-11-03T17:00Z');
    expect(u2.slaTotalPausedTime).toBe(90);
    expect(u2.slaResolutionDue).toBe('2025-11-03T19:30:00Z');
    expect(json(dir, ['audit', 'U2'])[0].after.pauseUntil).toBe('2025-11-03T16:30:00Z');

    // list sees the ended pauses too (their stored state is from 15:00, still "paused").
    expect(ids(json(dir, ['--at', '2025-11-03T15:45Z', 'list', '--status', 'paused']))).toEqual(['U1', 'U2']);
    expect(ids(json(dir, ['--at', '2025-11-03T16:15Z', 'list', '--status', 'paused']))).toEqual(['U2']);
    expect(ids(json(dir, ['--at', '2025-11-03T17:00Z', 'list', '--status', 'paused']))).toEqual([]);
    expect(ids(json(dir, ['--at', '2025-11-03T17:00Z', 'list', '--status', 'on_time']))).toEqual(['U1', 'U2']);

    refused(run(dir, ['--at', '2025-11-03T17:00Z', 'resume', 'U1']), /U1 is not paused \(its pause ended by itself at 2025-11-03 16:00 UTC\)/);
    refused(run(dir, ['--at', '2025-11-03T17:00Z', 'pause', 'U1', '--reason', 'x', '--until', '2025-11-03T16:59Z']), /--until .* is not after/, 2);
    refused(run(dir, ['--at', '2025-11-03T17:00Z', 'pause', 'U1', '--reason', 'x', '--until', 'tomorrow']), /neither a time nor a duration/, 2);
  });
});

describe('refusals: one clear line, exit 1, nothing written', () => {
  let dir: string;
  beforeAll(() => {
    dir = setup([
      ENT('R1', '2025-11-03T14:00:00Z'),
      'R2,Waiting,acme,enterprise,urgent,pending,ana,2025-11-03T14:00:00Z,,,2025-11-03T14:10:00Z',
      'R3,Done,acme,enterprise,urgent,closed,ana,2025-11-03T14:00:00Z,2025-11-03T14:05:00Z,2025-11-03T14:30:00Z,2025-11-03T14:40:00Z',
      'R4,Solved,acme,enterprise,urgent,resolved,ana,2025-11-03T14:00:00Z,2025-11-03T14:05:00Z,2025-11-03T14:30:00Z,',
    ], '2025-11-03T15:00Z');
    expect(run(dir, ['--at', '2025-11-03T15:00Z', 'pause', 'R1', '--reason', 'first']).code).toBe(0);
  });

  const at = ['--at', '2025-11-03T15:10Z'];
  const cases: Array<[string, string[], RegExp, number?]> = [
    ['pause without --reason', ['pause', 'R1'], /pause needs a reason/],
    ['pause with a blank reason', ['pause', 'R1', '--reason', '  '], /pause needs a reason/],
    ['pause of an unknown ticket', ['pause', 'NOPE', '--reason', 'x'], /ticket NOPE not found/],
    ['pause of a paused ticket', ['pause', 'R1', '--reason', 'again'], /R1 is already paused since 2025-11-03 15:00 UTC by tester/],
    ['pause of a ticket paused by its status', ['pause', 'R2', '--reason', 'x'], /R2 is already paused: its status is pending/],
    ['pause of a closed ticket', ['pause', 'R3', '--reason', 'x'], /R3 is closed/],
    ['pause of a resolved ticket', ['pause', 'R4', '--reason', 'x'], /R4 is resolved/],
    ['resume of a ticket not paused', ['resume', 'R4'], /R4 is not paused/],
    ['resume of a ticket paused by its status', ['resume', 'R2'], /R2 is not paused by sla pause: its status is pending/],
    ['resume of an unknown ticket', ['resume', 'NOPE'], /ticket NOPE not found/],
    ['reset without --reason', ['reset', 'R1'], /reset needs a reason/],
    ['reset of an unknown ticket', ['reset', 'NOPE', '--reason', 'x'], /ticket NOPE not found/],
    ['reset of a closed ticket without --recalculate', ['reset', 'R3', '--reason', 'x'], /R3 is closed: there is no clock to restart/],
    ['reason for a metric that has not breached', ['reason', 'R1', 'slow vendor', '--metric', 'resolution'], /R1's resolution has not breached/],
    ['reason for a ticket that has not breached', ['reason', 'R4', 'slow vendor'], /R4 has not breached/],
    ['reason for an unknown ticket', ['reason', 'NOPE', 'x'], /ticket NOPE not found/],
    ['reason with a bad --metric', ['reason', 'R1', 'x', '--metric', 'speed'], /--metric "speed" is not a metric/, 2],
    ['pause before the ticket existed (--at)', ['pause', 'R4', '--reason', 'x', '--at', '2025-11-03T13:00Z'], /R4 did not exist yet at 2025-11-03T13:00:00Z/],
  ];
  const snapshot = (): string[] => [
    run(dir, ['audit', '--format', 'json']).stdout,
    ...['R1', 'R2', 'R3', 'R4'].map((id) => run(dir, [...at, 'show', id, '--format', 'json']).stdout),
  ];
  let before: string[];
  it('(the state before)', () => { before = snapshot(); expect(before[0]).toMatch(/"action":"pause"/); });
  it.each(cases)('%s', (_name, args, pattern, code) => {
    refused(run(dir, [...at, ...args]), pattern, code ?? 1);
  });
  it('none of them wrote anything (audit log, histories and stored states unchanged)', () => {
    expect(snapshot()).toEqual(before);
  });
});

describe('reset', () => {
  it('without --recalculate: a new cycle, clocks restart now with the same targets', () => {
    const dir = setup([ENT('X1', '2025-11-03T14:00:00Z')], '2025-11-03T14:00Z');
    expect(show(dir, 'X1', '2025-11-03T16:00Z').metrics.first_response.status).toBe('breached');
    const r = run(dir, ['--at', '2025-11-03T16:00Z', 'reset', 'X1', '--reason', 'customer changed the request']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SLA cycle 1, clocks restart at 2025-11-03 16:00 UTC/);
    const s = show(dir, 'X1', '2025-11-03T16:05Z');
    expect(s.cycle).toBe(1);
    expect(s.slaStatus).toBe('on_time');
    expect(s.slaResolutionDue).toBe('2025-11-03T20:00:00Z');
    expect(s.slaFirstResponseDue).toBe('2025-11-03T16:15:00Z');
    expect(s.metrics.resolution.startedAt).toBe('2025-11-03T16:00:00Z');
    // before the reset, the old cycle is what --at shows
    expect(show(dir, 'X1', '2025-11-03T15:59Z').slaResolutionDue).toBe('2025-11-03T18:00:00Z');
    const [a] = json(dir, ['audit', 'X1']);
    expect(a).toMatchObject({ action: 'reset', reason: 'customer changed the request', before: { cycle: 0, slaStatus: 'breached' }, after: { cycle: 1, recalculate: false, resolutionDue: '2025-11-03T20:00:00Z' } });
  });

  it('--recalculate re-selects targets from the current fields, measured from the original start', () => {
    // standard policy (office hours Mon–Fri 09–17 UTC): low = 16h / 96h; urgent = 30m / 4h.
    const dir = setup(['Y1,Typo,acme,,low,open,ana,2025-11-03T09:00:00Z,,,2025-11-03T09:00:00Z'], '2025-11-03T09:00Z');
    writeFileSync(join(dir, 'u.csv'), `${HEADER}\nY1,Typo,acme,,urgent,open,ana,2025-11-03T09:00:00Z,,,2025-11-03T10:00:00Z\n`);
    expect(run(dir, ['--at', '2025-11-03T10:00Z', 'import', 'u.csv']).code).toBe(0);
    // A priority change keeps the promise made (recalculateOnPriorityChange is off).
    expect(show(dir, 'Y1', '2025-11-03T10:30Z').metrics.resolution.target).toBe(96 * 60);
    const r = run(dir, ['--at', '2025-11-03T10:30Z', 'reset', 'Y1', '--reason', 'priority was wrong', '--recalculate']);
    expect(r.code, r.stderr).toBe(0);
    const s = show(dir, 'Y1', '2025-11-03T10:30Z');
    expect(s.metrics.resolution.target).toBe(240);
    expect(s.slaResolutionDue).toBe('2025-11-03T13:00:00Z');
    expect(s.metrics.first_response.status).toBe('breached'); // 30 min from 09:00
    expect(s.metrics.resolution.startedAt).toBe('2025-11-03T09:00:00Z');
    expect(s.cycle).toBe(1);
    const [a] = json(dir, ['audit', 'Y1']);
    expect(a.before).toMatchObject({ resolutionTarget: 5760 });
    expect(a.after).toMatchObject({ resolutionTarget: 240, recalculate: true, resolutionDue: '2025-11-03T13:00:00Z' });
  });
});

describe('reason', () => {
  it('records why the breached metric breached, shown by show, list and audit', () => {
    const dir = setup([ENT('B1', '2025-11-03T14:00:00Z')], '2025-11-03T14:00Z');
    // At 14:20 only the first response (15 min) has breached: the default metric is it.
    const r = run(dir, ['--at', '2025-11-03T14:20Z', 'reason', 'B1', 'nobody on shift']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/first response breached: nobody on shift/);
    expect(run(dir, ['--at', '2025-11-03T19:00Z', 'reason', 'B1', 'waiting on engineering fix', '--metric', 'resolution']).code).toBe(0);
    expect(show(dir, 'B1', '2025-11-03T19:00Z').breachReasons).toEqual({ first_response: 'nobody on shift', resolution: 'waiting on engineering fix' });
    expect(json(dir, ['--at', '2025-11-03T19:00Z', 'list'])[0].breachReasons.resolution).toBe('waiting on engineering fix');
    const audit = json(dir, ['audit', 'B1']);
    expect(audit.map((a: any) => a.after)).toEqual([
      { metric: 'first_response', breachReason: 'nobody on shift' },
      { metric: 'resolution', breachReason: 'waiting on engineering fix' },
    ]);
  });
});

describe('recalc', () => {
  it('shows how many deadlines move and by how much, changes nothing with --dry-run, then applies in one go', () => {
    const rows = [
      'C1,a,acme,,urgent,open,ana,2025-11-03T09:00:00Z,,,',
      'C2,b,acme,,urgent,open,ana,2025-11-03T10:00:00Z,,,',
      'C3,c,acme,,high,open,ana,2025-11-03T10:00:00Z,,,',
      'C4,d,acme,,urgent,resolved,ana,2025-11-03T09:00:00Z,2025-11-03T09:10:00Z,2025-11-03T10:00:00Z,',
    ];
    const dir = setup(rows, '2025-11-03T10:00Z');
    const config = baseConfig() as any;
    config.policies[1].targets.urgent.resolution = '6h';
    writeJson(join(dir, 'sla.config.json'), config);

    const dry = run(dir, ['--at', '2025-11-03T10:30Z', 'recalc', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/3 open tickets; 2 would get a new policy or targets/);
    expect(dry.stdout).toMatch(/resolution deadlines: 2 move \(2 later, 0 earlier\): min \+2h 00m, median \+2h 00m, max \+2h 00m/);
    expect(dry.stdout).toMatch(/dry run: nothing was changed/);
    expect(show(dir, 'C1', '2025-11-03T10:30Z').slaResolutionDue).toBe('2025-11-03T13:00:00Z');
    expect(json(dir, ['audit'])).toEqual([]);

    const plan = json(dir, ['--at', '2025-11-03T10:30Z', 'recalc', '--dry-run']);
    expect(plan.tickets.map((t: any) => [t.id, t.resolutionDue.before, t.resolutionDue.after])).toEqual([
      ['C1', '2025-11-03T13:00:00Z', '2025-11-03T15:00:00Z'],
      ['C2', '2025-11-03T14:00:00Z', '2025-11-03T16:00:00Z'],
    ]);

    const apply = run(dir, ['--at', '2025-11-03T10:30Z', 'recalc']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/applied: 2 ticket\(s\) retargeted/);
    const c1 = show(dir, 'C1', '2025-11-03T10:30Z');
    expect(c1.slaResolutionDue).toBe('2025-11-03T15:00:00Z');
    expect(c1.cycle).toBe(0); // not a new cycle
    expect(c1.events.map((e: any) => e.type)).toContain('retarget');
    expect(show(dir, 'C4', '2025-11-03T10:30Z').slaResolutionDue).toBe('2025-11-03T13:00:00Z'); // resolved: untouched
    expect(json(dir, ['audit']).map((a: any) => [a.ticketId, a.action])).toEqual([['C1', 'recalc'], ['C2', 'recalc']]);
    expect(run(dir, ['--at', '2025-11-03T10:31Z', 'recalc']).stdout).toMatch(/0 get a new policy or targets[\s\S]*nothing to change/);
  });
});

describe('recalc over many pages of open tickets', () => {
  it('retargets every one of them in one go (the store reads them 2,000 at a time), and nothing twice', () => {
    const rows: string[] = [];
    for (let i = 0; i < 4_500; i++) rows.push(`P${String(i).padStart(4, '0')},t,acme,,urgent,open,ana,2025-11-03T09:00:00Z,,,`);
    rows.push('PZ,done,acme,,urgent,resolved,ana,2025-11-03T09:00:00Z,2025-11-03T09:10:00Z,2025-11-03T10:00:00Z,');
    const dir = setup(rows, '2025-11-03T10:00Z');
    const config = baseConfig() as any;
    config.policies[1].targets.urgent.resolution = '6h';
    writeJson(join(dir, 'sla.config.json'), config);

    const dry = json(dir, ['--at', '2025-11-03T10:30Z', 'recalc', '--dry-run']);
    expect(dry).toMatchObject({ openTickets: 4_500, changed: 4_500, applied: false });
    const apply = json(dir, ['--at', '2025-11-03T10:30Z', 'recalc']);
    expect(apply).toMatchObject({ openTickets: 4_500, changed: 4_500, applied: true });
    expect(new Set(apply.tickets.map((t: any) => t.id)).size).toBe(4_500);
    // the first, a middle and the last page's tickets all carry the new deadline, once retargeted
    for (const id of ['P0000', 'P2345', 'P4499']) {
      const t = show(dir, id, '2025-11-03T10:30Z');
      expect(t.slaResolutionDue, id).toBe('2025-11-03T15:00:00Z');
      expect(t.events.filter((e: any) => e.type === 'retarget'), id).toHaveLength(1);
    }
    expect(show(dir, 'PZ', '2025-11-03T10:30Z').slaResolutionDue).toBe('2025-11-03T13:00:00Z'); // resolved: untouched
    expect(json(dir, ['--at', '2025-11-03T10:31Z', 'recalc', '--dry-run'])).toMatchObject({ openTickets: 4_500, changed: 0 });
  }, 60_000);
});

describe('show', () => {
  it('explains the policy, the clocks and the segments behind the deadline, in 80 columns', () => {
    // standard (office Mon–Fri 09–17 UTC, 2025-12-25 holiday), low: 16h first response.
    const dir = setup([
      'H1,Year-end report,acme,business,low,open,ana,2025-12-24T16:00:00Z,,,',
    ], '2025-12-24T16:00Z');
    const r = run(dir, ['--at', '2025-12-26T12:00Z', 'show', 'H1']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(out).toMatch(/skipped +enterprise-247: tier is "business", not one of enterprise/);
    expect(out).toMatch(/matched +standard: catch-all/);
    expect(out).toMatch(/Clocks \(times in UTC\)/);
    expect(out).toMatch(/due +\| 2025-12-29 16:00 UTC/); // 1h Wed + Fri 8h + Mon 7h
    expect(out).toMatch(/Timeline of the first-response clock \(UTC\)\n {2}Wed 12-24 16:00 → 17:00 +1h 00m {2}counted\n/);
    expect(out).toMatch(/Wed 12-24 17:00 → Fri 12-26 09:00 +40h 00m {2}closed: after hours, holiday\n/);
    expect(out).toMatch(/Fri 12-26 09:00 → 12:00 +3h 00m {2}counted\n {2}── now; the rest is projected if nothing pauses ──\n {2}Fri 12-26 12:00 → 17:00 +5h 00m {2}counted\n/);
    expect(out).toMatch(/Fri 12-26 17:00 → Mon 12-29 09:00 +64h 00m {2}closed: after hours, weekend\n/);
    expect(out).toMatch(/History\n {2}2025-12-24 16:00 UTC {2}created/);

    const j = json(dir, ['--at', '2025-12-26T12:00Z', 'show', 'H1']);
    expect(j.policyTrace.map((t: any) => [t.name, t.matched])).toEqual([['enterprise-247', false], ['standard', true]]);
    expect(j.slaFirstResponseDue).toBe('2025-12-29T16:00:00Z');
    expect(j.segments.first_response.filter((s: any) => s.kind === 'counted' && !s.projected)
      .reduce((a: number, s: any) => a + s.countedMinutes, 0)).toBe(j.metrics.first_response.elapsed);
    for (const k of ['events', 'audit', 'alerts', 'breachReasons', 'policyTrace', 'segments', 'slaStatus', 'metrics']) expect(j).toHaveProperty(k);
  });

  it('shows what `check` recorded (alerts and escalations), and only what was recorded by --at', () => {
    const dir = setup([ENT('K1', '2025-11-03T14:00:00Z', '2025-11-03T14:05:00Z')], '2025-11-03T14:00Z');
    expect(run(dir, ['--at', '2025-11-03T18:30Z', 'check']).code).toBe(0);
    const after = run(dir, ['--at', '2025-11-03T18:30Z', 'show', 'K1']).stdout;
    expect(after).toMatch(/Alerts and escalations\n {2}2025-11-03 17:12 UTC {2}resolution warning, not announced[^\n]*\n {2}2025-11-03 18:00 UTC {2}resolution breached/);
    expect(json(dir, ['--at', '2025-11-03T18:30Z', 'show', 'K1']).slaEvents.map((e: any) => e.type)).toEqual(['resolution_warning', 'resolution_breached']);
    expect(run(dir, ['--at', '2025-11-03T18:20Z', 'show', 'K1']).stdout).toMatch(/Alerts and escalations\n {2}none recorded/);
  });

  it('agrees with recalc: a priority change keeps the promise made (no note), a calendar-only change is noted', () => {
    // standard (office hours): low = 16h / 96h; raised to urgent by a re-import at 10:00.
    const dir = setup(['Q1,Typo,acme,,low,open,ana,2025-11-03T09:00:00Z,,,2025-11-03T09:00:00Z'], '2025-11-03T09:00Z');
    writeFileSync(join(dir, 'u.csv'), `${HEADER}\nQ1,Typo,acme,,urgent,open,ana,2025-11-03T09:00:00Z,,,2025-11-03T10:00:00Z\n`);
    expect(run(dir, ['--at', '2025-11-03T10:00Z', 'import', 'u.csv']).code).toBe(0);
    const s = show(dir, 'Q1', '2025-11-03T10:30Z');
    expect(s.priority).toBe('urgent');
    expect(s.metrics.resolution.target).toBe(96 * 60);
    expect(s.policyDiffersFromConfig).toBe(false);
    expect(s.currentConfigPolicy).toBe('standard');
    expect(run(dir, ['--at', '2025-11-03T10:30Z', 'show', 'Q1']).stdout).not.toMatch(/note:/);
    const plan = json(dir, ['--at', '2025-11-03T10:30Z', 'recalc', '--dry-run']);
    expect([plan.openTickets, plan.changed]).toEqual([1, 0]);

    // Only the calendar changes: recalc retargets it, and show says so.
    const config = baseConfig() as any;
    config.policies[1].calendar = 'always';
    writeJson(join(dir, 'sla.config.json'), config);
    expect(show(dir, 'Q1', '2025-11-03T10:30Z').policyDiffersFromConfig).toBe(true);
    expect(run(dir, ['--at', '2025-11-03T10:30Z', 'show', 'Q1']).stdout)
      .toMatch(/note: the ticket keeps standard \(.*calendar office\); the current config would give standard \(.*calendar always\) — sla recalc applies it/);
    const plan2 = json(dir, ['--at', '2025-11-03T10:30Z', 'recalc', '--dry-run']);
    expect(plan2.changed).toBe(1);
    expect(plan2.tickets[0].to).toMatchObject({ policy: 'standard', calendar: 'always', targets: { resolution: 96 * 60 } });

    // Resolved: recalc leaves it alone, and show does not promise otherwise.
    writeFileSync(join(dir, 'r.csv'), `${HEADER}\nQ1,Typo,acme,,urgent,resolved,ana,2025-11-03T09:00:00Z,,2025-11-03T11:00:00Z,2025-11-03T11:00:00Z\n`);
    expect(run(dir, ['--at', '2025-11-03T11:00Z', 'import', 'r.csv']).code).toBe(0);
    expect(run(dir, ['--at', '2025-11-03T11:30Z', 'show', 'Q1']).stdout)
      .toMatch(/the current config would give standard \(.*calendar always\) — sla recalc leaves it as it is \(it is not open\)/);
    expect(json(dir, ['--at', '2025-11-03T11:30Z', 'recalc', '--dry-run']).changed).toBe(0);
  });

  it('notes when the current config would pick another policy; an unknown id is exit 1', () => {
    const dir = setup([ENT('P1', '2025-11-03T14:00:00Z')], '2025-11-03T14:00Z');
    const config = baseConfig() as any;
    config.policies[0].match = { tier: ['vip'] };
    writeJson(join(dir, 'sla.config.json'), config);
    const r = run(dir, ['--at', '2025-11-03T14:30Z', 'show', 'P1']);
    expect(r.stdout).toMatch(/note: the ticket keeps enterprise-247 .* the current config would give standard/);
    refused(run(dir, ['show', 'NOPE']), /ticket NOPE not found/);
  });
});

describe('list', () => {
  // At Tue 2025-11-04 12:00Z (imported at 11:00Z, so stored states are an hour old):
  //   breached: S4 (FR due 09:30), E4 (FR 10:15), E3 (resolution 11:00, was at_risk when stored)
  //   at_risk:  E2 (resolution due 12:30, at risk since 11:42: stored on_time)
  //   on_time:  E1 (13:00), S1 (Wed 10:00), S5 (Wed 10:30), S2 (Wed 17:00)
  //   paused:   E5 (pending)     resolved: S3
  const rows = [
    'E1,Login broken,acme,enterprise,urgent,open,ana,2025-11-04T09:00:00Z,2025-11-04T09:10:00Z,,',
    'E2,API errors,acme,enterprise,urgent,open,bob,2025-11-04T08:30:00Z,2025-11-04T08:40:00Z,,',
    'E3,Data loss,globex,enterprise,urgent,open,,2025-11-04T07:00:00Z,2025-11-04T07:05:00Z,,',
    'E4,Outage,globex,enterprise,urgent,open,,2025-11-04T10:00:00Z,,,',
    'E5,Waiting on logs,initech,enterprise,urgent,pending,ana,2025-11-04T10:30:00Z,2025-11-04T10:35:00Z,,2025-11-04T10:45:00Z',
    'S1,Invoice question,umbrella,,high,open,ana,2025-11-03T10:00:00Z,2025-11-03T10:30:00Z,,',
    'S2,Feature request,umbrella,,low,open,cy,2025-11-04T09:00:00Z,,,',
    'S3,Password reset,hooli,,medium,resolved,bob,2025-11-03T09:00:00Z,2025-11-03T09:30:00Z,2025-11-03T15:00:00Z,',
    'S4,=HYPERLINK(evil),hooli,,urgent,open,,2025-11-04T09:00:00Z,,,',
    'S5,Slow dashboard,initech,,medium,open,bob,2025-11-04T10:30:00Z,,,',
  ];
  let dir: string;
  beforeAll(() => { dir = setup(rows, '2025-11-04T11:00Z'); });
  const at = ['--at', '2025-11-04T12:00Z'];
  const list = (...args: string[]) => ids(json(dir, [...at, 'list', ...args]));

  it('open tickets, most urgent first: breached, then by nearest deadline; paused last', () => {
    expect(list()).toEqual(['S4', 'E4', 'E3', 'E2', 'E1', 'S1', 'S5', 'S2', 'E5']);
  });

  it.each([
    [['--status', 'breached'], ['S4', 'E4', 'E3']],
    [['--status', 'at_risk'], ['E2']],
    [['--status', 'on_time'], ['E1', 'S1', 'S5', 'S2']],
    [['--status', 'paused'], ['E5']],
    [['--status', 'breached', '--metric', 'first_response'], ['S4', 'E4']],
    [['--status', 'on_time', '--metric', 'resolution'], ['E1', 'S4', 'E4', 'S1', 'S5', 'S2']],
    [['--priority', 'critical'], ['S4', 'E4', 'E3', 'E2', 'E1', 'E5']],
    [['--tier', 'Enterprise'], ['E4', 'E3', 'E2', 'E1', 'E5']],
    [['--assignee', 'ana'], ['E1', 'S1', 'E5']],
    [['--unassigned'], ['S4', 'E4', 'E3']],
    [['--due-within', '1h'], ['S4', 'E2', 'E1']],
    [['--due-within', '1h', '--metric', 'first_response'], []],
    [['--sort', 'priority'], ['S4', 'E4', 'E3', 'E2', 'E1', 'E5', 'S1', 'S5', 'S2']],
    [['--sort', 'created'], ['S1', 'E3', 'E2', 'E1', 'S2', 'S4', 'E4', 'E5', 'S5']],
    [['--limit', '2'], ['S4', 'E4']],
  ])('%j', (args, expected) => {
    expect(list(...args)).toEqual(expected);
  });

  it('--at in the past gives exactly the state then (tickets not yet created are absent)', () => {
    // 10:05Z: E3 and E4 were still on time, E5 and S5 did not exist yet.
    const rowsThen = json(dir, ['--at', '2025-11-04T10:05Z', 'list']);
    expect(ids(rowsThen)).toEqual(['S4', 'E4', 'E3', 'E2', 'E1', 'S1', 'S2']);
    expect(rowsThen.map((r: any) => r.slaStatus)).toEqual(['breached', 'on_time', 'on_time', 'on_time', 'on_time', 'on_time', 'on_time']);
    expect(ids(json(dir, ['--at', '2025-11-04T10:05Z', 'list', '--status', 'breached']))).toEqual(['S4']);
  });

  it('--all --since --until: every ticket created in the window with its final results, as CSV for spreadsheets', () => {
    const r = run(dir, [...at, 'list', '--all', '--since', '2025-11-03', '--until', '2025-11-04', '--format', 'csv']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,subject,customer,tier,priority,status,assignee,group,created_at,policy,calendar,sla_status,/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['S3', 'S1']);
    expect(lines[1]).toMatch(/^S3,Password reset,hooli,,medium,resolved,bob,,2025-11-03T09:00:00Z,standard,office,on_time,met,.*,360,/);
    const all = run(dir, [...at, 'list', '--all', '--format', 'csv']).stdout;
    expect(all).toContain("S4,'=HYPERLINK(evil),"); // a formula is neutralised
    expect(all.trim().split('\r\n')).toHaveLength(11);
  });

  it('table: fits 80 columns, says how many were left out, no colour off a terminal', () => {
    const r = run(dir, [...at, 'list', '--limit', '3']);
    expect(r.code, r.stderr).toBe(0);
    for (const line of r.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/\| S4 +\| urgent \| breached \| 11-04 09:30 FR +\| -2h 30m/);
    expect(r.stdout).toMatch(/3 of 9 tickets shown/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('bad options are usage errors (exit 2)', () => {
    refused(run(dir, ['list', '--status', 'late']), /--status "late" is not a status/, 2);
    refused(run(dir, ['list', '--priority', 'blocker']), /unknown priority "blocker"/, 2);
    refused(run(dir, ['list', '--sort', 'size']), /--sort "size"/, 2);
    refused(run(dir, ['list', '--since', '2025-11-01']), /--since and --until select the creation window of --all/, 2);
  });
});

describe('audit', () => {
  it('filters by ticket, --since and --actor; csv and json', () => {
    const dir = setup([ENT('A1', '2025-11-03T14:00:00Z'), ENT('A2', '2025-11-03T14:00:00Z')], '2025-11-03T14:00Z');
    expect(run(dir, ['--at', '2025-11-03T15:00Z', '--actor', 'ana', 'pause', 'A1', '--reason', 'r1']).code).toBe(0);
    expect(run(dir, ['--at', '2025-11-03T15:30Z', 'pause', 'A2', '--reason', 'r2'], { SLA_ACTOR: 'bo' }).code).toBe(0);
    expect(run(dir, ['--at', '2025-11-03T16:00Z', '--actor', 'ana', 'resume', 'A1', '--reason', 'logs arrived']).code).toBe(0);

    expect(json(dir, ['audit']).map((a: any) => [a.ticketId, a.action, a.actor])).toEqual([
      ['A1', 'pause', 'ana'], ['A2', 'pause', 'bo'], ['A1', 'resume', 'ana'],
    ]);
    expect(json(dir, ['audit', 'A1']).map((a: any) => a.action)).toEqual(['pause', 'resume']);
    expect(json(dir, ['audit', '--actor', 'bo']).map((a: any) => a.ticketId)).toEqual(['A2']);
    expect(json(dir, ['audit', '--since', '2025-11-03T15:15Z']).map((a: any) => a.reason)).toEqual(['r2', 'logs arrived']);
    expect(json(dir, ['--at', '2025-11-03T15:45Z', 'audit']).length).toBe(2); // --at hides what came later

    const csv = run(dir, ['audit', 'A1', '--format', 'csv']).stdout.trim().split('\r\n');
    expect(csv[0]).toBe('seq,at,actor,action,ticket_id,reason,change,before,after');
    expect(csv[1]).toMatch(/^1,2025-11-03T15:00:00Z,ana,pause,A1,r1,/);
    const table = run(dir, ['audit']).stdout;
    expect(table).toMatch(/#A1 {2}2025-11-03 15:00 UTC {2}ana {2}pause — r1\n {6}.*resolutionDue 2025-11-03 18:00 → —/);
  });
});
