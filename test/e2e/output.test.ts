// One output vocabulary (src/render/output.ts) for the commands that list things for
// programs: `--format json` (an array), `ndjson` (an object a line) and `csv`, whose header
// is the JSON keys in snake_case and whose formula-like text cells are neutralised.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sla } from '../support/cli.js';
import { alwaysConfig, baseConfig, project, tempDir, writeJson } from '../support/project.js';

const T0 = '2025-11-03T10:00:00Z';

/** RFC 4180 lines of a small CSV without quoted line breaks, as cells. */
const cells = (csv: string): string[][] => csv.trim().split('\r\n').map((l) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.slice(0, -1).map((c) => c.replace(/,$/, '')));

describe('alerts and runs as data', () => {
  it('speak json, ndjson and csv alike: snake_case headers, formulas neutralised', async () => {
    // no destination: the alerts are kept as unrouted, one a ticket whose id reads as a formula
    const p = project({ config: alwaysConfig(), tickets: [
      { id: '=HYPERLINK("x")', priority: 'urgent', status: 'open', created_at: T0 },
      { id: 'N2', priority: 'urgent', status: 'open', created_at: T0 },
    ] });
    expect((await p.slaAsync(['check', '--at', '2025-11-03T10:50:00Z'])).code).toBe(0);

    const json = JSON.parse((await p.slaAsync(['alerts', '--format', 'json'])).stdout) as Array<Record<string, unknown>>;
    expect(json.length).toBe(2);
    const ndjson = (await p.slaAsync(['alerts', '--format', 'ndjson'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ndjson).toEqual(json);
    const csv = cells((await p.slaAsync(['alerts', '--format', 'csv'])).stdout);
    expect(csv[0]).toEqual(['id', 'event_id', 'ticket_id', 'type', 'destination', 'status', 'attempts', 'next_attempt_at',
      'last_error', 'created_at', 'sent_at', 'run']);
    const ids = csv.slice(1).map((r) => r[2]);
    expect(ids).toContain('"\'=HYPERLINK(""x"")"'); // a leading ' keeps a spreadsheet from running it
    expect(ids).toContain('N2');

    const runs = JSON.parse((await p.slaAsync(['runs', '--format', 'json'])).stdout) as Array<Record<string, unknown>>;
    expect(runs.length).toBe(1);
    const runsCsv = cells((await p.slaAsync(['runs', '--format', 'csv'])).stdout);
    expect(runsCsv[0]).toEqual(['id', 'started_at', 'finished_at', 'duration_ms', 'at', 'tickets_evaluated', 'events',
      'alerts_sent', 'alerts_failed', 'status', 'error']);
    expect(runsCsv[1][5]).toBe(String(runs[0].ticketsEvaluated));
    expect((await p.slaAsync(['runs', '--format', 'ndjson'])).stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(runs);
    // a format the command does not speak is a usage error
    expect((await p.slaAsync(['runs', '--format', 'markdown'])).code).toBe(2);
  });
});

describe('sla list --format markdown', () => {
  it('is the table to paste: a bold heading, a blank line, escaped cells, the whole subject, the footer in italics', async () => {
    const long = 'Printer | scanner *both* down_after the update of the office firmware to version 4.2 (all floors)';
    const p = project({ config: alwaysConfig(), tickets: [
      { id: 'M1', subject: long, priority: 'urgent', status: 'open', created_at: T0 },
      { id: 'M2', subject: 'second', priority: 'high', status: 'open', created_at: T0 },
    ] });
    const r = await p.slaAsync(['--at', '2025-11-03T10:30:00Z', 'list', '--format', 'markdown', '--limit', '1']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\*\*Open tickets as of 2025-11-03 10:30 UTC — times in UTC\*\*$/);
    expect(lines[1]).toBe('');
    expect(lines[2]).toBe('| ID | Pri | SLA | Next due | Left | Assignee | Subject |');
    expect(lines[3]).toBe('| :--- | :--- | :--- | :--- | :--- | :--- | :--- |');
    // urgent first response due 11:00 (1h on 24×7): 30m left; the subject not clipped, its | * _ escaped
    expect(lines[4]).toBe('| M1 | urgent | on\\_time | 11-03 11:00 FR | 30m | — | Printer \\| scanner \\*both\\* down\\_after the update of the office firmware to version 4.2 (all floors) |');
    expect(lines[5]).toBe('');
    expect(lines[6]).toBe('_1 of 2 tickets shown — use --limit N (0 = all) or --format csv for the rest_');
    expect(lines).toHaveLength(7);
    // --all: the final results table, no colour codes
    const all = await p.slaAsync(['--at', '2025-11-03T10:30:00Z', 'list', '--all', '--format', 'markdown']);
    expect(all.stdout).toMatch(/^\| ID \| Created \| Pri \| First response \| Resolution \| SLA \|$/m);
    expect(all.stdout).not.toMatch(/\x1b\[/);
  });
});

describe('the --rejects file of an import', () => {
  it('neutralises a formula-like cell, as every CSV sla writes', () => {
    const dir = tempDir('sla-rejects-');
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    writeFileSync(join(dir, 't.csv'), 'id,subject,priority,created_at\nR1,=1+2,urgent,2025-11-03T10:00:00Z\nR2,@SUM(A1),p9,2025-11-03T10:00:00Z\n');
    const r = sla(['import', 't.csv', '--rejects', 'bad.csv'], { cwd: dir });
    expect(r.code).toBe(1); // one row rejected (an unknown priority)
    expect(readFileSync(join(dir, 'bad.csv'), 'utf8').split('\r\n')[1]).toMatch(/^R2,'@SUM\(A1\),p9,/);
  });
});

describe('--format on import', () => {
  it('is the output\'s, as everywhere: the summary as JSON; the file\'s format is --input-format', () => {
    const dir = tempDir('sla-import-format-');
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    const rows = JSON.stringify([{ id: 'J1', priority: 'urgent', created_at: '2025-11-03T10:00:00Z' }]);
    const json = sla(['import', '-', '--input-format', 'json', '--format', 'json'], { cwd: dir, input: rows });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ rowsRead: 1, ticketsNew: 1 });
    const old = sla(['import', '-', '--format', 'ndjson'], { cwd: dir, input: rows });
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/--format ndjson is not an output format of import.*--input-format ndjson/);
  });
});

describe('list and audit as data', () => {
  it('speak ndjson too: the same objects as their json, one a line', () => {
    const dir = tempDir('sla-ndjson-');
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    writeFileSync(join(dir, 't.csv'), 'id,subject,priority,status,created_at\nL1,one,urgent,open,2025-11-03T10:00:00Z\nL2,two,high,open,2025-11-03T10:30:00Z\n');
    expect(sla(['--at', '2025-11-03T11:00Z', 'import', 't.csv'], { cwd: dir }).code).toBe(0);
    expect(sla(['--at', '2025-11-03T11:05Z', 'pause', 'L1', '--reason', 'waiting on a part'], { cwd: dir }).code).toBe(0);
    for (const args of [['list'], ['list', '--all'], ['audit']]) {
      const json = JSON.parse(sla(['--at', '2025-11-03T11:10Z', ...args, '--format', 'json'], { cwd: dir }).stdout) as unknown[];
      const nd = sla(['--at', '2025-11-03T11:10Z', ...args, '--format', 'ndjson'], { cwd: dir }).stdout;
      expect(json.length, args.join(' ')).toBeGreaterThan(0);
      expect(nd.endsWith('\n')).toBe(true);
      expect(nd.trim().split('\n').map((l) => JSON.parse(l)), args.join(' ')).toEqual(json);
    }
  });
});

describe('sla show in a pipe', () => {
  it('fits 80 characters for every ticket of the demo: long policy reasons and history lines wrap', () => {
    const dir = tempDir('sla-show-width-');
    const base = ['--config', join(ROOT, 'examples', 'sla.config.json'), '--db', join(dir, 'demo.db'), '--at', '2026-11-20T16:00'];
    expect(sla([...base, 'import', join(ROOT, 'examples', 'tickets.csv')], { cwd: dir }).code).toBe(0);
    const ids = (JSON.parse(sla([...base, 'list', '--all', '--format', 'json'], { cwd: dir }).stdout) as Array<{ id: string }>).map((t) => t.id);
    expect(ids.length).toBeGreaterThan(20);
    const wide: string[] = [];
    for (const id of ids) {
      const out = sla([...base, 'show', id], { cwd: dir }).stdout;
      for (const line of out.split('\n')) if ([...line].length > 80) wide.push(`${id}: ${line}`);
    }
    expect(wide).toEqual([]);
  }, 120_000);
});

describe('due and calendar in a pipe', () => {
  it('fit 80 characters: a zone without an abbreviation, a long holiday name and a policy reason that wraps', () => {
    const dir = tempDir('sla-due-width-');
    const office = {
      timezone: 'America/Argentina/ComodRivadavia',
      hours: { mon: ['08:00-12:30', '13:30-17:00'], tue: ['08:00-12:30', '13:30-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
      holidays: [{ date: '2025-12-08', name: 'Día de la Inmaculada Concepción de María, fiesta nacional y día no laborable' }],
    };
    writeJson(join(dir, 'sla.config.json'), baseConfig({
      timezone: 'America/Argentina/ComodRivadavia',
      calendars: { office, always: '24x7' },
      policies: [
        { name: 'enterprise-accounts-with-a-premium-support-contract', match: { tier: ['enterprise'], channel: ['email', 'phone', 'chat'] },
          calendar: 'office', targets: { urgent: { firstResponse: '30m', resolution: '8h' } } },
        { name: 'standard', calendar: 'office', targets: { urgent: { firstResponse: '30m', resolution: '4h' } } },
      ],
    }));
    const runs = [
      sla(['due', '--priority', 'urgent', '--tier', 'enterprise', '--channel', 'email', '--created', '2025-12-05T15:00'], { cwd: dir }),
      sla(['due', '--priority', 'urgent', '--tier', 'gold', '--created', '2025-12-05T15:00'], { cwd: dir }),
      sla(['calendar', 'office', '--month', '2025-12'], { cwd: dir }),
    ];
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const lines = runs.flatMap((r) => r.stdout.split('\n'));
    expect(lines.filter((l) => [...l].length > 80)).toEqual([]);
    // What was fitted is still there (enterprise: targets × 0.5; Monday the 8th closed): the due
    // instants, the skipped policy's name, the holiday's start.
    expect(runs[0].stdout).toMatch(/resolution\s+\|\s+4h 00m\s+\|\s+2025-12-09 09:12\s+\|\s+2025-12-09 10:00/);
    expect(runs[1].stdout).toMatch(/skipped enterprise-accounts-with-a-premium-support-contract:/);
    expect(runs[2].stdout).toMatch(/2025-12-08 \| Mon \| closed .*\| Día de la Inmaculada/);
  });
});

describe('report, show, check, due and calendar as data', () => {
  // Their JSON is one document (SPEC §7 for the report); ndjson and csv give its rows, with
  // the same keys (snake_case in the CSV header) and formula-like text neutralised.
  const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const rowsOf = (nd: string): Array<Record<string, unknown>> => nd.trim().split('\n').map((l) => JSON.parse(l));

  it('give the same rows as ndjson and csv', () => {
    const dir = tempDir('sla-doc-rows-');
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    writeFileSync(join(dir, 't.csv'), 'id,subject,customer,priority,status,created_at\n' +
      'D1,one,=cmd,urgent,open,2025-11-03T10:00:00Z\nD2,two,acme,high,open,2025-11-03T10:30:00Z\n');
    const at = ['--at', '2025-11-03T11:00Z'];
    expect(sla([...at, 'import', 't.csv'], { cwd: dir }).code).toBe(0);
    expect(sla([...at, 'pause', 'D1', '--reason', '@SUM(A1) on hold'], { cwd: dir }).code).toBe(0);
    const cases: Array<{ args: string[]; rows: number; first: Record<string, unknown> }> = [
      { args: ['report', '--days', '1', '--by', 'customer'], rows: 3, first: { customer: '=cmd', tickets: 1 } },
      { args: ['show', 'D1'], rows: 3, first: { ticketId: 'D1', type: 'created', at: '2025-11-03T10:00:00Z' } },
      { args: ['check', '--dry-run'], rows: 2, first: { ticketId: 'D1', type: 'response_warning', at: '2025-11-03T10:24:00Z' } },
      { args: ['due', '--priority', 'urgent', '--created', '2025-11-03T10:00Z'], rows: 2, first: { policy: 'standard', metric: 'first_response', target: 30, dueAt: '2025-11-03T10:30:00Z' } },
      { args: ['calendar', 'office', '--month', '2025-12'], rows: 31, first: { date: '2025-12-01', weekday: 'Mon', minutes: 480, open: '09:00-17:00' } },
      { args: ['calendar', 'office', '--from', '2025-11-03T16:00Z', '--add', '2h'], rows: 1, first: { due: '2025-11-04T10:00:00Z' } },
    ];
    for (const c of cases) {
      const name = c.args.join(' ');
      const nd = sla([...at, ...c.args, '--format', 'ndjson'], { cwd: dir });
      expect(nd.code, `${name}: ${nd.stderr}`).toBe(0);
      const rows = rowsOf(nd.stdout);
      expect(rows.length, name).toBe(c.rows);
      expect(rows[0], name).toMatchObject(c.first);
      const csv = cells(sla([...at, ...c.args, '--format', 'csv'], { cwd: dir }).stdout);
      expect(csv[0], name).toEqual(Object.keys(rows[0]).map(snake));
      expect(csv.length - 1, name).toBe(rows.length);
      // The JSON stays the command's one document.
      const json = JSON.parse(sla([...at, ...c.args, '--format', 'json'], { cwd: dir }).stdout);
      expect(Array.isArray(json), name).toBe(false);
    }
    // Formula-like text from tickets and agents is neutralised in every CSV.
    expect(cells(sla([...at, 'report', '--days', '1', '--by', 'customer', '--format', 'csv'], { cwd: dir }).stdout).map((r) => r[0])).toContain("'=cmd");
    const history = cells(sla([...at, 'show', 'D1', '--format', 'csv'], { cwd: dir }).stdout);
    expect(history[3][7]).toBe("'@SUM(A1) on hold");
  });
});
