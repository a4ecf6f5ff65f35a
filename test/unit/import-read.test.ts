import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readEvents, readEventsDeferred, readEventTickets, readTickets } from '../../src/import/read.js';
import { detectFormat } from '../../src/import/source.js';
import { mergeEventRows } from '../../src/import/merge.js';
import { loadMapping, parseMapping } from '../../src/import/mapping.js';
import { ImportError } from '../../src/import/errors.js';
import type { EventRow, ImportRecord, Mapping, ReaderOptions, ExportTicketRow, Vocabulary } from '../../src/import/types.js';

const FIXTURES = join(__dirname, '..', 'fixtures', 'import');
const MAPPINGS = join(__dirname, '..', '..', 'examples', 'mappings');
const REAL_LOG = '/work/shared/data/helpdesk-events.csv';

const vocab: Vocabulary = {
  statusMap: { solved: 'resolved', hold: 'waiting_customer' },
  priorityAliases: { critical: 'urgent', normal: 'medium' },
  priorities: ['urgent', 'high', 'medium', 'low'],
  timezone: 'America/New_York',
};
const Z = (s: string): number => {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`bad ISO in test: ${s}`);
  return t;
};

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sla-import-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

let n = 0;
function file(name: string, content: string | Buffer): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, content);
  return path;
}
async function all<T>(it: AsyncIterable<ImportRecord<T>>): Promise<Array<ImportRecord<T>>> {
  const out: Array<ImportRecord<T>> = [];
  for await (const r of it) out.push(r);
  return out;
}
const tickets = (opts: Partial<ReaderOptions> & { source: string }) => all(readTickets({ vocab, ...opts }));
const events = (opts: Partial<ReaderOptions> & { source: string }) => all(readEvents({ vocab, ...opts }));
const rowsOf = <T>(recs: Array<ImportRecord<T>>): T[] => recs.map((r) => {
  if (r.kind !== 'row') throw new Error(`unexpected reject at line ${r.line}: ${r.reason}`);
  return r.row;
});
/** Each row's events, with its line, ticket, actor and priority column. */
const flatEvents = (recs: Array<ImportRecord<EventRow>>) => recs.flatMap((r) => (r.kind === 'row'
  ? r.row.events.map((e) => [r.line, r.row.ticketId, e.type, e.value, r.row.actor, r.row.attrs.priority ?? null]) : []));
/** The histories the rows make, ticket by ticket in order of first appearance (what an import stores). */
const histories = (recs: Array<ImportRecord<EventRow>>, awayFrom: string | null = null) => {
  const by = new Map<string, EventRow[]>();
  for (const r of recs) if (r.kind === 'row') { const l = by.get(r.row.ticketId); if (l) l.push(r.row); else by.set(r.row.ticketId, [r.row]); }
  return new Map([...by].map(([id, rows]) => [id, mergeEventRows(null, rows, { awayFrom }).history]));
};
const rejectsOf = <T>(recs: Array<ImportRecord<T>>) => recs.flatMap((r) => (r.kind === 'reject' ? [r] : []));
const mappingOf = (m: Record<string, unknown>): Mapping => parseMapping(m, join(dir, 'inline-mapping.json'));

/** Asserts that reading throws ImportError before yielding anything. */
async function throwsBeforeRows(it: AsyncIterable<unknown>, message: RegExp): Promise<ImportError> {
  const iter = it[Symbol.asyncIterator]();
  let err: unknown = null;
  try {
    await iter.next();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an ImportError before the first row').toBeInstanceOf(ImportError);
  expect((err as ImportError).message).toMatch(message);
  expect((err as ImportError).exitCode).toBe(2);
  return err as ImportError;
}

// ------------------------------------------------------------------ tickets, CSV

describe('readTickets: canonical CSV', () => {
  it('maps every canonical column, vocabulary, tags and custom fields', async () => {
    const path = file('t.csv', [
      'ID,Subject,requester,customer,tier,priority,status,assignee,group,channel,tags,Created At,first_response_at,resolved_at,closed_at,updated_at,Region,Plan',
      '1001,Printer on fire,ada@x.io,Acme,enterprise,Critical,Solved,grace,support,email, hw ; urgent ;;,2025-10-31T14:30:00Z,2025-10-31T14:42:00Z,2025-10-31T18:15:00Z,,2025-10-31T18:15:00Z,EU,',
      '1002,,,,,,,,,,,2025-10-31 10:30,,,,,,gold',
    ].join('\n'));
    const rows = rowsOf(await tickets({ source: path }));
    expect(rows).toEqual([
      {
        id: '1001', subject: 'Printer on fire', requester: 'ada@x.io', customer: 'Acme', tier: 'enterprise',
        assignee: 'grace', group: 'support', channel: 'email', status: 'resolved', priority: 'urgent', tags: ['hw', 'urgent'],
        createdAt: Z('2025-10-31T14:30:00Z'), firstResponseAt: Z('2025-10-31T14:42:00Z'), resolvedAt: Z('2025-10-31T18:15:00Z'),
        closedAt: null, updatedAt: Z('2025-10-31T18:15:00Z'), custom: { Region: 'EU' },
      },
      {
        id: '1002', subject: null, requester: null, customer: null, tier: null, assignee: null, group: null, channel: null,
        status: null, priority: null, tags: [],
        createdAt: Z('2025-10-31T14:30:00Z'), // local to the vocabulary's zone (New York, EDT)
        firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, custom: { Plan: 'gold' },
      },
    ]);
  });

  it('leaves out attributes whose column is absent (the source does not say)', async () => {
    const path = file('t.csv', 'id,created_at\nA-1,2025-01-02T03:04:05Z\n');
    const rows = rowsOf(await tickets({ source: path }));
    expect(rows).toEqual([{ id: 'A-1', createdAt: Z('2025-01-02T03:04:05Z'), firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null }]);
    expect('status' in rows[0]).toBe(false);
    expect('custom' in rows[0]).toBe(false);
  });

  it('follows RFC 4180: quotes, embedded commas and newlines, "" escapes, BOM, CRLF — with physical line numbers', async () => {
    const csv = '\uFEFFid,subject,created_at,notes\r\n'
      + '1,"Hello, world",2025-01-01T00:00:00Z,plain\r\n'
      + '2,"He said ""hi""\r\nand left\r\nagain",2025-01-01T00:00:00Z,"multi\nline LF"\r\n'
      + '\r\n'
      + '3,"",2025-01-01T00:00:00Z,""""\r\n'
      + '4,last,2025-01-01T00:00:00Z,no final newline';
    const recs = await tickets({ source: file('rfc.csv', csv) });
    expect(recs.map((r) => r.line)).toEqual([2, 3, 8, 9]);
    const rows = rowsOf(recs);
    expect(rows.map((r) => r.id)).toEqual(['1', '2', '3', '4']); // BOM stripped: "id" is found
    expect(rows.map((r) => r.subject)).toEqual(['Hello, world', 'He said "hi"\r\nand left\r\nagain', null, 'last']);
    expect(rows.map((r) => r.custom?.notes)).toEqual(['plain', 'multi\nline LF', '"', 'no final newline']);
  });

  it('counts lines right when multi-line records straddle read chunks', async () => {
    const lines = ['id,subject,created_at'];
    const expected: Array<[string, number]> = [];
    let line = 2;
    for (let i = 0; i < 6000; i++) {
      const k = i % 7;
      const subject = k === 0 ? `"line one\nline two, ${'x'.repeat(i % 50)}"` : k === 3 ? `"a ""quoted"" ${i}\n\n${'y'.repeat(i % 200)}"` : `plain ${i}`;
      lines.push(`T${i},${subject},2025-01-01T00:00:00Z`);
      expected.push([`T${i}`, line]);
      line += k === 0 ? 2 : k === 3 ? 3 : 1;
      if (i % 1000 === 999) { lines.push(''); line++; } // a blank line now and then
    }
    const path = file('big.csv', `${lines.join('\n')}\n`);
    expect(statSync(path).size).toBeGreaterThan(200_000);
    const recs = await tickets({ source: path });
    expect(rowsOf(recs).map((r, i) => [r.id, recs[i].line])).toEqual(expected);
  });

  it('names a repeated header column NAME_2 and keeps both', async () => {
    const path = file('dup.csv', 'id,Variant,created_at,Variant,Variant\n7,a,2025-01-01T00:00:00Z,b,c\n');
    const [row] = rowsOf(await tickets({ source: path }));
    expect(row.custom).toEqual({ Variant: 'a', Variant_2: 'b', Variant_3: 'c' });
  });

  it('reads standard input from opts.stdin, decoding UTF-8 split across chunks', async () => {
    const text = Buffer.from('id,subject,created_at\n1,Café crème,2025-01-01T00:00:00Z\n2,naïve,2025-01-02T00:00:00Z\n', 'utf8');
    const cut = text.indexOf(Buffer.from('é')) + 1; // in the middle of "é"
    const stdin = Readable.from([text.subarray(0, cut), text.subarray(cut, cut + 20), text.subarray(cut + 20)]);
    const rows = rowsOf(await tickets({ source: '-', stdin }));
    expect(rows.map((r) => [r.id, r.subject, r.createdAt])).toEqual([
      ['1', 'Café crème', Z('2025-01-01T00:00:00Z')], ['2', 'naïve', Z('2025-01-02T00:00:00Z')],
    ]);
    const json = Readable.from(['[{"id": "9", "created_at": "2025-01-01T00:00:00Z"}]']);
    expect(rowsOf(await tickets({ source: '-', stdin: json, format: 'json' })).map((r) => r.id)).toEqual(['9']);
  });

  it('reports progress in bytes', async () => {
    const body = Array.from({ length: 30_000 }, (_, i) => `${i},subject number ${i},2025-01-01T00:00:00Z`).join('\n');
    const path = file('progress.csv', `id,subject,created_at\n${body}\n`);
    const seen: number[] = [];
    const recs = await tickets({ source: path, onProgress: (b) => seen.push(b) });
    expect(recs).toHaveLength(30_000);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen[seen.length - 1]).toBe(statSync(path).size);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
  it('cleans a control character wherever the reads of the file split it (a C1 control across two)', async () => {
    // Control characters are looked for in the bytes of each 64 KiB read; U+0085 is C2 85 in
    // UTF-8. Put its C2 as the last byte of the first read, its 85 as the first of the next.
    const head = 'id,subject,created_at\n';
    const filler = (k: number) => `f${k},${'x'.repeat(40)},2025-01-01T00:00:00Z\n`;
    let text = head;
    let k = 0;
    while (Buffer.byteLength(text) + filler(k).length < 65536 - 40) text += filler(k++);
    const pad = 65536 - Buffer.byteLength(text) - 'c1,ab'.length - 1;
    text += `c1,ab${'y'.repeat(pad)}`;
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from([0xc2, 0x85]), Buffer.from('cd,2025-01-01T00:00:00Z\n')]);
    expect(bytes[65535]).toBe(0xc2);
    const report = { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() } as NonNullable<ReaderOptions['report']>;
    const recs = rowsOf(await tickets({ source: file('c1-split.csv', bytes), report }));
    const row = recs.find((r) => r.id === 'c1')!;
    expect(row.subject).toBe(`ab${'y'.repeat(pad)}\ufffdcd`);
    expect(report.controlChars).toBe(1);
    // no control character anywhere: nothing cleaned, nothing counted
    const clean = { implicitColumns: [], ruleRows: new Map(), otherwise: new Map() } as NonNullable<ReaderOptions['report']>;
    await tickets({ source: file('clean.csv', text.replace(/y+$/, '') + '\n'), report: clean });
    expect(clean.controlChars ?? 0).toBe(0);
  });
});

// ------------------------------------------------------------------ rejects

describe('readTickets: rejects (never thrown)', () => {
  it('rejects each kind of bad row with its line, raw row and reason', async () => {
    const csv = [
      'id,status,priority,created_at,first_response_at,resolved_at,closed_at',
      ',open,high,2025-01-01T00:00:00Z,,,', // 2 missing id
      'B,open,high,,,,', // 3 missing created_at
      'C,open,high,yesterday,,,', // 4 unparseable
      'D,open,high,2025-02-30T10:00:00Z,,,', // 5 impossible
      'E,open,high,2025-01-02T00:00:00Z,,2025-01-01T00:00:00Z,', // 6 resolved before created
      'F,open,high,2025-01-02T00:00:00Z,2025-01-01T23:59:00Z,,', // 7 first response before created
      'G,closed,high,2025-01-02T00:00:00Z,,,2025-01-01T00:00:00Z', // 8 closed before created
      'H,hold-on,high,2025-01-02T00:00:00Z,,,', // 9 unknown status
      'I,open,p9,2025-01-02T00:00:00Z,,,', // 10 unknown priority
      'J,open,high,2025-03-09T02:30:00,2025-03-09T02:45:00,,', // 11 DST gap: fine
      'K,open,high,2025-01-02T00:00:00Z,,,2025-01-02T00:00:00Z', // 12 closed at created: fine
      'L,open,high,2025-01-02T00:00:00Z,,,,extra', // 13 too many fields
    ].join('\n');
    const recs = await tickets({ source: file('rejects.csv', csv) });
    const rejects = rejectsOf(recs);
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      [2, 'missing id'],
      [3, 'missing created_at'],
      [4, 'created_at "yesterday" is not a valid timestamp (expected ISO 8601, e.g. 2025-10-31T16:30:00Z)'],
      [5, 'created_at "2025-02-30T10:00:00Z" is not a valid timestamp (expected ISO 8601, e.g. 2025-10-31T16:30:00Z)'],
      [6, 'resolved_at (2025-01-01T00:00:00Z) is before created_at (2025-01-02T00:00:00Z)'],
      [7, 'first_response_at (2025-01-01T23:59:00Z) is before created_at (2025-01-02T00:00:00Z)'],
      [8, 'closed_at (2025-01-01T00:00:00Z) is before created_at (2025-01-02T00:00:00Z)'],
      [9, 'unknown status "hold-on"; map it in statusMap or the mapping'],
      [10, 'unknown priority "p9"; map it in priorityAliases or the mapping'],
      [13, 'row has 8 fields but the header has 7'],
    ]);
    expect(rejects[0].raw).toEqual({
      id: '', status: 'open', priority: 'high', created_at: '2025-01-01T00:00:00Z', first_response_at: '', resolved_at: '', closed_at: '',
    });
    const ok = recs.flatMap((r) => (r.kind === 'row' ? [r] : []));
    expect(ok.map((r) => [r.line, r.row.id])).toEqual([[11, 'J'], [12, 'K']]);
    // 02:30 on 2025-03-09 in New York does not exist: it is 03:30 EDT
    expect(ok[0].row.createdAt).toBe(Z('2025-03-09T07:30:00Z'));
    expect(ok[0].row.firstResponseAt).toBe(Z('2025-03-09T07:45:00Z'));
  });

  it('rejects malformed CSV quoting and reads on', async () => {
    const recs = await tickets({ source: file('q.csv', 'id,subject,created_at\n1,ok,2025-01-01\n2,"never closed,2025-01-01\n3,ok,2025-01-01') });
    expect(recs.map((r) => (r.kind === 'row' ? `row ${r.line} ${r.row.id}` : `reject ${r.line} ${r.reason}`))).toEqual([
      'row 2 1',
      'reject 3 malformed CSV: a quoted field is not closed before the end of the file; reading on from the next line',
      'row 4 3',
    ]);
    expect(rejectsOf(recs)[0].raw).toEqual({ text: '2,"never closed,2025-01-01' });
    // a closing quote followed by text: papaparse's complaint, with the lines the record spans
    const recs2 = await tickets({ source: file('q2.csv', 'id,subject,created_at\n1,"a"b\nc",2025-01-01\n2,ok,2025-01-01\n') });
    expect(recs2.map((r) => (r.kind === 'row' ? `row ${r.line} ${r.row.id}` : `reject ${r.line} ${r.reason}`))).toEqual([
      'reject 2 malformed CSV: Trailing quote on quoted field is malformed (the record runs from line 2 to line 3)',
      'row 4 2',
    ]);
  });

  it('names the source column in a reason when a mapping renamed it', async () => {
    const mapping = mappingOf({ columns: { id: 'Key', created_at: 'Opened' } });
    const recs = await tickets({ source: file('r.csv', 'Key,Opened\n1,soon\n,2025-01-01\n'), mapping });
    expect(rejectsOf(recs).map((r) => r.reason)).toEqual([
      'created_at ("Opened") "soon" is not a valid timestamp (expected ISO 8601, e.g. 2025-10-31T16:30:00Z)',
      'missing id ("Key")',
    ]);
  });
});

// ------------------------------------------------------------------ whole-source errors

describe('errors before any row', () => {
  it('a missing file, a directory', async () => {
    await throwsBeforeRows(readTickets({ source: join(dir, 'nope.csv'), vocab }), /cannot read .*nope\.csv: no such file/);
    await throwsBeforeRows(readTickets({ source: dir, vocab }), /is a directory/);
  });

  it('content that is not the format', async () => {
    const csv = file('x.csv', 'id,created_at\n1,2025-01-01T00:00:00Z\n');
    const e = await throwsBeforeRows(readTickets({ source: csv, vocab, format: 'json' }), /is not a JSON array \(it starts with "i"\)/);
    expect(e.hint).toMatch(/--input-format csv/);
    await throwsBeforeRows(readTickets({ source: csv, vocab, format: 'ndjson' }), /is not NDJSON/);
    const json = file('x.json', '  \n [ {"id": "1"} ]');
    await throwsBeforeRows(readTickets({ source: json, vocab, format: 'ndjson' }), /is not NDJSON \(it starts with "\["\)/);
    const e2 = await throwsBeforeRows(readTickets({ source: json, vocab, format: 'csv' }), /does not look like CSV/);
    expect(e2.hint).toMatch(/--input-format json/);
    await throwsBeforeRows(readTickets({ source: file('e.json', ' \n'), vocab }), /is empty/);
    await throwsBeforeRows(readTickets({ source: file('e.csv', ''), vocab }), /is empty/);
  });

  it('a header without the id or created_at column', async () => {
    const e = await throwsBeforeRows(readTickets({ source: file('noid.csv', 'key,created_at\n1,2025-01-01\n'), vocab }),
      /has no "id" column/);
    expect(e.hint).toMatch(/"key", "created_at"/);
    await throwsBeforeRows(readTickets({ source: file('nocreated.csv', 'id,opened\n1,2025-01-01\n'), vocab }), /has no "created_at" column/);
    await throwsBeforeRows(readEvents({ source: file('noticket.csv', 'id2,at,type\n1,2025-01-01,note\n'), vocab }), /has no "ticket_id" column/);
    await throwsBeforeRows(readEvents({ source: file('notype.csv', 'ticket_id,at\n1,2025-01-01\n'), vocab }), /has no "type" or "status" column/);
    await throwsBeforeRows(readTickets({ source: file('noid.json', '[{"key": 1, "created_at": "2025-01-01"}]'), vocab }), /has no "id" key/);
    await throwsBeforeRows(readTickets({ source: file('semi.csv', 'id;created_at\n1;2025-01-01\n'), vocab }), /separated by semicolons/);
  });

  it('a mapping naming a column the header lacks: names the column and the mapping', async () => {
    const mapping = mappingOf({ columns: { id: 'Ticket', created_at: 'Opened', resolved_at: 'Solved at' } });
    const e = await throwsBeforeRows(readTickets({ source: file('m.csv', 'Ticket,Opened\n1,2025-01-01\n'), vocab, mapping }),
      /column "Solved at" \(resolved_at in mapping .*inline-mapping\.json\) is not in .*m\.csv/);
    expect(e.hint).toMatch(/"Ticket", "Opened"/);
    const ev = mappingOf({ kind: 'events', columns: { ticket_id: 'Case' }, events: { activityColumn: 'Activity' } });
    await throwsBeforeRows(readEvents({ source: file('m2.csv', 'Case,at\n1,2025-01-01\n'), vocab, mapping: ev }),
      /column "Activity" \(events.activityColumn in mapping/);
  });

  it('a mapping for the other kind of source', async () => {
    const ev = mappingOf({ kind: 'events', columns: {} });
    await throwsBeforeRows(readTickets({ source: file('k.csv', 'id,created_at\n'), vocab, mapping: ev }), /is for an event log/);
  });
});

// ------------------------------------------------------------------ JSON and NDJSON

describe('JSON array and NDJSON', () => {
  it('streams a JSON array: lines where objects start, arrays as tags, scalars as text, null as absent', async () => {
    const text = `[
  {"id": 1, "subject": "a [tricky] {one} \\"quoted\\", yes", "status": "open",
   "tags": ["x", " y ", ""], "created_at": "2025-01-01T00:00:00Z", "score": 4.5, "vip": true, "meta": {"k": [1, 2]}},
  {"id": "2", "subject": null, "created_at": "2025-01-02T00:00:00Z", "resolved_at": null},

  {"id": "3", "created_at": "2025-01-03T00:00:00Z", "tags": "p;q"}
]
`;
    const recs = await tickets({ source: file('t.json', text) });
    expect(recs.map((r) => r.line)).toEqual([2, 4, 6]);
    const rows = rowsOf(recs);
    expect(rows[0]).toEqual({
      id: '1', subject: 'a [tricky] {one} "quoted", yes', status: 'open', tags: ['x', 'y'], createdAt: Z('2025-01-01T00:00:00Z'),
      firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, custom: { score: '4.5', vip: 'true', meta: '{"k":[1,2]}' },
    });
    expect(rows[1]).toEqual({ id: '2', subject: null, createdAt: Z('2025-01-02T00:00:00Z'), firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null });
    expect(rows[2].tags).toEqual(['p', 'q']);
  });

  it('rejects values of the array that are not objects, and a truncated array', async () => {
    const text = '[{"id":"1","created_at":"2025-01-01T00:00:00Z"}, 42, "s", [1],\n{"id":"2","created_at":"2025-01-01T00:00:00Z"},\n{"id":"3"';
    const recs = await tickets({ source: file('bad.json', text) });
    expect(recs.map((r) => (r.kind === 'row' ? `row ${r.line} ${r.row.id}` : `reject ${r.line} ${r.reason}`))).toEqual([
      'row 1 1',
      'reject 1 not a JSON object',
      'reject 1 not a JSON object',
      'reject 1 not a JSON object',
      'row 2 2',
      'reject 3 the file ends inside a value (JSON array not closed)',
    ]);
  });

  it('streams a large JSON array across read chunks', async () => {
    const items = Array.from({ length: 5000 }, (_, i) => JSON.stringify({
      id: `J${i}`, subject: `}{][ "${'z'.repeat(i % 97)}" \\ ,`, created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    }, null, i % 2 === 0 ? 2 : undefined));
    const text = `[\n${items.join(',\n')}\n]\n`;
    const recs = await tickets({ source: file('big.json', text) });
    const rows = rowsOf(recs);
    expect(rows).toHaveLength(5000);
    expect(rows[4999].id).toBe('J4999');
    expect(rows[4999].createdAt).toBe(Date.UTC(2025, 0, 1) + 4999 * 60_000);
    // even items span 5 lines (pretty-printed), odd ones 1
    expect(recs[0].line).toBe(2);
    expect(recs[1].line).toBe(7);
    expect(recs[2].line).toBe(8);
    expect(recs[4999].line).toBe(2 + 2500 * 5 + 2499);
  });

  it('reads NDJSON: one object per line, blank lines skipped, bad lines rejected', async () => {
    const text = '{"id":"1","created_at":"2025-01-01T00:00:00Z","tags":["a","b"]}\r\n\n  \n{"id":"2","created_at":"2025-01-01T00:00:00Z"}\n{"id": oops}\n[1,2]\n{"id":"3","created_at":"2025-01-01T00:00:00Z"}';
    const recs = await tickets({ source: file('t.ndjson', text) });
    expect(recs.map((r) => (r.kind === 'row' ? `row ${r.line} ${r.row.id}` : `reject ${r.line} ${r.reason.slice(0, 24)}`))).toEqual([
      'row 1 1', 'row 4 2', 'reject 5 not valid JSON: Unexpect', 'reject 6 not a JSON object (NDJSO', 'row 7 3',
    ]);
    expect(rowsOf(recs.slice(0, 1))[0].tags).toEqual(['a', 'b']);
    expect(rowsOf(await tickets({ source: file('t.jsonl', '{"id":"9","created_at":"2025-01-01"}\n') })).map((r) => r.id)).toEqual(['9']);
  });

  it('picks the format from the option, the mapping, the extension, else CSV', () => {
    const m = mappingOf({ format: 'ndjson' });
    expect(detectFormat({ source: 'a.json' })).toBe('json');
    expect(detectFormat({ source: 'a.JSONL' })).toBe('ndjson');
    expect(detectFormat({ source: 'a.ndjson' })).toBe('ndjson');
    expect(detectFormat({ source: 'a.txt' })).toBe('csv');
    expect(detectFormat({ source: '-' })).toBe('csv');
    expect(detectFormat({ source: 'a.json', mapping: m })).toBe('ndjson');
    expect(detectFormat({ source: 'a.json', mapping: m, format: 'csv' })).toBe('csv');
  });
});

// ------------------------------------------------------------------ mappings on tickets

describe('mappings on ticket exports', () => {
  it('maps columns, value maps (case-insensitive), missing placeholders, ignore, custom names, formats and zones', async () => {
    const mapping = mappingOf({
      columns: { id: 'Ref', status: 'State', priority: 'Sev', created_at: 'Opened', 'custom.plan': 'Plan Name', tier: 'Level' },
      ignore: ['internal note'],
      missing: ['?', 'n/a'],
      timestamps: { format: 'd/M/yyyy HH:mm', zone: 'Europe/Rome' },
      values: { status: { 'On Hold': 'pending', Done: 'resolved' }, priority: { P1: 'urgent', p2: 'high' }, tier: { G: 'gold' } },
    });
    const csv = 'Ref,State,Sev,Opened,Plan Name,Internal Note,Level,Extra\n'
      + 'R1,on hold,p1,30/3/2025 02:30,Pro,secret,g,?\n'
      + 'R2,DONE,P2,1/7/2025 09:00,n/a,x,?,keep\n'
      + 'R3,Solved,Normal,1/7/2025 09:00,,,,\n';
    const rows = rowsOf(await tickets({ source: file('m.csv', csv), mapping }));
    expect(rows).toEqual([
      { id: 'R1', status: 'pending', priority: 'urgent', tier: 'gold', createdAt: Z('2025-03-30T01:30:00Z'), firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, custom: { plan: 'Pro' } },
      { id: 'R2', status: 'resolved', priority: 'high', tier: null, createdAt: Z('2025-07-01T07:00:00Z'), firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, custom: { Extra: 'keep' } },
      // not in the mapping: the config's statusMap and priorityAliases still apply
      { id: 'R3', status: 'resolved', priority: 'medium', tier: null, createdAt: Z('2025-07-01T07:00:00Z'), firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null },
    ]);
  });

  it('reads epoch timestamps from JSON numbers', async () => {
    const mapping = mappingOf({ timestamps: { format: 'epoch_s' } });
    const rows = rowsOf(await tickets({ source: file('e.json', '[{"id": 5, "created_at": 1761928200, "resolved_at": "1761929100"}]'), mapping }));
    expect([rows[0].createdAt, rows[0].resolvedAt]).toEqual([Z('2025-10-31T16:30:00Z'), Z('2025-10-31T16:45:00Z')]);
  });

  it('zendesk.json reads a Zendesk export', async () => {
    const mapping = loadMapping(join(MAPPINGS, 'zendesk.json'));
    const rows = rowsOf(await tickets({ source: join(FIXTURES, 'zendesk-sample.csv'), mapping }));
    expect(rows.map((r) => [r.id, r.status, r.priority, r.customer, r.channel, r.assignee, r.tags])).toEqual([
      ['1201', 'resolved', 'urgent', 'Analytical Engines', 'Mail', 'Grace Hopper', ['hardware', 'urgent_fix']],
      ['1202', 'waiting_customer', 'medium', 'Difference Co', 'Web Form', null, ['billing']],
      ['1203', 'pending', 'high', 'Bletchley', 'Chat', 'Grace Hopper', []],
    ]);
    expect(rows[0].createdAt).toBe(Z('2025-10-31T14:30:00Z'));
    expect(rows[0].resolvedAt).toBe(Z('2025-10-31T18:15:00Z'));
    // no first-reply timestamp in the export: created at + "First reply time in minutes" (calendar minutes)
    expect(rows[0].firstResponseAt).toBe(Z('2025-10-31T14:42:00Z'));
    expect(rows[1].firstResponseAt).toBe(Z('2025-11-03T15:00:00Z'));
    expect(rows[2].firstResponseAt).toBe(Z('2025-11-03T14:05:00Z'));
    expect(rows[0].custom?.['First reply time in minutes']).toBe('12');
    expect(rows[1].resolvedAt).toBeNull(); // "-"
    expect(rows[0].custom).not.toHaveProperty('Summation column');
  });

  it('freshdesk.json reads a Freshdesk export (names and numeric codes)', async () => {
    const mapping = loadMapping(join(MAPPINGS, 'freshdesk.json'));
    const rows = rowsOf(await tickets({ source: join(FIXTURES, 'freshdesk-sample.csv'), mapping }));
    expect(rows.map((r) => [r.id, r.status, r.priority, r.channel, r.group, r.tags])).toEqual([
      ['501', 'resolved', 'urgent', 'Email', 'Tier 1', ['login', 'sso']],
      ['502', 'waiting_customer', 'medium', 'Portal', 'Billing', []],
      ['503', 'closed', 'urgent', 'Phone', 'Tier 2', ['export']],
    ]);
    // no offset: the config's zone (New York); 01:30 on 2025-11-02 is the first (EDT) one
    expect(rows[0].firstResponseAt).toBe(Z('2025-10-31T14:42:00Z'));
    expect(rows[2].createdAt).toBe(Z('2025-11-02T05:30:00Z'));
    expect(rows[2].closedAt).toBe(Z('2025-11-05T08:00:00Z'));
    expect(rows.map((r) => r.customer)).toEqual(['Acme Corp', 'Globex', rows[2].customer]);
    expect(rows[0].custom).not.toHaveProperty('Company Name');
    // an export without the company column reads the same (the column is optional)
    const header = readFileSync(join(FIXTURES, 'freshdesk-sample.csv'), 'utf8').split('\n')[0];
    const without = file('fd-nocompany.csv', `${header.replace(',Company Name', '')}\n501,Cannot log in,Resolved,Urgent,Email,Incident,Jane Agent,Tier 1,2025-10-31 10:30:00,,2025-10-31 14:15:00,,2025-10-31 14:15:00,2025-10-31 10:42:00,,,,,,,,,,\n`);
    const only = rowsOf(await tickets({ source: without, mapping }));
    expect(only.map((r) => [r.id, r.status, r.customer])).toEqual([['501', 'resolved', undefined]]);
  });
});

// ------------------------------------------------------------------ events

describe('readEvents', () => {
  it('reads a canonical event log: types, value vocabulary, attributes, priority changes', async () => {
    const csv = [
      'ticket_id,at,type,value,actor,priority,customer,sentiment',
      'T1,2025-01-01T09:00:00Z,created,,ann,high,Acme,calm',
      'T1,2025-01-01T09:10:00Z,Status,Solved,bob,high,Acme,',
      'T1,2025-01-01T09:20:00Z,note,"call back, later",bob,Critical,Acme,angry',
      'T1,2025-01-01T09:30:00Z,priority,normal,bob,,,',
      'T1,2025-01-01T09:40:00Z,escalate,,bob,,,',
      'T2,2025-01-01T09:00:00Z,status,parked,ann,,,',
      ',2025-01-01T09:00:00Z,reply,,ann,,,',
      'T3,,reply,,ann,,,',
      'T3,2025-01-01T09:00:00Z,,,ann,,,',
      'T3,2025-01-01T09:00:00Z,status,,ann,,,',
    ].join('\n');
    const recs = await events({ source: file('ev.csv', csv) });
    expect(flatEvents(recs)).toEqual([
      [2, 'T1', 'created', null, 'ann', 'high'],
      [3, 'T1', 'status', 'resolved', 'bob', 'high'],
      [4, 'T1', 'note', 'call back, later', 'bob', 'urgent'],
      [5, 'T1', 'priority', 'medium', 'bob', null],
    ]);
    // the priority column changed on line 4: the merge makes that a priority event
    expect(histories(recs).get('T1')!.map((e) => [e.at - Z('2025-01-01T09:00:00Z'), e.type, e.value])).toEqual([
      [600_000, 'status', 'resolved'], [1_200_000, 'priority', 'urgent'], [1_200_000, 'note', 'call back, later'], [1_800_000, 'priority', 'medium'],
    ]);
    const first = recs[0];
    expect(first.kind === 'row' && first.row).toMatchObject({
      ticketId: 'T1', at: Z('2025-01-01T09:00:00Z'), events: [{ type: 'created', value: null }], actor: 'ann',
      attrs: { customer: 'Acme', priority: 'high', custom: { sentiment: 'calm' } },
      createdAt: null, firstResponseAt: null, resolvedAt: null, closedAt: null,
    });
    // an empty cell says nothing: line 3's empty sentiment is not in its attributes
    const second = recs[1];
    expect(second.kind === 'row' && second.row.attrs).toEqual({ customer: 'Acme', priority: 'high' });
    expect(rejectsOf(recs).map((r) => [r.line, r.reason])).toEqual([
      [6, 'unknown event type "escalate"; use one of created, status, reply, priority, assign, pause, resume, note, or map it in the mapping ("values": {"type": …})'],
      [7, 'unknown status "parked"; map it in statusMap or the mapping'],
      [8, 'missing ticket_id'],
      [9, 'missing at'],
      [10, 'missing type'],
      [11, 'status event without a value'],
    ]);
  });

  it('firstResponseAwayFrom: the first status change away from "new" also yields a reply', async () => {
    const mapping = mappingOf({
      kind: 'events',
      columns: { ticket_id: 'Ticket', at: 'When', type: 'Kind', value: 'To' },
      values: { status: { Nieuw: 'new', Bezig: 'in_progress' }, type: { Statuswijziging: 'status' } },
      events: { firstResponseAwayFrom: 'Nieuw' },
    });
    const csv = 'Ticket,When,Kind,To\n'
      + 'A,2025-01-01T09:00:00Z,statuswijziging,nieuw\n'
      + 'A,2025-01-01T09:05:00Z,Statuswijziging,Bezig\n'
      + 'B,2025-01-01T09:00:00Z,reply,\n'
      + 'B,2025-01-01T09:06:00Z,status,pending\n'
      + 'A,2025-01-01T10:00:00Z,status,resolved\n';
    const h = histories(await events({ source: file('fr.csv', csv), mapping }), mapping.events!.firstResponseAwayFrom!);
    const of = (id: string) => h.get(id)!.map((e) => [e.at - Z('2025-01-01T09:00:00Z'), e.type, e.value ?? null]);
    expect(of('A')).toEqual([[0, 'status', 'new'], [300_000, 'reply', null], [300_000, 'status', 'in_progress'], [3_600_000, 'status', 'resolved']]);
    expect(of('B')).toEqual([[0, 'reply', null], [360_000, 'status', 'pending']]);
  });

  it('activity rules: several events per row, otherwise note or ignore, values from the value column', async () => {
    const base = { kind: 'events', columns: { ticket_id: 'Case', at: 'At' } };
    const rules = {
      Start: [{ type: 'reply' }, { type: 'status', value: 'in_progress' }],
      'set status': { type: 'status' },
    };
    const csv = 'Case,Activity,At,value\nC1,start,2025-01-01T09:00:00Z,\nC1,Set Status,2025-01-01T09:01:00Z,Solved\nC1,Coffee,2025-01-01T09:02:00Z,\nC1,,2025-01-01T09:03:00Z,\n';
    const note = await events({
      source: file('act.csv', csv), mapping: mappingOf({ ...base, events: { activityColumn: 'activity', rules } }),
    });
    expect(note.map((r) => (r.kind === 'row' ? `${r.line} ${r.row.events.map((e) => `${e.type} ${e.value}`).join(' + ')}` : `${r.line} reject ${r.reason}`))).toEqual([
      '2 reply null + status in_progress', '3 status resolved', '4 note Coffee', '5 reject missing activity (column "Activity")',
    ]);
    const ignore = await events({
      source: file('act2.csv', csv), mapping: mappingOf({ ...base, events: { activityColumn: 'Activity', rules, otherwise: 'ignore' } }),
    });
    // the row is kept (its fields count), with no event
    expect(ignore.flatMap((r) => (r.kind === 'row' ? [r.row.events.length] : []))).toEqual([2, 1, 0]);
  });

  it('reject reasons for unknown status/priority values and unparseable times in event logs', async () => {
    const typed = 'ticket_id,at,type,value\n'
      + 'T1,2025-01-01T09:00:00Z,priority,p9\n'
      + 'T1,2025-01-01T09:01:00Z,status,parked\n'
      + 'T1,soon,reply,\n';
    expect(rejectsOf(await events({ source: file('unk.csv', typed) })).map((r) => [r.line, r.reason])).toEqual([
      [2, 'unknown priority "p9"; map it in priorityAliases or the mapping'],
      [3, 'unknown status "parked"; map it in statusMap or the mapping'],
      [4, 'at "soon" is not a valid timestamp (expected ISO 8601, e.g. 2025-10-31T16:30:00Z)'],
    ]);
    const rules = { 'set status': { type: 'status' }, 'set priority': { type: 'priority' } };
    const csv = 'Case,Activity,At,value\nC1,set status,2025-01-01T09:00:00Z,parked\nC1,set priority,2025-01-01T09:01:00Z,p9\n';
    const recs = await events({
      source: file('unk-act.csv', csv),
      mapping: mappingOf({ kind: 'events', columns: { ticket_id: 'Case', at: 'At' }, events: { activityColumn: 'Activity', rules } }),
    });
    expect(rejectsOf(recs).map((r) => [r.line, r.reason])).toEqual([
      [2, 'unknown status "parked"; map it in the mapping'],
      [3, 'unknown priority "p9"; map it in the mapping'],
    ]);
  });
});

// ------------------------------------------------------------------ the real help-desk log

describe('helpdesk-events.json on the real log (Polato 2017, 4TU.ResearchData)', () => {
  const mapping = (): Mapping => loadMapping(join(MAPPINGS, 'helpdesk-events.json'));
  const Rome = (s: string): number => Z(s); // helper for readability: values below are UTC

  it('reads the trimmed sample exactly', async () => {
    const recs = await events({ source: join(FIXTURES, 'helpdesk-sample.csv'), mapping: mapping() });
    const rows = rowsOf(recs);
    const h = histories(recs);
    expect(new Set(h.keys())).toEqual(new Set(['Case 1', 'Case 7', 'Case 9', 'Case 20', 'Case 22', 'Case 28', 'Case 48']));
    const counts: Record<string, number> = {};
    for (const list of h.values()) for (const e of list) counts[e.type] = (counts[e.type] ?? 0) + 1;
    expect(counts).toEqual({ note: 14, reply: 8, status: 23, priority: 3 });
    expect(rows.length).toBe(recs.length);

    const show = (id: string) => h.get(id)!.map((e) => `${new Date(e.at).toISOString()} ${e.type} ${e.value} ${e.actor}`);
    // a Wait: in_progress → waiting_customer → resolved (times are Europe/Rome, CEST = UTC+2)
    expect(show('Case 20')).toEqual([
      '2013-05-09T05:10:37.000Z note Assign seriousness Value 14',
      '2013-06-04T11:33:01.000Z reply null Value 9',
      '2013-06-04T11:33:01.000Z status in_progress Value 9',
      '2013-06-10T07:06:43.000Z status waiting_customer Value 9',
      '2013-06-19T07:12:02.000Z status resolved Value 9',
      '2013-07-04T07:12:15.000Z status closed Value 3',
    ]);
    // a priority change: inserted at Value 3 (low), assessed Value 2 (medium); also the tier changes
    expect(show('Case 9')).toEqual([
      '2010-05-07T11:02:21.000Z note Insert ticket Value 12',
      '2010-05-07T11:02:34.000Z priority medium Value 12',
      '2010-05-07T11:02:34.000Z note Assign seriousness Value 12',
      '2010-05-24T08:26:28.000Z reply null Value 6',
      '2010-05-24T08:26:28.000Z status in_progress Value 6',
      '2010-05-25T13:35:44.000Z status resolved Value 12',
      '2010-06-09T13:35:56.000Z status closed Value 5',
    ]);
    expect(show('Case 7').filter((s) => s.includes(' priority '))).toEqual(['2013-11-22T07:00:08.000Z priority medium Value 2']);
    expect(show('Case 28').filter((s) => s.includes(' note '))).toEqual([
      '2013-10-25T13:53:59.000Z note Assign seriousness Value 9',
      '2013-10-25T13:54:12.000Z note Create SW anomaly Value 9',
      '2013-10-25T13:54:23.000Z note Require upgrade Value 9',
      '2013-11-14T14:55:48.000Z note Require upgrade Value 1', // CET = UTC+1 in November
    ]);
    const first = recs[0];
    expect(first.kind === 'row' && first.row).toMatchObject({
      ticketId: 'Case 1', at: Rome('2012-10-09T12:50:17Z'), events: [{ type: 'note', value: 'Assign seriousness' }], actor: 'Value 1',
      attrs: {
        customer: 'Value 1', tier: 'Value 1', group: 'Value 1', priority: 'high',
        custom: { product: 'Value 1', responsible_section: 'Value 1', service_type: 'Value 1', support_section: 'Value 1' },
      },
    });
  });

  it('reads the full log: 4,580 tickets, no rejects', async () => {
    const recs = await events({ source: REAL_LOG, mapping: mapping() });
    expect(rejectsOf(recs)).toEqual([]);
    const h = histories(recs);
    expect(h.size).toBe(4580);
    const counts: Record<string, number> = {};
    for (const list of h.values()) for (const e of list) counts[e.type] = (counts[e.type] ?? 0) + 1;
    // Take in charge 5,060 (reply + in_progress); Wait 1,463; Resolve 4,983; Closed 4,574
    expect(counts).toEqual({ status: 16080, reply: 5060, note: 5268, priority: 84 });
    expect(recs.length).toBe(21348); // a record per row
    expect(recs[recs.length - 1].line).toBe(21349);
    const ticketsWithPriorityChange = [...h].filter(([, list]) => list.some((e) => e.type === 'priority'));
    expect(ticketsWithPriorityChange.length).toBe(77);
  });
});

describe('the quick passes over an event log (a first pass for tickets; rows read later)', () => {
  /** A log of several 64 KiB chunks with what trips a line splitter: quoted fields over lines, blank lines, odd rows. */
  const bigLog = (eol: string, quoted = true): string => {
    const lines = ['ticket_id,at,type,value,actor'];
    for (let i = 0; i < 6000; i++) {
      const t = `T${(i * 7919) % 500}`;
      const at = new Date(Date.UTC(2026, 2, 2) + i * 60_000).toISOString();
      if (i % 1000 === 17 && quoted) lines.push(`${t},${at},note,"a note${eol}over two lines, with a comma",ana`);
      else if (i % 1000 === 400) lines.push('');
      else if (i % 1000 === 401) lines.push(`,${at},note,no ticket,ana`);
      else if (i % 1000 === 402) lines.push(`${t},${at},note`); // short row
      else if (i % 1000 === 403) lines.push(`${t},${at},status,zzz,ana`); // an unknown status
      else lines.push(`${t},${at},${i % 3 ? 'note' : 'reply'},row ${i},agent ${i % 13}`);
    }
    return lines.join(eol); // no line break after the last line
  };

  for (const [name, eol] of [['LF', '\n'], ['CRLF', '\r\n']] as const) {
    it(`readEventTickets gives each row's line and ticket as readEvents does (${name}, several chunks)`, async () => {
      const source = file(`big-${name}.csv`, bigLog(eol));
      expect(statSync(source).size).toBeGreaterThan(4 * 65536);
      const full = await events({ source });
      const quick = await all(readEventTickets({ vocab, source }));
      const ids = (recs: Array<ImportRecord<{ ticketId: string }>>) => recs.flatMap((r) => (r.kind === 'row' ? [[r.line, r.row.ticketId]] : []));
      // the quick pass rejects only rows without a ticket: the others it counts as the full read does
      const fullIds = full.flatMap((r) => (r.kind === 'row' ? [[r.line, r.row.ticketId]]
        : r.reason.startsWith('missing ticket_id') ? [] : [[r.line, r.raw.ticket_id]]));
      expect(ids(quick)).toEqual(fullIds);
      expect(fullIds.length).toBe(6000 - 6 - 6); // blank lines and rows without a ticket
      expect(full.at(-1)?.line).toBe(6000 + 6 + 1); // quoted line breaks counted
    });
  }

  it('a bare LF inside a row of a CRLF log: the quick pass reads that text as the full read does', async () => {
    const text = bigLog('\r\n', false).replace('row 3000,', 'row 3000 has\na bare LF,');
    const source = file('bare-lf.csv', text);
    const full = await events({ source });
    const quick = await all(readEventTickets({ vocab, source }));
    expect(quick.filter((r) => r.kind === 'row').map((r) => r.line))
      .toEqual(full.filter((r) => r.kind === 'row' || !r.reason.startsWith('missing ticket_id')).map((r) => r.line));
  });

  it('readEventsDeferred: each deferred row, read, is the record readEvents makes (rows and rejects)', async () => {
    const source = file('deferred.csv', bigLog('\n'));
    const full = await events({ source });
    const d = readEventsDeferred({ vocab, source });
    const later: Array<ImportRecord<EventRow>> = [];
    let deferred = 0;
    for await (const r of d.records) {
      if (r.kind === 'row' && 'cells' in r.row) { deferred++; later.push(d.read(r.row.sep + r.row.cells, r.line)); } else later.push(r as ImportRecord<EventRow>);
    }
    expect(deferred).toBeGreaterThan(5900);
    expect(later).toEqual(full);
  });
});
