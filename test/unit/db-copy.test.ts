// sla db copy's verification (app/db-copy.ts): a copy that is not exact is told, naming the
// tickets that differ — here a target that changes one ticket's row as it loads it, and one
// that loses a ticket.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyDatabase } from '../../src/app/db-copy.js';
import type { Store, TablePage } from '../../src/store/contract.js';
import { SqliteStore } from '../../src/store/sqlite/engine.js';
import * as build from '../support/build.js';
import { tempDir } from '../support/project.js';

async function source(): Promise<Store> {
  const s = SqliteStore.open(join(tempDir('sla-copy-'), 'a.db'), { create: true });
  for (const id of ['K1', 'K2', 'K3']) {
    await s.mutateTicket(id, () => ({ write: { ticket: build.storedTicket(id), computed: build.computed({ computedAt: 0 }), events: [] }, result: null }));
  }
  return s;
}

/** A target whose loading passes each page through `change` first. */
function altered(change: (p: TablePage) => TablePage): Store {
  const t = SqliteStore.open(join(tempDir('sla-copy-'), 'b.db'), { create: true });
  const load = t.loadTables.bind(t);
  t.loadTables = async (pages) => load((async function* () { for await (const p of pages) yield change(p); })());
  return t;
}

describe('sla db copy: verification', () => {
  it('an exact copy: every table and ticket the same', async () => {
    const r = await copyDatabase(await source(), altered((p) => p));
    expect(r.ok).toBe(true);
    expect(r.tables.find((t) => t.table === 'tickets')).toMatchObject({ source: 3, target: 3 });
  });

  it('a ticket changed on the way, one lost: not ok, and named', async () => {
    const subject = (p: TablePage): TablePage => {
      if (p.table !== 'tickets') return p;
      const at = p.columns.indexOf('subject');
      const rows = p.rows.filter((r) => r[0] !== 'K3').map((r) => (r[0] === 'K2' ? r.map((v, i) => (i === at ? 'changed' : v)) : r));
      return { ...p, rows };
    };
    const r = await copyDatabase(await source(), altered(subject));
    expect(r.ok).toBe(false);
    expect(r.ticketsDifferingCount).toBe(2);
    expect([...r.ticketsDiffering].sort()).toEqual(['K2', 'K3']);
    const tickets = r.tables.find((t) => t.table === 'tickets')!;
    expect([tickets.source, tickets.target]).toEqual([3, 2]);
    expect(tickets.targetDigest).not.toBe(tickets.sourceDigest);
  });
});
