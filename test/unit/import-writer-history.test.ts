// Tickets put through the import writer thread (store/import-writer.ts) are stored with
// exactly the history eventsToHistory makes of their events — for any text (quotes,
// backslashes, control characters, emoji, lone surrogates), nulls in any field, no
// events, many, events with data, the same id put twice (histories appended), and over
// many batches (the texts of a batch cross as one string, sliced by lengths).
//
// This file runs the COMPILED modules (dist/; test/support/compiled.ts): the writer thread runs dist/ code.

import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiled } from '../support/compiled.js';
import { byMetric } from '../../src/domain/metrics.js';
import { NO_STORED_METRIC, type ComputedSla, type Ticket, type TicketEvent } from '../../src/domain/ticket.js';
import { mulberry32 } from '../support/build.js';

const { beginThreadedImport } = await compiled<typeof import('../../src/store/sqlite/import-writer.js')>('store/sqlite/import-writer.js');
const { eventsToHistory } = await compiled<typeof import('../../src/store/ticket-row.js')>('store/ticket-row.js');
const { Store } = await compiled<typeof import('../../src/store/sqlite/tickets.js')>('store/sqlite/tickets.js');

const T0 = Date.parse('2025-11-03T08:00:00Z');

function ticket(id: string): Ticket {
  return {
    id, subject: `subject ${id}`, requester: null, customer: 'acme', tier: null, priority: 'high', status: 'open',
    assignee: null, group: null, channel: null, tags: [], custom: {}, createdAt: T0, firstResponseAt: null,
    resolvedAt: null, closedAt: null, updatedAt: null, initialPriority: 'high', assignment: null, noSlaReason: 'no policy',
  };
}

const computed: ComputedSla = {
  slaStatus: null, cycle: 0, metrics: byMetric(() => NO_STORED_METRIC), breachedAt: null,
  pausedAt: null, totalPausedMs: 0, nextChangeAt: null, computedAt: T0,
};

describe('the writer thread stores the histories eventsToHistory makes', () => {
  it('for random events, texts and nulls, over many batches', () => {
    const rnd = mulberry32(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const texts = ['open', 'pending', 'import', 'cli', 'ana', 'Bo "the boss"', 'back\\slash', 'tab\there', 'new\nline',
      '\u0000nul', 'émoji 🎉', '\ud800 lone surrogate', '', ' spaced ', '</script>', '\u2028sep'];
    const maybe = (): string | null | undefined => (rnd() < 0.35 ? (rnd() < 0.5 ? null : undefined) : pick(texts) + (rnd() < 0.3 ? String(Math.floor(rnd() * 5000)) : ''));
    const types = ['created', 'status', 'reply', 'priority', 'assign', 'pause', 'resume', 'note'];

    const dir = mkdtempSync(join(tmpdir(), 'sla-writer-history-'));
    const path = join(dir, 'sla.db');
    const store = Store.open(path, { create: true });
    const expected = new Map<string, string[]>();
    try {
      const batch = beginThreadedImport(store)!; // null only for :memory: or the sources; this is a file and dist/
      expect(batch).not.toBeNull();
      for (let i = 0; i < 3000; i++) {
        // Some ids come again (their histories are appended).
        const id = i > 2000 && rnd() < 0.2 ? `t${Math.floor(rnd() * 2000)}` : `t${i}`;
        const n = rnd() < 0.1 ? 0 : 1 + Math.floor(rnd() * (rnd() < 0.05 ? 40 : 4));
        const events: TicketEvent[] = [];
        for (let k = 0; k < n; k++) {
          const e: TicketEvent = { at: T0 + Math.floor(rnd() * 1e9) + (rnd() < 0.1 ? 0.5 : 0), type: pick(types) as TicketEvent['type'] };
          const value = maybe(); const source = maybe(); const actor = maybe(); const reason = maybe();
          if (value !== undefined) e.value = value;
          if (source !== undefined) e.source = source;
          if (actor !== undefined) e.actor = actor;
          if (reason !== undefined) e.reason = reason;
          // Now and then an event with data (until).
          if (rnd() < 0.02) e.until = T0 + 3_600_000;
          events.push(e);
        }
        batch.put(ticket(id), computed, events, `h${i}`);
        const json = eventsToHistory(events);
        const list = expected.get(id) ?? [];
        if (json !== '[]') list.push(json);
        expected.set(id, list);
      }
      batch.commit();
    } finally {
      store.close();
    }

    const db = new Database(path, { readonly: true });
    try {
      const stored = new Map(db.prepare('SELECT id, history FROM tickets').raw().all() as Array<[string, string]>);
      expect(stored.size).toBe(expected.size);
      for (const [id, parts] of expected) {
        // Appending joins the JSON arrays (store.ts upsertTicketSql).
        const want = parts.length === 0 ? '[]' : '[' + parts.map((p) => p.slice(1, -1)).join(',') + ']';
        expect(stored.get(id), id).toBe(want);
      }
    } finally {
      db.close();
    }
  }, 60_000);

  it('stores the repeated values of interned columns right when they cycle through more values than it remembers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sla-writer-interned-'));
    const path = join(dir, 'sla.db');
    const store = Store.open(path, { create: true });
    const rnd = mulberry32(11);
    const want = new Map<string, [string | null, string | null, string]>();
    try {
      const batch = beginThreadedImport(store)!; // null only for :memory: or the sources; this is a file and dist/
      for (let i = 0; i < 2000; i++) {
        // Fresh string objects each row (as read from a file), 1–9 distinct values per column.
        const tier = rnd() < 0.1 ? null : ['gold', 'silver', 'bronze', 'free', 'trial', 'partner', 'internal', 'edu', 'gov'][Math.floor(rnd() * 9)].split('').join('');
        const assignee = rnd() < 0.2 ? null : `agent${Math.floor(rnd() * 7)}`;
        const status = ['open', 'pending', 'new'][i % 3];
        want.set(`t${i}`, [tier, assignee, status]);
        batch.put({ ...ticket(`t${i}`), tier, assignee, status }, computed, [], `h${i}`);
      }
      batch.commit();
    } finally {
      store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare('SELECT id, tier, assignee, status FROM tickets').raw().all() as Array<[string, string | null, string | null, string]>;
      expect(rows.length).toBe(want.size);
      for (const [id, tier, assignee, status] of rows) expect([tier, assignee, status], id).toEqual(want.get(id));
    } finally {
      db.close();
    }
  }, 60_000);
});
