// Event logs as real helpdesks write them: a snapshot of the ticket's fields on every row,
// minute-resolution instants, opening times before the first logged update. One test per
// cause of a wrong history, each from a file of a few rows, through the real CLI.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROOT, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('sla-events-');
  writeJson(join(dir, 'sla.config.json'), baseConfig({
    policies: [
      { name: 'fast', match: { priority: 'high' }, calendar: 'always', targets: { high: { firstResponse: '30m', resolution: '2h' } } },
      { name: 'standard', calendar: 'always', targets: {
        urgent: { firstResponse: '15m', resolution: '1h' }, high: { firstResponse: '1h', resolution: '4h' },
        medium: { firstResponse: '2h', resolution: '8h' }, low: { firstResponse: '4h', resolution: '16h' } } },
    ],
  }));
});

const write = (name: string, text: string): string => { writeFileSync(join(dir, name), text); return name; };
const importJson = (args: string[]) => {
  const r = sla(['--at', '2026-03-10T00:00Z', 'import', ...args, '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const show = (id: string) => {
  const r = sla(['--at', '2026-03-10T00:00Z', 'show', id, '--format', 'json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

/** A ServiceNow-style snapshot log: state and priority on every row, the opening time on every row. */
const SNOW = {
  kind: 'events',
  columns: { ticket_id: 'number', at: 'sys_updated_at', created_at: 'opened_at', status: 'incident_state', priority: 'priority', actor: 'sys_updated_by' },
  timestamps: { format: 'd/M/yyyy HH:mm', zone: 'UTC' },
  missing: ['?'],
  values: {
    status: { New: 'new', Active: 'open', 'Awaiting User Info': 'waiting_customer', 'Awaiting Vendor': 'pending', Resolved: 'resolved', Closed: 'closed' },
    priority: { '1 - Critical': 'urgent', '2 - High': 'high', '3 - Moderate': 'medium', '4 - Low': 'low' },
  },
  events: { firstResponseAwayFrom: 'New' },
};
const SNOW_HEADER = 'number,incident_state,sys_mod_count,opened_at,sys_updated_at,sys_updated_by,priority';

describe('event logs: ticket time fields', () => {
  it('a mapped created_at starts the clock (the ticket is new until its first row says otherwise)', () => {
    write('m.json', JSON.stringify({ kind: 'events', columns: { ticket_id: 'id', at: 'at', status: 'state', created_at: 'opened' } }));
    write('log.csv', 'id,at,state,opened,priority\nT1,2026-03-02T09:00Z,open,2026-03-02T08:00Z,low\nT1,2026-03-02T13:00Z,resolved,2026-03-02T08:00Z,low\n');
    importJson(['log.csv', '--mapping', 'm.json']);
    const t = show('T1');
    expect(t.createdAt).toBe('2026-03-02T08:00:00Z');
    expect(t.resolutionTime).toBe(300);
    expect(t.firstResponseTime).toBeNull(); // nobody answered: no reply, no first_response_at
  });

  it('first_response_at, resolved_at and closed_at columns are a reply, a resolution and a closing at their instants', () => {
    write('m.json', JSON.stringify({ kind: 'events', columns: {
      ticket_id: 'id', at: 'at', type: 'type', created_at: 'opened', first_response_at: 'replied', resolved_at: 'solved', closed_at: 'closed' } }));
    write('log.csv', [
      'id,at,type,opened,replied,solved,closed,priority',
      'T2,2026-03-02T09:00Z,note,2026-03-02T08:00Z,,,,low',
      'T2,2026-03-02T10:00Z,note,2026-03-02T08:00Z,2026-03-02T08:20Z,,,low',
      'T2,2026-03-02T12:00Z,note,2026-03-02T08:00Z,2026-03-02T08:20Z,2026-03-02T11:30Z,2026-03-03T11:30Z,low',
    ].join('\n'));
    const s = importJson(['log.csv', '--mapping', 'm.json']);
    expect(s.eventsByType).toMatchObject({ reply: 1, note: 3, status: 2, 'status:resolved': 1, 'status:closed': 1 });
    const t = show('T2');
    expect(t.firstResponseTime).toBe(20);
    expect(t.resolutionTime).toBe(210);
    expect(t.status).toBe('closed');
  });

  it('a mapping naming a field that means nothing in its mode is an error naming the field (exit 2)', () => {
    write('ev.json', JSON.stringify({ kind: 'events', columns: { ticket_id: 'id', at: 'at', type: 'type', updated_at: 'changed' } }));
    write('log.csv', 'id,at,type,changed\nT1,2026-03-02T09:00Z,note,2026-03-02T09:00Z\n');
    const r = sla(['import', 'log.csv', '--mapping', 'ev.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/columns\.updated_at: "updated_at" means nothing in an event log/);
    write('tk.json', JSON.stringify({ kind: 'tickets', columns: { id: 'id', created_at: 'at', type: 'type' } }));
    const t = sla(['import', 'log.csv', '--mapping', 'tk.json'], { cwd: dir });
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/columns\.type: "type" means nothing in a ticket export/);
  });
});

describe('event logs: the policy and targets of the clock start', () => {
  it('a ticket created medium and raised to high five minutes later keeps medium\'s policy and targets', () => {
    write('m.json', JSON.stringify({ kind: 'events', columns: { ticket_id: 'id', at: 'at', type: 'type', priority: 'prio' } }));
    write('log.csv', 'id,at,type,prio\nP1,2026-03-02T09:00Z,note,medium\nP1,2026-03-02T09:05Z,note,high\nP1,2026-03-02T10:00Z,reply,high\n');
    importJson(['log.csv', '--mapping', 'm.json']);
    const t = show('P1');
    expect(t.priority).toBe('high');
    expect(t.policy).toBe('standard'); // "fast" matches priority high: not the priority at the start
    expect(t.metrics.first_response.target).toBe(120);
    expect(t.metrics.resolution.target).toBe(480);
    expect(t.policyTrace.find((p: { matched: boolean }) => p.matched)?.name).toBe('standard');
  });
});

describe('event logs: every row is an event', () => {
  it('open, waiting_customer, open in the same minute, resolved at 15:00: no pause, 240 minutes', () => {
    write('log.csv', 'ticket_id,at,type,value,priority\nR1,2026-03-02T11:00Z,status,open,low\nR1,2026-03-02T11:00Z,status,waiting_customer,low\n'
      + 'R1,2026-03-02T11:00Z,status,open,low\nR1,2026-03-02T15:00Z,status,resolved,low\n');
    const s = importJson(['log.csv', '--events']);
    expect(s.eventsAdded).toBe(4);
    const t = show('R1');
    expect(t.slaTotalPausedTime).toBe(0);
    expect(t.resolutionTime).toBe(240);
    expect(t.status).toBe('resolved');
    const again = importJson(['log.csv', '--events']);
    expect(again).toMatchObject({ eventsAdded: 0, ticketsUpdated: 0, ticketsUnchanged: 1, rowsKnown: 4 });
  });

  it('a log split in two files imported in order gives the history of the whole log', () => {
    const rows = ['S1,2026-03-02T11:00Z,status,open,low', 'S1,2026-03-02T11:00Z,status,waiting_customer,low', 'S1,2026-03-02T12:00Z,status,open,low',
      'S1,2026-03-02T14:00Z,status,resolved,low'];
    write('a.csv', `ticket_id,at,type,value,priority\n${rows.slice(0, 2).join('\n')}\n`);
    write('b.csv', `ticket_id,at,type,value,priority\n${rows.slice(2).join('\n')}\n`);
    importJson(['a.csv', '--events']);
    expect(importJson(['b.csv', '--events']).eventsAdded).toBe(2);
    const t = show('S1');
    expect(t.slaTotalPausedTime).toBe(60);
    expect(t.resolutionTime).toBe(120);
  });
});

describe('event logs: a ServiceNow-style snapshot log', () => {
  const log = [
    SNOW_HEADER,
    // opened 08:50, first logged update at 09:00 (still New), taken at 09:10
    'INC1,New,0,2/3/2026 08:50,2/3/2026 09:00,system,3 - Moderate',
    'INC1,Active,1,2/3/2026 08:50,2/3/2026 09:10,ana,3 - Moderate',
    // the priority changes twice within a minute
    'INC1,Active,2,2/3/2026 08:50,2/3/2026 09:30,ana,2 - High',
    'INC1,Active,3,2/3/2026 08:50,2/3/2026 09:30,bob,3 - Moderate',
    // waiting on the user, back within the same minute, then resolved
    'INC1,Awaiting User Info,4,2/3/2026 08:50,2/3/2026 10:00,ana,3 - Moderate',
    'INC1,Active,5,2/3/2026 08:50,2/3/2026 10:00,ana,?',
    'INC1,Resolved,6,2/3/2026 08:50,2/3/2026 12:50,ana,3 - Moderate',
    'INC1,Closed,7,2/3/2026 08:50,7/3/2026 13:00,system,3 - Moderate',
  ].join('\n');

  it('reads the state column as a snapshot: history, first response, pauses, resolution; idempotent', () => {
    write('snow.json', JSON.stringify(SNOW));
    write('snow.csv', log);
    const s = importJson(['snow.csv', '--mapping', 'snow.json']);
    expect(s).toMatchObject({ rowsRead: 8, ticketsNew: 1, rejected: 0 });
    expect(s.eventsByType).toMatchObject({ reply: 1, priority: 2, 'status:open': 2, 'status:waiting_customer': 1, 'status:resolved': 1, 'status:closed': 1 });
    const t = show('INC1');
    expect(t.createdAt).toBe('2026-03-02T08:50:00Z');
    expect(t.firstResponseTime).toBe(20);
    expect(t.slaTotalPausedTime).toBe(0);
    expect(t.resolutionTime).toBe(240);
    expect(t.priority).toBe('medium');
    const again = importJson(['snow.csv', '--mapping', 'snow.json']);
    expect(again).toMatchObject({ ticketsNew: 0, ticketsUpdated: 0, eventsAdded: 0, rowsKnown: 8 });
  });

  it('with events.key (a sequence column) a row is recognised by its key', () => {
    write('snow.json', JSON.stringify({ ...SNOW, events: { ...SNOW.events, key: 'sys_mod_count' } }));
    write('snow.csv', log);
    importJson(['snow.csv', '--mapping', 'snow.json']);
    // the next export repeats the last rows and brings one more
    write('next.csv', [SNOW_HEADER, ...log.split('\n').slice(6), 'INC1,Active,8,2/3/2026 08:50,8/3/2026 09:00,ana,3 - Moderate'].join('\n'));
    const s = importJson(['next.csv', '--mapping', 'snow.json']);
    expect(s).toMatchObject({ rowsKnown: 3, eventsAdded: 1, ticketsUpdated: 1 });
    expect(show('INC1').status).toBe('open');
  });
});

describe('the shipped mappings', () => {
  const FIX = join(ROOT, 'test', 'fixtures', 'import');
  const MAP = join(ROOT, 'examples', 'mappings');

  it('zendesk.json: first_response_at from "First reply time in minutes" — answered tickets are not taken for unanswered ones', () => {
    importJson([join(FIX, 'zendesk-sample.csv'), '--mapping', join(MAP, 'zendesk.json')]);
    const t = show('1201');
    expect(t.firstResponseAt).toBe('2025-10-31T14:42:00Z');
    expect(t.firstResponseTime).toBe(12);
    expect(show('1202').firstResponseAt).toBe('2025-11-03T15:00:00Z');
    expect(show('1202').slaFirstResponseMet).toBe(true);
  });

  it('every shipped mapping: the same file imported twice changes nothing the second time', () => {
    for (const [file, mapping] of [['zendesk-sample.csv', 'zendesk.json'], ['freshdesk-sample.csv', 'freshdesk.json'], ['helpdesk-sample.csv', 'helpdesk-events.json']]) {
      const first = importJson([join(FIX, file), '--mapping', join(MAP, mapping)]);
      expect(first.ticketsNew, mapping).toBeGreaterThan(0);
      const again = importJson([join(FIX, file), '--mapping', join(MAP, mapping)]);
      expect(again, mapping).toMatchObject({ ticketsNew: 0, ticketsUpdated: 0, eventsAdded: 0, rejected: 0 });
      expect(again.ticketsUnchanged, mapping).toBe(first.ticketsNew);
    }
  });
});

describe('event logs in bounded memory', () => {
  it('a ticket whose rows are merged in several rounds (SLA_IMPORT_ROUND_ROWS) gets the history and counts of one round', () => {
    // rows of three tickets interleaved in time order, twins and all
    const rows = [
      'A,2026-03-02T09:00Z,status,open,low', 'B,2026-03-02T09:00Z,status,open,high', 'A,2026-03-02T09:00Z,status,waiting_customer,low',
      'C,2026-03-02T09:05Z,reply,,medium', 'A,2026-03-02T09:00Z,status,open,medium', 'B,2026-03-02T10:00Z,status,waiting_customer,high',
      'A,2026-03-02T09:00Z,status,open,medium', 'C,2026-03-02T11:00Z,status,resolved,medium', 'B,2026-03-02T12:00Z,status,open,urgent',
      'A,2026-03-02T13:00Z,status,resolved,medium', 'B,2026-03-02T15:00Z,status,resolved,urgent',
    ];
    write('log.csv', `ticket_id,at,type,value,priority\n${rows.join('\n')}\n`);
    // a file (read first for where each ticket ends) and standard input (told grouped or not
    // from its first rows), with rounds of the default size, of 1 and of 2 rows
    // — and the same rows grouped by ticket (each ticket's rows in their order), read as a
    // grouped log (each ticket merged when its run ends)
    const grouped = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const variants = [[undefined, 'log.csv'], ['1', 'log.csv'], ['2', 'log.csv'], [undefined, '-'], ['1', '-'], ['2', '-'],
      ['2', 'grouped.csv'], ['2', 'grouped-stdin']] as const;
    const results = variants.map(([round, name]) => {
      const d = tempDir('sla-rounds-');
      writeJson(join(d, 'sla.config.json'), baseConfig());
      const csv = `ticket_id,at,type,value,priority\n${(name.startsWith('grouped') ? grouped : rows).join('\n')}\n`;
      writeFileSync(join(d, 'log.csv'), csv);
      writeFileSync(join(d, 'grouped.csv'), csv);
      const source = name === 'grouped-stdin' ? '-' : name;
      const env = { SLA_IMPORT_ROUND_ROWS: round };
      const run = (args: string[], input?: string) => sla(['--at', '2026-03-10T00:00Z', ...args], { cwd: d, env, input });
      const load = () => ({ ...JSON.parse(run(['import', source, '--events', '--json'], source === '-' ? csv : undefined).stdout), source: null });
      const first = load();
      const again = load();
      const tickets = ['A', 'B', 'C'].map((id) => {
        const t = JSON.parse(run(['show', id, '--format', 'json']).stdout);
        return { ...t, asOf: null, events: t.events.map((e: { at: string; type: string; value: string | null }) => [e.at, e.type, e.value]) };
      });
      return { first, again, tickets };
    });
    expect(results[0].first).toMatchObject({ ticketsNew: 3, ticketsUpdated: 0, eventsAdded: 13 });
    expect(results[0].again).toMatchObject({ ticketsNew: 0, ticketsUpdated: 0, ticketsUnchanged: 3, eventsAdded: 0, rowsKnown: 11 });
    for (const r of results.slice(1)) {
      expect(r.first).toEqual(results[0].first);
      expect(r.again).toEqual(results[0].again);
      expect(r.tickets).toEqual(results[0].tickets);
    }
    expect(results[0].tickets[0].slaTotalPausedTime).toBe(0); // A: the wait and the return in the same minute
  });
});

describe('a log in time order: rows wait unread until their ticket\'s last row', () => {
  it('a bad row is rejected with its line and reason, in --rejects in line order; the other rows make the same history; a NUL in a cell changes nothing', () => {
    const good = ['A,2026-03-02T09:00Z,status,open,low', 'B,2026-03-02T09:30Z,status,open,high', 'A,2026-03-02T10:00Z,status,waiting_customer,low',
      'B,2026-03-02T11:00Z,reply,,high', 'A,2026-03-02T12:00Z,status,open,low', 'B,2026-03-02T12:00Z,status,resolved,high',
      'A,2026-03-02T13:00Z,status,resolved,low'];
    const header = 'ticket_id,at,type,value,priority';
    // line 3: an unknown status (A), line 5: a bad instant (B), line 9: A's last line, bad
    const bad = [good[0], 'A,2026-03-02T09:10Z,status,zzz,low', good[1], 'B,yesterday,status,open,high', ...good.slice(2), 'A,2026-03-02T14:00Z,status,,low'];
    const histories = (files: Record<string, string>, source: string) => {
      const d = tempDir('sla-order-');
      writeJson(join(d, 'sla.config.json'), baseConfig());
      for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
      const r = sla(['--at', '2026-03-10T00:00Z', 'import', source, '--events', '--json', '--rejects', 'rejects.csv'], { cwd: d });
      const tickets = ['A', 'B'].map((id) => {
        const t = JSON.parse(sla(['--at', '2026-03-10T00:00Z', 'show', id, '--format', 'json'], { cwd: d }).stdout);
        return { ...t, events: t.events.map((e: { at: string; type: string; value: string | null }) => [e.at, e.type, e.value]) };
      });
      let rejects = '';
      try { rejects = readFileSync(join(d, 'rejects.csv'), 'utf8'); } catch { /* none */ }
      return { r, summary: JSON.parse(r.stdout), tickets, rejects };
    };
    const clean = histories({ 'log.csv': `${header}\n${good.join('\n')}\n` }, 'log.csv');
    expect(clean.r.code).toBe(0);
    const dirty = histories({ 'log.csv': `${header}\n${bad.join('\n')}\n` }, 'log.csv');
    expect(dirty.r.code).toBe(1);
    expect(dirty.summary).toMatchObject({ rowsRead: 10, rejected: 3, ticketsNew: 2, eventsAdded: clean.summary.eventsAdded });
    expect(dirty.r.stderr).toMatch(/log\.csv:3: unknown status "zzz"/);
    expect(dirty.r.stderr).toMatch(/log\.csv:5: at "yesterday" is not a valid timestamp/);
    expect(dirty.r.stderr).toMatch(/log\.csv:11: status event without a value/);
    expect(dirty.rejects.trim().split(/\r?\n/).slice(1).map((l) => /,(\d+),(?:"(?:[^"]|"")*"|[^,]*)$/.exec(l)?.[1])).toEqual(['3', '5', '11']);
    expect(dirty.tickets).toEqual(clean.tickets);
    expect(clean.tickets[0]).toMatchObject({ status: 'resolved', slaTotalPausedTime: 120, resolutionTime: 120 });
    // a NUL in a cell (a note's text): the rows are read at once from there on, the same way
    const nul = histories({ 'log.csv': `${header}\n${bad.join('\n')}\nA,2026-03-02T09:05Z,note,x\u0000y,low\n` }, 'log.csv');
    expect(nul.summary).toMatchObject({ rowsRead: 11, rejected: 3, eventsAdded: clean.summary.eventsAdded + 1 });
    expect(nul.tickets[0].events).toContainEqual(['2026-03-02T09:05:00Z', 'note', 'x\ufffdy']); // a control character in text: U+FFFD
    expect(nul.tickets[1]).toEqual(clean.tickets[1]);
  });
});

describe('a ticket imported from a ticket export, then from an event log in rounds', () => {
  it('the log adds its rows once, and a second import adds nothing', () => {
    write('t.csv', 'id,priority,status,created_at\nM1,low,open,2026-03-02T08:00Z\n');
    expect(sla(['--at', '2026-03-02T08:30Z', 'import', 't.csv'], { cwd: dir }).code).toBe(0); // open since 08:30
    const rows = ['M1,2026-03-02T09:00Z,status,open,low', 'M1,2026-03-02T09:00Z,status,waiting_customer,low',
      'M1,2026-03-02T09:00Z,status,open,low', 'M1,2026-03-02T10:00Z,status,resolved,low'];
    write('log.csv', `ticket_id,at,type,value,priority\n${rows.join('\n')}\n`);
    const env = { SLA_IMPORT_ROUND_ROWS: '1' };
    const run = () => JSON.parse(sla(['--at', '2026-03-10T00:00Z', 'import', 'log.csv', '--events', '--json'], { cwd: dir, env }).stdout);
    const first = run();
    expect(first).toMatchObject({ ticketsUpdated: 1, ticketsNew: 0, eventsAdded: 4 });
    expect(run()).toMatchObject({ ticketsUpdated: 0, ticketsUnchanged: 1, eventsAdded: 0 });
    const t = show('M1');
    expect(t.status).toBe('resolved');
    expect(t.slaTotalPausedTime).toBe(0);
  });
});

describe('the summary shows what a mapping did', () => {
  const mapping = {
    kind: 'events', columns: { ticket_id: 'Case', at: 'At' },
    events: {
      activityColumn: 'Activity',
      rules: { 'Take in charge': [{ type: 'reply' }, { type: 'status', value: 'in_progress' }], 'Wiat': { type: 'status', value: 'waiting_customer' },
        Resolve: { type: 'status', value: 'resolved' } },
    },
  };
  const log = 'Case,Activity,At\nC1,Take in charge,2026-03-02T09:00Z\nC1,Wait,2026-03-02T10:00Z\nC1,Wait,2026-03-02T10:30Z\nC1,Call,2026-03-02T11:00Z\n'
    + 'C1,Resolve,2026-03-02T12:00Z\n';

  it('counts events by type and status, lists rules that matched nothing and activities without a rule; --dry-run too', () => {
    write('m.json', JSON.stringify(mapping));
    write('log.csv', log);
    const r = sla(['import', 'log.csv', '--mapping', 'm.json', '--dry-run'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/events by type: reply 1, status 2, note 3/);
    expect(r.stdout).toMatch(/status events by status: in_progress 1, resolved 1/);
    expect(r.stdout).toMatch(/rules that matched no row: "wiat"/);
    expect(r.stdout).toMatch(/3 rows had an activity without a rule \(otherwise\): "Wait" 2, "Call" 1/);
    expect(r.stdout).toMatch(/nothing was committed \(--dry-run\)/);
    const s = JSON.parse(sla(['import', 'log.csv', '--mapping', 'm.json', '--dry-run', '--json'], { cwd: dir }).stdout);
    expect(s).toMatchObject({ rulesUnmatched: ['wiat'], otherwiseRows: 3, otherwise: [{ value: 'Wait', rows: 2 }, { value: 'Call', rows: 1 }] });
    expect(s.eventsByType).toEqual({ reply: 1, status: 2, 'status:in_progress': 1, 'status:resolved': 1, note: 3 });
    expect(sla(['show', 'C1'], { cwd: dir }).code).not.toBe(0); // the dry run wrote nothing
  });

  it('a column taken by its canonical name is listed; one that clashes with activityColumn is an error', () => {
    write('m.json', JSON.stringify(mapping));
    write('log.csv', 'Case,Activity,At,Customer\nC1,Resolve,2026-03-02T12:00Z,acme\n');
    const s = importJson(['log.csv', '--mapping', 'm.json']);
    expect(s.implicitColumns).toEqual([{ field: 'customer', column: 'Customer' }]);
    write('clash.csv', 'Case,Activity,At,Status\nC1,Resolve,2026-03-02T12:00Z,Accepted\n');
    const r = sla(['import', 'clash.csv', '--mapping', 'm.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/column "Status" of .* would be read as the ticket's status by its name, while events.activityColumn \("Activity"\)/);
    expect(r.stderr).toMatch(/add "Status" to "ignore"/);
  });
});
