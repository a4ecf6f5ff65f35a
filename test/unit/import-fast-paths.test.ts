// The import's fast paths must answer exactly what the general code answers:
// the row digest tells rows apart like their JSON does, and the trace-free policy
// choice is assignPolicy's choice.

import { describe, expect, it } from 'vitest';
import { assignPolicy, choosePolicy, findPolicy, matchPolicy, policyChooser, type PolicyDef, type TicketFields } from '../../src/domain/policy.js';
import { TICKET_FIELD_NAMES, ticketFields, type Ticket } from '../../src/domain/ticket.js';
import { forEachRecord } from '../../src/import/records.js';
import type { ImportRecord } from '../../src/import/types.js';
import { rowHash } from '../../src/app/import.js';
import type { ExportTicketRow } from '../../src/import/types.js';
import { mulberry32 } from '../support/build.js';


const base: ExportTicketRow = {
  id: 'T1', createdAt: 1_762_000_000_000, firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: 1_762_000_360_000,
  subject: 'Printer on fire', requester: 'ana@example.com', customer: 'Acme', tier: 'enterprise', assignee: 'bo', group: 'support',
  channel: 'email', status: 'open', priority: 'urgent', tags: ['vip'], custom: { region: 'emea' },
};

describe('rowHash', () => {
  it('is the same for the same row and differs when any field differs, null, empty and absent apart', () => {
    const h = rowHash(base);
    expect(rowHash({ ...base, tags: ['vip'], custom: { region: 'emea' } })).toBe(h);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    const variants: ExportTicketRow[] = [
      { ...base, id: 'T2' }, { ...base, createdAt: base.createdAt + 1 }, { ...base, createdAt: base.createdAt + 2 ** 32 },
      { ...base, firstResponseAt: 0 }, { ...base, updatedAt: null }, { ...base, subject: 'Printer on fire.' },
      { ...base, subject: '' }, { ...base, subject: null }, { ...base, subject: undefined }, { ...base, requester: 'ana@example.co' },
      { ...base, customer: 'acme' }, { ...base, tier: null }, { ...base, assignee: 'bo ' }, { ...base, group: 'Support' },
      { ...base, channel: 'web' }, { ...base, status: 'pending' }, { ...base, priority: 'high' }, { ...base, tags: [] },
      { ...base, tags: ['vip', 'api'] }, { ...base, tags: ['vipapi'] }, { ...base, tags: undefined }, { ...base, custom: {} },
      { ...base, custom: { region: 'apac' } }, { ...base, custom: { regio: 'nemea' } }, { ...base, custom: undefined },
      { ...base, subject: 'ab', requester: 'c' }, { ...base, subject: 'a', requester: 'bc' }, { ...base, closedAt: 1.5 },
    ];
    const seen = new Set([h]);
    for (const v of variants) {
      const hv = rowHash(v);
      expect(seen.has(hv), JSON.stringify(v)).toBe(false);
      seen.add(hv);
    }
  });

  it('digests a row with a field it does not know from its JSON', () => {
    const odd = { ...base, extra: 'x' } as ExportTicketRow;
    expect(rowHash(odd)).toMatch(/^j/);
    expect(rowHash(odd)).not.toBe(rowHash({ ...base, extra: 'y' } as ExportTicketRow));
  });

  it('random rows: equal digests exactly for equal JSON', () => {
    const rnd = mulberry32(7);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const byHash = new Map<string, string>();
    for (let i = 0; i < 20_000; i++) {
      const row: ExportTicketRow = {
        ...base, id: String(Math.floor(rnd() * 50)), subject: pick(['a', 'b', null, '', 'é🎉']), status: pick(['open', 'pending']),
        tags: pick([[], ['x'], ['x', 'y']]), updatedAt: pick([null, 1, 2 ** 40]),
      };
      const json = JSON.stringify(row);
      const h = rowHash(row);
      const before = byHash.get(h);
      if (before !== undefined) expect(before).toBe(json);
      byHash.set(h, json);
    }
  });
});

describe('trace-free policy matching', () => {
  const policies: PolicyDef[] = [
    { name: 'ent', match: { tier: ['Enterprise'], priority: ['urgent', 'high'] }, calendar: 'always', targets: { urgent: { firstResponse: 15, resolution: 240 } } },
    { name: 'vip', match: { tags: ['VIP'] }, calendar: 'office', targets: { high: { firstResponse: 30, resolution: 480 } } },
    { name: 'emea', match: { region: ['emea'], channel: ['phone', 'email'] }, calendar: 'office', targets: { low: { firstResponse: 60, resolution: 960 } } },
    { name: 'rest', match: null, calendar: 'office', targets: { medium: { firstResponse: 120, resolution: 1440 } } },
  ];

  it('picks what matchPolicy and assignPolicy pick, with the same assignment or reason', () => {
    const rnd = mulberry32(11);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    for (const withCatchAll of [true, false]) {
      const ps = withCatchAll ? policies : policies.slice(0, 3);
      for (let i = 0; i < 5000; i++) {
        const fields: TicketFields = {
          tier: pick(['enterprise', ' ENTERPRISE ', 'business', null, undefined, '']), priority: pick(['urgent', 'high', 'low', 'medium', null]),
          tags: pick([[], ['vip'], ['api', ' Vip'], undefined]), region: pick(['emea', 'EMEA', 'apac', undefined]),
          channel: pick(['phone', 'email', 'web', null]),
        };
        const priority = fields.priority as string | null;
        const multipliers = { enterprise: 0.5 };
        expect(findPolicy(ps, fields)).toBe(matchPolicy(ps, fields).policy);
        const { match, ...slow } = assignPolicy(ps, fields, priority, multipliers);
        expect(choosePolicy(ps, fields, priority, multipliers)).toEqual(slow);
        expect(match.trace.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('policyChooser (remembers choices per combination of matched fields)', () => {
  const policies: PolicyDef[] = [
    { name: 'ent', match: { tier: ['Enterprise'], priority: ['urgent', 'high'] }, calendar: 'always', targets: { urgent: { firstResponse: 15, resolution: 240 } } },
    { name: 'vip', match: { tags: ['VIP'] }, calendar: 'office', targets: { high: { firstResponse: 30, resolution: 480 } } },
    { name: 'emea', match: { region: ['emea'], channel: ['phone', 'email'] }, calendar: 'office', targets: { low: { firstResponse: 60, resolution: 960 } } },
    { name: 'acme', match: { customer: ['acme 7'] }, calendar: 'office', targets: { low: { firstResponse: 5, resolution: 50 } } },
    { name: 'rest', match: null, calendar: 'office', targets: { medium: { firstResponse: 120, resolution: 1440 } } },
  ];
  const multipliers = { enterprise: 0.5, business: 2 };

  it('gives choosePolicy\'s answer for every ticket, on first sight and from memory, past its memory cap', () => {
    const rnd = mulberry32(23);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const choose = policyChooser<Ticket>(policies, multipliers, TICKET_FIELD_NAMES, ticketFields);
    let shared = 0;
    // 20,000 tickets: first of a few customers (few combinations: answers remembered), then of
    // 6,000 (more combinations than the chooser keeps).
    for (let i = 0; i < 20_000; i++) {
      const t: Ticket = {
        id: `T${i}`, subject: null, requester: null, customer: `Acme ${Math.floor(rnd() * (i < 5000 ? 8 : 6000))}`,
        tier: pick(['enterprise', ' ENTERPRISE ', 'business', null]), priority: pick(['urgent', 'high', 'low', 'medium', null]),
        status: 'open', assignee: null, group: null, channel: pick(['phone', 'email', 'web', null]),
        tags: pick([[], ['vip'], ['api', ' Vip']]), custom: pick<Record<string, string>>([{}, { region: 'emea' }, { region: 'EMEA' }, { region: 'apac' }]),
        createdAt: 0, firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, initialPriority: null,
        assignment: null, noSlaReason: null,
      };
      const got = choose(t);
      expect(got).toEqual(choosePolicy(policies, ticketFields(t), t.priority, multipliers));
      if (i < 5000 && choose({ ...t }) === got) shared++;
    }
    // Remembered answers are handed out again (the same object), and cannot be changed.
    expect(shared).toBe(5000);
    const again = policyChooser<Ticket>(policies, multipliers, TICKET_FIELD_NAMES, ticketFields)({ ...({} as Ticket), id: 'x', customer: 'Acme 1', tier: 'business', priority: 'medium', channel: 'web', tags: [], custom: {} });
    expect(again.ok).toBe(true);
    if (again.ok) {
      expect(again.assignment.targets).toEqual({ firstResponse: 240, resolution: 2880 });
      expect(() => { (again.assignment.targets as { firstResponse: number }).firstResponse = 1; }).toThrow();
    }
  });
});

describe('forEachRecord', () => {
  const recs = (n: number): Array<ImportRecord<string>> =>
    Array.from({ length: n }, (_, i) => ({ kind: 'row', line: i + 2, row: `r${i}` }) as unknown as ImportRecord<string>);

  it('hands out every record in order, from a chunked source and from a plain async iterable', async () => {
    const chunks = [recs(3), recs(5).slice(3), [] as Array<ImportRecord<string>>];
    let returned = 0;
    const chunked = {
      [Symbol.asyncIterator]: () => {
        let c = 0;
        return {
          next: async () => ({ done: true as const, value: undefined }),
          nextBatch: async () => {
            while (c < chunks.length && chunks[c].length === 0) c++;
            return c < chunks.length ? chunks[c++] : null;
          },
          return: async () => { returned++; return { done: true as const, value: undefined }; },
        };
      },
    };
    const seen: number[] = [];
    await forEachRecord(chunked, (r) => { seen.push(r.line); });
    expect(seen).toEqual([2, 3, 4, 5, 6]);
    expect(returned).toBe(0);

    async function* plain() { yield* recs(4); }
    const lines: number[] = [];
    await forEachRecord(plain(), (r) => { lines.push(r.line); });
    expect(lines).toEqual([2, 3, 4, 5]);
  });

  it('closes the source when the callback throws, and passes the error on', async () => {
    let returned = 0;
    const source = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: true as const, value: undefined }),
        nextBatch: async () => recs(10),
        return: async () => { returned++; return { done: true as const, value: undefined }; },
      }),
    };
    await expect(forEachRecord(source, (r) => { if (r.line === 5) throw new Error('bad row'); })).rejects.toThrow('bad row');
    expect(returned).toBe(1);
  });
});
