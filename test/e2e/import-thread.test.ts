// Big files are written by a second thread (store/import-writer.ts); SLA_IMPORT_THREAD=1
// forces that path for small files, =0 forbids it. Whatever the path, the same files
// leave the same database: new tickets, the same id twice in a file, updates of stored
// tickets, unchanged rows, an event log, and --strict's all-or-nothing.

import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';
import { mulberry32 } from '../support/build.js';


const HEADER = 'id,subject,customer,tier,priority,status,assignee,tags,created_at,first_response_at,resolved_at,updated_at,region';
const iso = (t: number): string => new Date(t).toISOString();
const START = Date.parse('2025-11-03T08:00:00Z');

/** Ticket rows: `ids` in order; status/priority/assignee from the seed; some odd text. */
function ticketsCsv(ids: string[], seed: number, shift: number): string {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const lines = [HEADER];
  for (const id of ids) {
    const n = Number(id.slice(1));
    const created = START + n * 7 * 60_000;
    const status = pick(['new', 'open', 'pending', 'waiting_customer', 'resolved', 'closed', 'Solved', 'hold']);
    const done = ['resolved', 'closed', 'Solved'].includes(status);
    const fr = status === 'new' ? '' : iso(created + Math.floor(rnd() * 5) * 3_600_000);
    const resolved = done ? iso(created + (6 + Math.floor(rnd() * 40)) * 3_600_000) : '';
    const updated = iso(created + shift + (done ? 50 : 3) * 3_600_000);
    const subject = pick(['Printer on fire', '"Quoted", with comma', 'Émoji 🎉 and ünïcode', 'Line one\nline two', '']);
    lines.push([id, `"${subject.replace(/"/g, '""')}"`, pick(['acme', 'globex', '']), pick(['enterprise', 'business', '']),
      pick(['urgent', 'high', 'medium', 'low', 'critical']), status, pick(['ana', 'bo', '']), pick(['', 'vip', 'api;vip']),
      iso(created), fr, resolved, updated, pick(['emea', 'us', ''])].join(','));
  }
  return lines.join('\n') + '\n';
}

/** 60 tickets of 8 rows each, rows in time order (tickets interleaved), and three bad rows. */
function activityCsv(): string {
  const rnd = mulberry32(5);
  const rows: Array<[number, string]> = [];
  const flow = ['Insert ticket', 'Take in charge ticket', 'Wait', 'Take in charge ticket', 'Note', 'Wait', 'Resolve ticket', 'Closed'];
  for (let c = 1; c <= 60; c++) {
    let t = START + Math.floor(rnd() * 20) * 3_600_000;
    for (const a of flow) {
      rows.push([t, `C${c},${a},agent ${c % 7},${iso(t)},${['Value 1', 'Value 2', 'Value 4'][c % 3]}`]);
      t += Math.floor(rnd() * 30) * 3_600_000;
    }
  }
  rows.sort((a, b) => a[0] - b[0]);
  const lines = rows.map(([, l]) => l);
  lines.splice(40, 0, ',Insert ticket,agent 1,2025-11-03T09:00:00Z,Value 1');
  lines.splice(90, 0, 'C3,Note,agent 2,yesterday,Value 1');
  lines.splice(150, 0, 'C4,Note,agent 2,2025-11-04T09:00:00Z,Value 1,extra');
  lines[200] = lines[200].replace(/agent (\d)/, 'agent\u0007$1'); // a control character (stored as U+FFFD, counted)
  return ['Case,Activity,Resource,Timestamp,Seriousness', ...lines].join('\n') + '\n';
}

function dump(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return {
      tickets: db.prepare('SELECT * FROM tickets ORDER BY id').raw().all(),
      pauseEnds: db.prepare('SELECT * FROM ticket_pause_ends ORDER BY ticket_id, until').raw().all(),
      indexes: db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").raw().all(),
    };
  } finally {
    db.close();
  }
}

describe('import on a writer thread', () => {
  it('leaves the same database as the single-threaded import, file after file', () => {
    const files = tempDir('sla-import-thread-files-');
    const ids = Array.from({ length: 400 }, (_, i) => `T${i + 1}`);
    // The same id again later in the file (a newer state), and two bad rows.
    const first = ticketsCsv([...ids, ...ids.slice(0, 60).map((x) => x)], 1, 0).trimEnd().split('\n');
    first.splice(100, 0, 'X1,bad,acme,,urgent,open,,,yesterday,,,,');
    first.push(',no id,acme,,urgent,open,,,2025-11-03T08:00:00Z,,,,');
    writeFileSync(join(files, 'a.csv'), first.join('\n') + '\n');
    // Updates of stored tickets (a few unchanged), and new ones.
    writeFileSync(join(files, 'b.csv'), ticketsCsv([...ids.slice(50, 250), ...ids.slice(0, 20), 'T401', 'T402', 'T403'], 2, 3_600_000));
    writeFileSync(join(files, 'events.csv'), [
      'ticket_id,at,type,value,actor,priority',
      'T5,2025-11-03T08:35:00Z,created,,,high',
      'T5,2025-11-03T09:00:00Z,reply,,ana,',
      'T5,2025-11-03T10:00:00Z,status,pending,bo,',
      'T5,2025-11-03T11:00:00Z,pause,,bo,',
      'E1,2025-11-03T09:00:00Z,created,,,urgent',
      'E1,2025-11-03T09:30:00Z,status,resolved,ana,',
    ].join('\n') + '\n');
    // An event log in time order (read on a thread of its own with SLA_IMPORT_THREAD=1):
    // tickets interleaved, a row without a ticket, a row whose time is not one, a row with
    // more fields than the header; and, with a small window, tickets merged in rounds.
    writeFileSync(join(files, 'activity.csv'), activityCsv());
    writeJson(join(files, 'activity.mapping.json'), {
      kind: 'events',
      columns: { ticket_id: 'Case', at: 'Timestamp', actor: 'Resource', priority: 'Seriousness' },
      values: { priority: { 'Value 4': 'urgent', 'Value 1': 'high', 'Value 2': 'medium' } },
      events: {
        activityColumn: 'Activity',
        rules: {
          'Take in charge ticket': [{ type: 'reply' }, { type: 'status', value: 'in_progress' }],
          Wait: [{ type: 'status', value: 'waiting_customer' }],
          'Resolve ticket': [{ type: 'status', value: 'resolved' }],
          Closed: [{ type: 'status', value: 'closed' }],
        },
      },
    });
    const activity = [join(files, 'activity.csv'), '--mapping', join(files, 'activity.mapping.json')];
    const bad = ticketsCsv(['T7', 'T8'], 3, 7_200_000).trimEnd() + '\nT9,x,acme,,urgent,frozen,,,2025-11-03T08:00:00Z,,,,\n';
    writeFileSync(join(files, 'strict.csv'), bad);

    const results = ['0', '1'].map((thread) => {
      const dir = tempDir(`sla-import-thread-${thread}-`);
      writeJson(join(dir, 'sla.config.json'), baseConfig({ statusMap: { solved: 'resolved', hold: 'waiting_customer' } }));
      const run = (...args: string[]) => {
        const window = args[0] === 'window' ? args.shift() : null;
        const r = sla(['--at', '2025-11-20T12:00:00Z', 'import', ...args, '--json'], {
          cwd: dir, env: { SLA_IMPORT_THREAD: thread, SLA_IMPORT_TRACE: join(dir, 'trace'), ...(window ? { SLA_IMPORT_ROUND_ROWS: '16' } : {}) },
        });
        const summary = JSON.parse(r.stdout);
        delete summary.source;
        return { code: r.code, summary, stderr: r.stderr };
      };
      const out = {
        a: run(join(files, 'a.csv')),
        b: run(join(files, 'b.csv')),
        again: run(join(files, 'b.csv')),
        events: run(join(files, 'events.csv'), '--events'),
        activity: run(...activity, '--rejects', join(dir, 'rejects.csv')),
        activityAgain: run(...activity),
        rounds: run('window', ...activity),
        strict: run(join(files, 'strict.csv'), '--strict'),
      };
      const trace = readFileSync(join(dir, 'trace'), 'utf8');
      return { out, db: dump(join(dir, 'sla.db')), rejects: readFileSync(join(dir, 'rejects.csv'), 'utf8'), trace };
    });
    const [single, threaded] = results;
    expect(single.out.a.code).toBe(1); // two rejected rows
    expect(single.out.a.summary).toMatchObject({ rowsRead: 462, ticketsNew: 400, rejected: 2, committed: true });
    expect(single.out.a.summary.ticketsUpdated + single.out.a.summary.ticketsUnchanged).toBe(60);
    expect(single.out.b.summary.ticketsNew).toBe(3);
    expect(single.out.again.summary).toMatchObject({ ticketsUnchanged: 223, ticketsNew: 0, ticketsUpdated: 0 });
    expect(single.out.events.summary).toMatchObject({ ticketsNew: 1, committed: true });
    expect(single.out.strict.summary).toMatchObject({ committed: false, rejected: 1 });
    expect(single.out.activity.summary).toMatchObject({ rowsRead: 483, rejected: 3, ticketsNew: 60, committed: true, controlChars: 1 });
    expect(single.out.activityAgain.summary).toMatchObject({ ticketsNew: 0, ticketsUpdated: 0, eventsAdded: 0, rowsKnown: 480 });
    expect(single.rejects.split('\n').filter(Boolean)).toHaveLength(4); // the header and three rows
    expect(threaded.rejects).toEqual(single.rejects);
    // the event logs were read on a thread of its own (the small one, then the one in time order three times)
    expect(threaded.trace.match(/event log read on a second thread/g)).toHaveLength(4);
    expect(single.trace).not.toContain('second thread');
    expect(threaded.out).toEqual(single.out);
    expect(threaded.db).toEqual(single.db);
  }, 60_000);
});

describe('an event log in time order on the reading thread', () => {
  // A plain CSV (no quote, no carriage return) is read there as bytes — the text reader is
  // not even loaded; any other file as text. Both must read what the import's own thread
  // reads (SLA_IMPORT_THREAD=0): the same rows, rejects, counts and database.
  it('reads a plain log as bytes, and a log with quotes as text, as the single-threaded import does', () => {
    const files = tempDir('sla-import-plain-');
    const rows: string[] = [];
    for (let c = 1; c <= 40; c++) {
      for (let k = 0; k < 4; k++) {
        const t = START + (k * 40 + c) * 600_000;
        rows.push(`C${c},${['Insert ticket', 'Take in charge ticket', 'Note', 'Resolve ticket'][k]},agent ${c % 5},${iso(t)},Value ${1 + (c % 3)}`);
      }
    }
    rows.sort((a, b) => a.split(',')[3].localeCompare(b.split(',')[3]));
    const odd = [...rows];
    odd.splice(10, 0, '');                                                   // a blank line
    odd.splice(20, 0, '?,Note,agent 1,2025-11-03T09:00:00Z,Value 1');        // a placeholder for no ticket
    odd.splice(30, 0, ',Note,agent 1,2025-11-03T09:00:00Z,Value 1');         // no ticket
    odd.splice(40, 0, 'C5');                                                 // a ticket and nothing else
    odd[50] = odd[50].replace(/agent (\d)/, 'agent\u0085$1');                // a C1 control character
    const plain = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),                                       // a byte order mark
      Buffer.from(['Case,Activity,Resource,Timestamp,Seriousness', ...odd.slice(0, 60)].join('\n') + '\n'),
      Buffer.from(odd[60].replace('agent', 'agent \xff'), 'latin1'),          // a byte that is not UTF-8
      Buffer.from('\n' + odd.slice(61).join('\n')),                          // no line break at the end
    ]);
    writeFileSync(join(files, 'plain.csv'), plain);
    const quoted = ['Case,Activity,Resource,Timestamp,Seriousness', ...rows.map((r, i) => (i === 7 ? r.replace(/^(C\d+),([^,]+)/, '$1,"$2, again"') : r))];
    writeFileSync(join(files, 'quoted.csv'), quoted.join('\n') + '\n');
    writeJson(join(files, 'm.json'), {
      kind: 'events', missing: ['?'],
      columns: { ticket_id: 'Case', at: 'Timestamp', actor: 'Resource', priority: 'Seriousness' },
      values: { priority: { 'Value 3': 'urgent', 'Value 1': 'high', 'Value 2': 'medium' } },
      events: {
        activityColumn: 'Activity',
        rules: { 'Take in charge ticket': [{ type: 'reply' }, { type: 'status', value: 'in_progress' }], 'Resolve ticket': [{ type: 'status', value: 'resolved' }] },
      },
    });
    const results = ['0', '1'].map((thread) => {
      const dir = tempDir(`sla-import-plain-${thread}-`);
      writeJson(join(dir, 'sla.config.json'), baseConfig());
      const run = (file: string) => {
        const r = sla(['--at', '2025-11-20T12:00:00Z', 'import', join(files, file), '--mapping', join(files, 'm.json'), '--json',
          '--rejects', join(dir, `${file}.rejects.csv`)], { cwd: dir, env: { SLA_IMPORT_THREAD: thread, SLA_IMPORT_TRACE: join(dir, 'trace') } });
        const summary = JSON.parse(r.stdout);
        delete summary.source;
        const rejects = existsSync(join(dir, `${file}.rejects.csv`)) ? readFileSync(join(dir, `${file}.rejects.csv`), 'utf8') : '';
        return { code: r.code, summary, stderr: r.stderr, rejects };
      };
      const out = { plain: run('plain.csv'), quoted: run('quoted.csv') };
      return { out, db: dump(join(dir, 'sla.db')), trace: readFileSync(join(dir, 'trace'), 'utf8') };
    });
    const [single, threaded] = results;
    expect(single.out.plain.summary).toMatchObject({ rowsRead: 163, rejected: 3, ticketsNew: 40, controlChars: 1, invalidUtf8: 1 });
    expect(single.out.plain.rejects.split('\n').filter(Boolean)).toHaveLength(4); // the header and three rows
    // the same tickets; the rows that differ (a quoted activity, and the odd actors above) update a few
    expect(single.out.quoted.summary).toMatchObject({ rowsRead: 160, rejected: 0, ticketsNew: 0 });
    expect(single.out.quoted.summary.ticketsUpdated).toBeGreaterThan(0);
    expect(threaded.trace.match(/event log read on a second thread/g)).toHaveLength(2);
    expect(threaded.trace.match(/read as bytes/g)).toHaveLength(1); // the plain one
    expect(threaded.out).toEqual(single.out);
    expect(threaded.db).toEqual(single.db);
  }, 60_000);
});
