// `sla list` over many open tickets: filtered in SQL on a covering index, only the page
// evaluated with the clock. How fast: bench/list.mjs (100,000 tickets, the same data); here,
// what it returns.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillOpenTickets, LIST_CASES } from '../../bench/open-tickets.mjs';
import { selectOpen, type Evaluated } from '../../src/app/open-tickets.js';
import { Calendar } from '../../src/domain/calendar.js';
import { computeSla } from '../../src/domain/sla.js';
import type { ListQuery, TicketRecord } from '../../src/store/port.js';
import { SqliteStore } from '../../src/store/sqlite/engine.js';
import { countOpenInStatesSql } from '../../src/store/sqlite/outbox.js';
import * as tq from '../../src/store/sqlite/queries.js';
import { Store } from '../../src/store/sqlite/tickets.js';

describe('list over many open tickets', () => {
  it('answers each filter from the covering index, a page at most', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sla-list-')), 'sla.db');
    const store = Store.open(path, { create: true });
    const { query, evaluate } = fillOpenTickets<ListQuery, TicketRecord, Evaluated>({ Calendar, computeSla }, store, 5_000);
    const port = SqliteStore.open(path);
    for (const c of LIST_CASES as Array<Partial<ListQuery>>) {
      const q = { ...query, ...c };
      const r = await selectOpen(port, q, evaluate);
      expect(r.shown.length, JSON.stringify(c)).toBeLessThanOrEqual(q.limit!);
      expect(r.total, JSON.stringify(c)).toBeGreaterThanOrEqual(r.shown.length);
    }
    expect(tq.explainList(store, { ...query, status: 'breached' })).toMatch(/COVERING INDEX tickets_open_list/);
    // `check --fail-on`'s count of open tickets in some SLA states: the same index, no table rows.
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${countOpenInStatesSql(2)}`).all('at_risk', 'breached') as Array<{ detail: string }>)
      .map((r) => r.detail).join('\n');
    expect(plan).toMatch(/COVERING INDEX tickets_open_list/);
    port.close();
    store.close();
  }, 60_000);
});
