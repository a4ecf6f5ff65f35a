// `sla db copy --to`: a whole database into a new, empty one — a team's SQLite file into its
// PostgreSQL database, or back into a file — in the target's one transaction, then verified:
// each table read again on both sides, its rows counted and digested, and each ticket's row
// digested on its own, so that a copy that is not exact says which tickets differ.

import { createHash } from 'node:crypto';
import { COPIED_TABLES, type Store, type TablePage } from '../store/port.js';

export interface TableCheck { table: string; source: number; target: number; sourceDigest: string; targetDigest: string }

export interface CopySummary {
  tables: TableCheck[];
  /** Tickets whose row differs between the two (the first 20), and how many in all. */
  ticketsDiffering: string[];
  ticketsDifferingCount: number;
  ok: boolean;
}

interface Digests { tables: Map<string, { rows: number; digest: string }>; differing: string[]; differingCount: number }

/** A ticket row's digest: 64 bits are plenty to tell two rows apart, and a million of them stay small. */
const rowDigest = (text: string): string => createHash('sha256').update(text).digest('base64').slice(0, 11);

/**
 * Every table's row count and digest (columns by name: the engines order them differently).
 * With `tickets` (the source's per-ticket digests), each ticket's row is compared with its
 * digest there, and the ones that differ (or are missing on either side) are counted.
 */
async function digests(pages: AsyncIterable<TablePage>, tickets: Map<string, string> | null): Promise<Digests & { tickets: Map<string, string> }> {
  const hashes = new Map<string, { rows: number; hash: ReturnType<typeof createHash> }>();
  const own = new Map<string, string>();
  const unseen = tickets ? new Set(tickets.keys()) : null;
  const differing: string[] = [];
  let differingCount = 0;
  for await (const page of pages) {
    let t = hashes.get(page.table);
    if (!t) hashes.set(page.table, (t = { rows: 0, hash: createHash('sha256') }));
    const order = page.columns.map((c, i) => [c, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, i]) => i);
    const id = page.columns.indexOf('id');
    for (const row of page.rows) {
      const text = JSON.stringify(order.map((i) => row[i] ?? null));
      t.rows++;
      t.hash.update(text).update('\n');
      if (page.table !== 'tickets') continue;
      const key = String(row[id]);
      if (tickets === null) { own.set(key, rowDigest(text)); continue; }
      unseen!.delete(key);
      if (tickets.get(key) !== rowDigest(text)) { differingCount++; if (differing.length < 20) differing.push(key); }
    }
  }
  for (const key of unseen ?? []) { differingCount++; if (differing.length < 20) differing.push(key); }
  const tables = new Map<string, { rows: number; digest: string }>();
  for (const [table, t] of hashes) tables.set(table, { rows: t.rows, digest: t.hash.digest('hex').slice(0, 16) });
  return { tables, tickets: own, differing, differingCount };
}

/** Copies `source` into `target` (which must hold nothing), then compares the two. */
export async function copyDatabase(source: Store, target: Store): Promise<CopySummary> {
  await target.loadTables(source.dumpTables());
  const a = await digests(source.dumpTables(), null);
  const b = await digests(target.dumpTables(), a.tickets);
  const empty = { rows: 0, digest: '' };
  const tables = COPIED_TABLES.map(({ table }) => {
    const s = a.tables.get(table) ?? empty;
    const t = b.tables.get(table) ?? empty;
    return { table, source: s.rows, target: t.rows, sourceDigest: s.digest, targetDigest: t.digest };
  });
  const ok = b.differingCount === 0 && tables.every((t) => t.source === t.target && t.sourceDigest === t.targetDigest);
  return { tables, ticketsDiffering: b.differing, ticketsDifferingCount: b.differingCount, ok };
}
