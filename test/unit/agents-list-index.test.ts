// `sla list` over many open tickets: filtered in SQL on a covering index, only the page
// evaluated with the clock. How fast: bench/list.mjs (100,000 tickets, the same data); here,
// what it returns.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillOpenTickets, LIST_CASES } from '../../bench/open-tickets.mjs';
import { selectOpen, type Evaluated } from '../../src/commands/list.js';
import { Calendar } from '../../src/domain/calendar.js';
import { computeSla } from '../../src/domain/sla.js';
import { Store } from '../../src/store/sqlite/store.js';
import * as tq from '../../src/store/sqlite/queries.js';
import type { ListQuery, TicketRecord } from '../../src/store/sqlite/queries.js';

describe('list over many open tickets', () => {
  it('answers each filter from the covering index, a page at most', () => {
    const store = Store.open(join(mkdtempSync(join(tmpdir(), 'sla-list-')), 'sla.db'), { create: true });
    const { query, evaluate } = fillOpenTickets<ListQuery, TicketRecord, Evaluated>({ Calendar, computeSla }, store, 5_000);
    for (const c of LIST_CASES as Array<Partial<ListQuery>>) {
      const q = { ...query, ...c };
      const r = selectOpen(tq, store, q, evaluate);
      expect(r.shown.length, JSON.stringify(c)).toBeLessThanOrEqual(q.limit!);
      expect(r.total, JSON.stringify(c)).toBeGreaterThanOrEqual(r.shown.length);
    }
    expect(tq.explainList(store, { ...query, status: 'breached' })).toMatch(/COVERING INDEX tickets_open_list/);
    store.close();
  }, 60_000);
});
