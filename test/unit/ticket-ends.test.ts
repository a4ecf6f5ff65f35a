// The first pass over an event log: which lines are their ticket's last row.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEventTickets } from '../../src/import/read.js';
import { groupedByTicket, ticketEnds } from '../../src/import/ticket-ends.js';
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
    const ends = await ticketEnds(readEventTickets, { source, vocab }, 4096);
    expect(ends).not.toBeNull();
    const want = new Set(last.values());
    const got: number[] = [];
    for (let l = 0; l <= lines.length + 8; l++) if (ends!.has(l)) got.push(l);
    expect(got.length).toBe(last.size);
    expect(got.every((l) => want.has(l))).toBe(true);
  });

  it('is null for a log grouped by ticket (told from its first rows)', async () => {
    const lines = ['ticket_id,at,type'];
    for (let t = 0; t < 3000; t++) for (let k = 0; k < 3; k++) lines.push(`T${t},2026-03-02T09:00Z,note`);
    const source = join(dir, 'grouped.csv');
    writeFileSync(source, lines.join('\n'));
    expect(await ticketEnds(readEventTickets, { source, vocab }, 4096)).toBeNull();
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
    expect(await ticketEnds(readEventTickets, { source: join(dir, 'i.csv'), vocab }, 4096)).not.toBeNull();
  });
});
