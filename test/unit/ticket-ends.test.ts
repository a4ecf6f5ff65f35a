// The first pass over an event log: which lines are their ticket's last row.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventTicketColumn, readEventTickets } from '../../src/import/read.js';
import { groupedByTicket, ticketEnds, ticketEndsOfPlainCsv } from '../../src/import/ticket-ends.js';
import type { Vocabulary } from '../../src/import/types.js';

const dir = mkdtempSync(join(tmpdir(), 'sla-ends-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const vocab: Vocabulary = { statusMap: {}, priorityAliases: {}, priorities: ['urgent', 'high', 'medium', 'low'], timezone: 'UTC' };

describe('ticketEnds', () => {
  it('marks each ticket\'s last line, and only those, for a log in time order of 9,000 tickets', async () => {
    const lines = ['ticket_id,at,type'];
    const last = new Map<string, number>();
    let x = 12345;
    for (let i = 0; i < 30_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const id = `ticket number ${x % 9000}`; // long ids (sliced strings), many tickets
      lines.push(`${id},2026-03-02T09:00Z,note`);
      last.set(id, lines.length); // the line number of this row (the header is line 1)
    }
    const source = join(dir, 'log.csv');
    writeFileSync(source, lines.join('\n'));
    const ends = await ticketEnds(readEventTickets, { source, vocab });
    expect(ends).not.toBeNull();
    const want = new Set(last.values());
    const got: number[] = [];
    for (let l = 0; l <= lines.length + 8; l++) if (ends!.has(l)) got.push(l);
    expect(got.length).toBe(last.size);
    expect(got.every((l) => want.has(l))).toBe(true);
  });

  it('a log grouped by ticket is told from its first rows (groupedByTicket; ticketEnds is not asked then)', async () => {
    const lines = ['ticket_id,at,type'];
    for (let t = 0; t < 3000; t++) for (let k = 0; k < 3; k++) lines.push(`T${t},2026-03-02T09:00Z,note`);
    const source = join(dir, 'grouped.csv');
    writeFileSync(source, lines.join('\n'));
    expect(await groupedByTicket(readEventTickets, { source, vocab }, 4096)).toBe(true);
  });

  it('the byte reading of a plain CSV marks the same lines as the text reading; any other file is left to the text reading', async () => {
    const lines = ['at,type,ticket_id,value'];
    let x = 7;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      if (i % 997 === 0) lines.push(''); // blank lines count as lines
      if (i % 1201 === 0) lines.push('2026-03-02T09:00Z,note,,x'); // no ticket
      if (i % 1303 === 0) lines.push('2026-03-02T09:00Z,note'); // too few cells
      lines.push(`2026-03-02T09:00Z,note,T-${x % 700},v${i}`);
    }
    const plain = join(dir, 'plain.csv');
    writeFileSync(plain, lines.join('\n')); // no line break after the last row
    const column = (h: string[]) => eventTicketColumn({ source: plain, vocab }, h);
    const text = await ticketEnds(readEventTickets, { source: plain, vocab });
    const bytes = ticketEndsOfPlainCsv(plain, column);
    expect(bytes).not.toBeNull();
    const marked = (s: { has(l: number): boolean }) => Array.from({ length: lines.length + 2 }, (_, l) => l).filter((l) => s.has(l));
    expect(marked(bytes!)).toEqual(marked(text!));
    expect(marked(bytes!).length).toBe(700);
    for (const [name, body] of [
      ['quote', 'ticket_id,at\n"T1",2026-03-02T09:00Z\n'],
      ['crlf', 'ticket_id,at\r\nT1,2026-03-02T09:00Z\r\n'],
      ['space', 'ticket_id,at\n T1,2026-03-02T09:00Z\nT1,2026-03-02T10:00Z\n'],
      ['utf8', 'ticket_id,at\nTé1,2026-03-02T09:00Z\n'],
      ['no ticket column', 'id_of_something,at\nT1,2026-03-02T09:00Z\n'],
    ]) {
      const f = join(dir, `${name}.csv`);
      writeFileSync(f, body);
      expect(ticketEndsOfPlainCsv(f, (h) => eventTicketColumn({ source: f, vocab }, h)), name).toBeNull();
    }
  });

  it('groupedByTicket tells the same from the first rows only (a short file: not grouped)', async () => {
    const grouped = ['ticket_id,at,type'];
    for (let t = 0; t < 3000; t++) for (let k = 0; k < 3; k++) grouped.push(`T${t},2026-03-02T09:00Z,note`);
    const interleaved = ['ticket_id,at,type'];
    for (let k = 0; k < 3; k++) for (let t = 0; t < 3000; t++) interleaved.push(`T${t},2026-03-02T09:00Z,note`);
    writeFileSync(join(dir, 'g.csv'), grouped.join('\n'));
    writeFileSync(join(dir, 'i.csv'), interleaved.join('\n'));
    writeFileSync(join(dir, 's.csv'), grouped.slice(0, 100).join('\n'));
    expect(await groupedByTicket(readEventTickets, { source: join(dir, 'g.csv'), vocab }, 4096)).toBe(true);
    expect(await groupedByTicket(readEventTickets, { source: join(dir, 'i.csv'), vocab }, 4096)).toBe(false);
    expect(await groupedByTicket(readEventTickets, { source: join(dir, 's.csv'), vocab }, 4096)).toBe(false);
    expect(await ticketEnds(readEventTickets, { source: join(dir, 'i.csv'), vocab })).not.toBeNull();
  });
});
