import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { BIN, childEnv, ROOT, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

const HEADER = 'id,subject,customer,tier,priority,status,assignee,tags,created_at,first_response_at,resolved_at,updated_at,region';

let dir: string;
beforeEach(() => {
  dir = tempDir('sla-import-');
  writeJson(join(dir, 'sla.config.json'), baseConfig({
    statusMap: { solved: 'resolved', hold: 'waiting_customer' },
    policies: [
      { name: 'emea', match: { region: 'emea' }, calendar: 'always', targets: { urgent: { firstResponse: '15m', resolution: '4h' } } },
      { name: 'standard', calendar: 'always', targets: { urgent: { firstResponse: '30m', resolution: '4h' }, high: { firstResponse: '1h', resolution: '8h' } } },
    ],
  }));
});

/** The ids of every ticket stored, sorted: `list --all` over all time. */
const ids = (): string[] => {
  const r = sla(['--at', '2100-01-01T00:00Z', 'list', '--all', '--since', '1970-01-01', '--format', 'json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Array<{ id: string }>).map((t) => t.id).sort();
};
const show = (id: string, at = '2025-11-02T00:00Z') => JSON.parse(sla(['--at', at, 'show', id, '--format', 'json'], { cwd: dir }).stdout);

describe('ticket rows', () => {
  it('CSV per RFC 4180: quotes, embedded commas and newlines, "", BOM, CRLF; custom fields match policies', () => {
    const csv = '\uFEFF' + [HEADER,
      '1,"Printer, on fire",acme,enterprise,urgent,open,ana,a;b,2025-11-01T10:00:00Z,,,2025-11-01T10:00:00Z,emea',
      '2,"Line one\r\nline ""two""",globex,business,High,Solved,,,2025-11-01T10:00:00Z,2025-11-01T10:20:00Z,2025-11-01T12:00:00Z,2025-11-01T12:00:00Z,us',
    ].join('\r\n') + '\r\n';
    writeFileSync(join(dir, 't.csv'), csv);
    const r = sla(['import', 't.csv', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rowsRead: 2, ticketsNew: 2, rejected: 0, committed: true });
    const one = show('1');
    expect(one.subject).toBe('Printer, on fire');
    expect(one.tags).toEqual(['a', 'b']);
    expect(one.policy).toBe('emea');
    const two = show('2');
    expect(two.subject).toBe('Line one\r\nline "two"');
    expect(two.status).toBe('resolved');
    expect(two.priority).toBe('high');
    expect(two.firstResponseTime).toBe(20);
    expect(two.resolutionTime).toBe(120);
    expect(two.slaResolutionMet).toBe(true);
  });

  it('JSON arrays, NDJSON and standard input', () => {
    const rows = [
      { id: 'j1', priority: 'urgent', status: 'open', created_at: '2025-11-01T10:00:00Z' },
      { id: 'j2', priority: 'high', status: 'new', created_at: '2025-11-01T11:00:00Z', tags: ['x', 'y'] },
    ];
    writeFileSync(join(dir, 't.json'), JSON.stringify(rows));
    expect(JSON.parse(sla(['import', 't.json', '--json'], { cwd: dir }).stdout).ticketsNew).toBe(2);
    writeFileSync(join(dir, 't.ndjson'), rows.map((x) => JSON.stringify({ ...x, id: `n${x.id}` })).join('\n') + '\n');
    expect(JSON.parse(sla(['import', 't.ndjson', '--json'], { cwd: dir }).stdout).ticketsNew).toBe(2);
    const stdin = sla(['import', '-', '--input-format', 'ndjson', '--json'], { cwd: dir, input: JSON.stringify({ ...rows[0], id: 's1' }) + '\n' });
    expect(JSON.parse(stdin.stdout).ticketsNew).toBe(1);
    expect(show('j2').tags).toEqual(['x', 'y']);
    expect(ids()).toHaveLength(5);
  });

  it('bad rows are rejected with file:line: reason, valid rows committed, exit 1, --rejects gets them all', () => {
    writeFileSync(join(dir, 'bad.csv'), [HEADER,
      'ok1,fine,acme,,urgent,open,,,2025-11-01T10:00:00Z,,,,',
      ',no id,acme,,urgent,open,,,2025-11-01T10:00:00Z,,,,',
      'b2,bad time,acme,,urgent,open,,,yesterday,,,,',
      'b3,impossible,acme,,urgent,open,,,2025-02-30T10:00:00Z,,,,',
      'b4,resolved before created,acme,,urgent,resolved,,,2025-11-01T10:00:00Z,,2025-11-01T09:00:00Z,,',
      'b5,unknown status,acme,,urgent,frozen,,,2025-11-01T10:00:00Z,,,,',
      'b6,unknown priority,acme,,whenever,open,,,2025-11-01T10:00:00Z,,,,',
      'ok2,"spring gap, not bad",acme,,urgent,open,,,2025-03-09T02:30:00,,,,',
    ].join('\n') + '\n');
    const r = sla(['import', 'bad.csv', '--rejects', 'rejects.csv'], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^bad\.csv:3: .*id/);
    expect(lines[1]).toMatch(/^bad\.csv:4: .*created_at/);
    expect(lines[2]).toMatch(/^bad\.csv:5: /);
    expect(lines[3]).toMatch(/^bad\.csv:6: .*before/);
    expect(lines[4]).toMatch(/^bad\.csv:7: unknown status "frozen"/);
    expect(lines[5]).toMatch(/^bad\.csv:8: unknown priority "whenever"/);
    expect(r.stdout).toMatch(/2 new .* 6 rejected/);
    expect(ids()).toEqual(['ok1', 'ok2']);
    // the DST-gap local time (UTC config) is read as-is: 02:30Z
    expect(show('ok2').createdAt).toBe('2025-03-09T02:30:00Z');
    const rejects = readFileSync(join(dir, 'rejects.csv'), 'utf8').trim().split(/\r?\n/);
    expect(rejects[0]).toBe(`${HEADER},line,reason`);
    expect(rejects).toHaveLength(7);
    expect(rejects[5]).toMatch(/^b5,unknown status,.*,7,"unknown status ""frozen""/);
  });

  it('timestamps before 1970 or more than ten years after now are rejected with their line; a ticket created after now is imported and counted', () => {
    // the office calendar (business hours), where a year-0001 date used to crash the import
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    writeFileSync(join(dir, 'dates.csv'), [HEADER,
      'old,year one,acme,,urgent,open,,,0001-01-01T10:00:00Z,,,,',
      'far,year 2099,acme,,urgent,open,,,2099-01-01T10:00:00Z,,,,',
      'late,resolved in 2999,acme,,urgent,resolved,,,2025-11-01T10:00:00Z,,2999-01-01T10:00:00Z,,',
      'soon,created tomorrow,acme,,urgent,open,,,2025-11-03T10:00:00Z,,,,',
      'ok,today,acme,,urgent,open,,,2025-11-01T10:00:00Z,,,,',
    ].join('\n') + '\n');
    const r = sla(['--at', '2025-11-02T12:00Z', 'import', 'dates.csv'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dates\.csv:2: created_at "0001-01-01T10:00:00Z" is before 1970/m);
    expect(r.stderr).toMatch(/^dates\.csv:3: created_at "2099-01-01T10:00:00Z" is more than ten years after now \(2025-11-02\)/m);
    expect(r.stderr).toMatch(/^dates\.csv:4: resolved_at "2999-01-01T10:00:00Z" is more than ten years after now/m);
    expect(r.stdout).toMatch(/2 new .* 3 rejected/);
    expect(r.stdout).toMatch(/warning: 1 tickets were created after now — check the file's time zone/);
    const json = JSON.parse(sla(['--at', '2025-11-02T12:00Z', 'import', 'dates.csv', '--dry-run', '--json'], { cwd: dir }).stdout);
    expect(json).toMatchObject({ rejected: 3, createdAfterNow: 0, ticketsUnchanged: 2 }); // counted when imported, not when unchanged
    expect(show('soon', '2025-11-04T00:00Z').createdAt).toBe('2025-11-03T10:00:00Z');
    // --at "" (an empty variable in a script) is refused, not read as now
    const empty = sla(['--at', '', 'list'], { cwd: dir });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--at "" is not a time/);
  });

  it('an id with a NUL byte (nobody can type it) rejects its row, in ticket exports and event logs', () => {
    writeFileSync(join(dir, 'nul.csv'), [HEADER, 'a\u0000b,nul,acme,,urgent,open,,,2025-11-01T10:00:00Z,,,,', 'ok,fine,acme,,urgent,open,,,2025-11-01T10:00:00Z,,,,'].join('\n') + '\n');
    const r = sla(['--at', '2025-11-02T12:00Z', 'import', 'nul.csv'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nul\.csv:2: id contains a NUL byte$/m);
    expect(ids()).toEqual(['ok']);
    writeFileSync(join(dir, 'log.csv'), 'ticket_id,at,type,value\nx\u0000y,2025-11-01T10:00:00Z,status,open\nlog1,2025-11-01T10:00:00Z,status,open\n');
    const e = sla(['--at', '2025-11-02T12:00Z', 'import', 'log.csv', '--events'], { cwd: dir });
    expect(e.stderr).toMatch(/^log\.csv:2: ticket_id contains a NUL byte$/m);
    expect(e.stdout).toMatch(/1 new .* 1 rejected/);
  });

  it('bytes that are not UTF-8 and control characters in text are stored as U+FFFD and counted; a U+FFFD the file spells is not', () => {
    const rows = [HEADER,
      'u1,caf\u00e9 \ufffd ok,acme,,urgent,open,,,2025-11-01T10:00:00Z,,,,', // a real é and a real U+FFFD: nothing to count
      'u2,BAD_BYTES,acme,,urgent,open,,,2025-11-01T10:00:00Z,,,,',
      'u3,"\u001b[2J\u001b]0;owned\u0007 clear\ttab",ac\u009bme,,urgent,open,,,2025-11-01T10:00:00Z,,,,'];
    const bytes = Buffer.from(rows.join('\n') + '\n', 'utf8');
    const at = bytes.indexOf('BAD_BYTES');
    bytes.write('x\xffy\xc3', at, 'latin1'); // two sequences that are not UTF-8: 0xFF, and 0xC3 before an ASCII byte
    writeFileSync(join(dir, 'enc.csv'), bytes);
    const r = sla(['--at', '2025-11-02T12:00Z', 'import', 'enc.csv'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warning: 2 byte sequences were not UTF-8/);
    expect(r.stdout).toMatch(/4 control characters in text fields .* were stored as "\ufffd"/);
    expect(show('u1').subject).toBe('caf\u00e9 \ufffd ok');
    expect(show('u2').subject).toBe('x\ufffdy\ufffdBYTES');
    expect(show('u3').subject).toBe('\ufffd[2J\ufffd]0;owned\ufffd clear\ttab');
    expect(show('u3').customer).toBe('ac\ufffdme');
    // JSON spells a control character as an escape
    writeFileSync(join(dir, 'esc.json'), JSON.stringify([{ id: 'j1', subject: 'a\u001b[31mred', priority: 'urgent', status: 'open', created_at: '2025-11-01T10:00:00Z' }]));
    const j = JSON.parse(sla(['--at', '2025-11-02T12:00Z', 'import', 'esc.json', '--json'], { cwd: dir }).stdout);
    expect(j).toMatchObject({ controlChars: 1, invalidUtf8: 0, ticketsNew: 1 });
    expect(show('j1').subject).toBe('a\ufffd[31mred');
  });

  it('a JSON value nested 5,000 deep rejects its row only (it aborted the whole import as "a bug")', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const row = (id: string, extra = '') => `{"id":"${id}","priority":"urgent","status":"open","created_at":"2025-11-01T10:00:00Z"${extra}}`;
    writeFileSync(join(dir, 'deep.json'), `[${row('d1', `,"custom":${deep}`)},${row('d2')}]`);
    writeFileSync(join(dir, 'deep.ndjson'), `${row('n1', `,"x":${deep}`)}\n${row('n2')}\n`);
    for (const [file, ok] of [['deep.json', 'd2'], ['deep.ndjson', 'n2']]) {
      const r = sla(['--at', '2025-11-02T12:00Z', 'import', file], { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^${file.replace('.', '\\.')}:\\d+: "(custom|x)" is nested too deeply to be a ticket field$`, 'm'));
      expect(r.stderr).not.toMatch(/bug/);
      expect(show(ok).id).toBe(ok);
    }
  });

  it('--strict commits nothing when a row is bad; --dry-run commits nothing at all', () => {
    writeFileSync(join(dir, 'mixed.csv'), [HEADER, 'a,x,,,urgent,open,,,2025-11-01T10:00:00Z,,,,', 'b,x,,,urgent,open,,,nope,,,,'].join('\n'));
    const strict = sla(['import', 'mixed.csv', '--strict', '--json'], { cwd: dir });
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ committed: false, rejected: 1 });
    expect(ids()).toEqual([]);
    writeFileSync(join(dir, 'good.csv'), [HEADER, 'a,x,,,urgent,open,,,2025-11-01T10:00:00Z,,,,'].join('\n'));
    const dry = sla(['import', 'good.csv', '--dry-run', '--json'], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ committed: false, dryRun: true, ticketsNew: 1 });
    expect(ids()).toEqual([]);
  });

  it('a file that is not what --input-format says, or a mapping naming a missing column, fails before any row (exit 2)', () => {
    writeFileSync(join(dir, 'x.csv'), [HEADER, 'a,x,,,urgent,open,,,2025-11-01T10:00:00Z,,,,'].join('\n'));
    const f = sla(['import', 'x.csv', '--input-format', 'json'], { cwd: dir });
    expect(f.code).toBe(2);
    expect(f.stderr.trim().split('\n')).toHaveLength(1);
    writeJson(join(dir, 'm.json'), { columns: { id: 'Ticket ID', created_at: 'Created' } });
    const m = sla(['import', 'x.csv', '--mapping', 'm.json'], { cwd: dir });
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/Ticket ID/);
    expect(ids()).toEqual([]);
  });

  it('importing the same file twice changes nothing the second time', () => {
    writeFileSync(join(dir, 't.csv'), [HEADER, 'a,x,,,urgent,pending,,,2025-11-01T10:00:00Z,,,,', 'b,y,,,high,open,,,2025-11-01T10:00:00Z,,,,'].join('\n'));
    sla(['--at', '2025-11-01T12:00Z', 'import', 't.csv'], { cwd: dir });
    const events = (): number[] => ids().map((id) => show(id, '2100-01-01T00:00Z').events.length);
    const before = events();
    expect(before.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const again = JSON.parse(sla(['--at', '2025-11-01T13:00Z', 'import', 't.csv', '--json'], { cwd: dir }).stdout);
    expect(again).toMatchObject({ ticketsNew: 0, ticketsUpdated: 0, ticketsUnchanged: 2, eventsAdded: 0 });
    expect(events()).toEqual(before);
  });

  it('snapshots build a history: open → waiting → open → resolved → open → resolved', () => {
    const snap = (status: string, at: string, resolved = '') =>
      [HEADER, `s,x,,,urgent,${status},,,2025-11-01T10:00:00Z,2025-11-01T10:05:00Z,${resolved},${at},`].join('\n');
    const steps: Array<[string, string, string?]> = [
      ['open', '2025-11-01T10:00:00Z'], ['waiting_customer', '2025-11-01T11:00:00Z'], ['open', '2025-11-01T12:30:00Z'],
      ['resolved', '2025-11-01T13:00:00Z', '2025-11-01T13:00:00Z'], ['open', '2025-11-01T15:00:00Z'],
      ['resolved', '2025-11-01T16:00:00Z', '2025-11-01T16:00:00Z'],
    ];
    for (const [status, at, resolved] of steps) {
      writeFileSync(join(dir, 's.csv'), snap(status, at, resolved));
      expect(sla(['--at', at, 'import', 's.csv'], { cwd: dir }).code).toBe(0);
    }
    const t = show('s');
    expect(t.slaTotalPausedTime).toBe(90);
    expect(t.resolutionTime).toBe(150);
    expect(t.slaResolutionMet).toBe(true);
    // an out-of-order (older) snapshot afterwards changes nothing
    writeFileSync(join(dir, 's.csv'), snap('open', '2025-11-01T14:00:00Z'));
    const stale = JSON.parse(sla(['import', 's.csv', '--json'], { cwd: dir }).stdout);
    expect(stale).toMatchObject({ rowsStale: 1, eventsAdded: 0 });
    expect(show('s').status).toBe('resolved');
  });

  it('a killed import leaves the database as it was before that file', async () => {
    writeFileSync(join(dir, 'first.csv'), [HEADER, 'keep,x,,,urgent,open,,,2025-11-01T10:00:00Z,,,,'].join('\n'));
    sla(['import', 'first.csv'], { cwd: dir });
    // The import reads standard input that never ends, so it is surely mid-file when killed.
    const child = spawn(process.execPath, [BIN, 'import', '-', '--input-format', 'csv'], { cwd: dir, env: childEnv() });
    const rows = [HEADER];
    for (let i = 0; i < 20_000; i++) rows.push(`k${i},subject ${i},acme,,urgent,open,,,2025-11-01T10:00:00Z,,,,`);
    child.stdin.write(rows.join('\n') + '\n');
    await new Promise((r) => setTimeout(r, 1500));
    // It holds the write transaction for the whole file: another writer is told "busy".
    const other = new Database(join(dir, 'sla.db'), { timeout: 0 });
    expect(() => other.exec('BEGIN IMMEDIATE')).toThrow(/busy|locked/i);
    other.close();
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(ids()).toHaveLength(1);
    expect(sla(['show', 'keep', '--format', 'json'], { cwd: dir }).code).toBe(0);
  });
});

describe('event logs', () => {
  it('--events rebuilds each ticket from its rows in time order', () => {
    writeFileSync(join(dir, 'ev.csv'), [
      'ticket_id,at,type,value,actor,priority,customer',
      'e1,2025-11-01T12:00:00Z,status,resolved,bo,,acme',
      'e1,2025-11-01T10:00:00Z,created,,,urgent,acme',
      'e1,2025-11-01T10:10:00Z,reply,,ana,,',
      'e1,2025-11-01T10:30:00Z,pause,,ana,,',
      'e1,2025-11-01T11:00:00Z,resume,,ana,,',
    ].join('\n'));
    const r = sla(['import', 'ev.csv', '--events', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rowsRead: 5, ticketsNew: 1, eventsAdded: 4 });
    const t = show('e1');
    expect(t.createdAt).toBe('2025-11-01T10:00:00Z');
    expect(t.firstResponseTime).toBe(10);
    expect(t.slaTotalPausedTime).toBe(30);
    expect(t.resolutionTime).toBe(90);
    expect(t.customer).toBe('acme');
  });

  it('the real helpdesk log: 4,580 tickets with their waits as pauses, explained by show; idempotent', () => {
    writeJson(join(dir, 'sla.config.json'), baseConfig({ timezone: 'Europe/Rome' }));
    const args = ['import', join(ROOT, '..', 'shared', 'data', 'helpdesk-events.csv'), '--mapping', join(ROOT, 'examples', 'mappings', 'helpdesk-events.json'), '--json'];
    if (!existsSync(args[1])) return; // the shared data is beside the repository on the team's machines and CI
    const r = sla(args, { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rowsRead: 21_348, ticketsNew: 4_580, rejected: 0 });
    expect(ids()).toHaveLength(4_580);
    // 1,236 tickets of the log wait for the customer at least once (the file's own count,
    // as the data's README says): each of them, and no other, has paused SLA time.
    const all = sla(['--at', '2100-01-01T00:00Z', 'list', '--all', '--since', '1970-01-01', '--limit', '0', '--format', 'json'], { cwd: dir });
    const tickets = JSON.parse(all.stdout) as Array<{ slaTotalPausedTime: number | null }>;
    expect(tickets).toHaveLength(4_580);
    expect(tickets.filter((t) => (t.slaTotalPausedTime ?? 0) > 0)).toHaveLength(1_236);
    const again = JSON.parse(sla(args, { cwd: dir }).stdout);
    expect(again).toMatchObject({ ticketsNew: 0, ticketsUpdated: 0, eventsAdded: 0 });
    const shown = sla(['show', 'Case 1'], { cwd: dir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/standard/);
    expect(shown.stdout).toMatch(/counted/);
  });
});
