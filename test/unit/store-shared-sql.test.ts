// The SQL pieces the store's modules share (store.ts): the open-ticket condition (which
// must stay textually the WHERE of the partial indexes, or SQLite does not use them),
// the stale condition, the connection settings, and the report's stale records read in
// one query.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComputedSla, Ticket, TicketEvent } from '../../src/domain/ticket.js';
import { AlertStore, OPEN_CUSTOMER_INDEX_SQL } from '../../src/store/sqlite/outbox.js';
import type { ReportQuery } from '../../src/store/port.js';
import { staleRecords } from '../../src/store/sqlite/report.js';
import { MIGRATIONS_DIR, readMigrations } from '../../src/store/sqlite/open.js';
import { OPEN_SQL, staleSql } from '../../src/store/sqlite/ticket-row.js';
import { Store } from '../../src/store/sqlite/tickets.js';
import { recordBreachReason } from '../../src/store/sqlite/queries.js';
import * as build from '../support/build.js';

let dir: string;
let s: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sla-shared-sql-'));
  s = Store.open(join(dir, 'a.db'), { create: true });
});
afterEach(() => s.close());

/** An urgent enterprise ticket (build.storedTicket otherwise). */
function ticket(id: string, over: Partial<Ticket> = {}): Ticket {
  return build.storedTicket(id, { tier: 'enterprise', priority: 'urgent', initialPriority: 'urgent', ...over });
}
/** Computed at `computedAt`: first response at risk at 5000 and due at 9000, resolution at 50 000 and 90 000. */
function computed(computedAt: number | null, over: build.ComputedOver = {}): ComputedSla {
  return build.computed({
    metrics: { first_response: { atRiskAt: 5000, dueAt: 9000 }, resolution: { atRiskAt: 50_000, dueAt: 90_000 } },
    nextChangeAt: 5000, computedAt: computedAt as number, ...over,
  });
}
const ev = (at: number, type: string, over: Partial<TicketEvent> = {}): TicketEvent =>
  ({ at, type, value: null, actor: null, reason: null, source: 'cli', ...over });

describe('OPEN_SQL', () => {
  it('is, word for word, the condition of every partial index over open tickets in the migrations', () => {
    const conds: string[] = [];
    for (const m of readMigrations(MIGRATIONS_DIR)) {
      for (const x of m.sql.matchAll(/CREATE INDEX \w+ ON tickets\s*\([^;]*?\)\s*WHERE ([^;]*);/g)) {
        if (/\bstatus\b/.test(x[1])) conds.push(x[1]);
      }
    }
    expect(conds.length).toBeGreaterThanOrEqual(3);
    for (const c of conds) expect(c.startsWith(OPEN_SQL)).toBe(true);
    expect(readFileSync(join(MIGRATIONS_DIR, '002_breach_reasons.sql'), 'utf8')).toContain(`) WHERE ${OPEN_SQL};`);
  });

  it('lets SQLite use those partial indexes (the open-customer one once made: migration 005)', () => {
    const plan = (sql: string): string =>
      (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('x') as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    const byCustomer = `SELECT created_at FROM tickets WHERE customer = ? AND ${OPEN_SQL} AND customer IS NOT NULL ORDER BY created_at`;
    expect(plan(byCustomer)).not.toMatch(/tickets_open_customer/);
    const as = new AlertStore(s);
    as.ensureOpenCustomerIndex();
    as.ensureOpenCustomerIndex(); // a no-op the second time
    expect(plan(byCustomer)).toMatch(/tickets_open_customer/);
    expect(OPEN_CUSTOMER_INDEX_SQL).toContain(`WHERE ${OPEN_SQL} AND customer IS NOT NULL`);
    expect(plan(`SELECT id FROM tickets WHERE ${OPEN_SQL} AND priority = ? ORDER BY created_at`)).toMatch(/tickets_open_(list|status)/);
  });
});

describe('staleSql', () => {
  const staleIds = (now: number): string[] =>
    s.db.prepare(`SELECT id FROM tickets AS t WHERE ${staleSql('t')} ORDER BY id`).pluck().all({ now }) as string[];

  it('is stale: never computed, stored after now, or paused with a manual pause that ran out since its write', () => {
    s.saveTicket(ticket('fresh'), computed(100));
    s.saveTicket(ticket('later'), computed(500));
    s.saveTicket(ticket('ranOut'), computed(100, { pausedAt: 100, metrics: build.allMetrics('paused') }), [ev(100, 'pause', { until: 200 })]);
    s.saveTicket(ticket('stillPaused'), computed(100, { pausedAt: 100, metrics: build.allMetrics('paused') }), [ev(100, 'pause', { until: 400 })]);
    s.saveTicket(ticket('never'), computed(100));
    s.db.prepare("UPDATE tickets SET computed_at = NULL WHERE id = 'never'").run();
    expect(staleIds(300)).toEqual(['later', 'never', 'ranOut']);
    expect(staleIds(1000)).toEqual(['never', 'ranOut', 'stillPaused']);
  });
});

describe('connection settings', () => {
  it('the Store connection has synchronous = NORMAL, foreign keys on and the busy timeout', () => {
    expect(s.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s.db.pragma('busy_timeout', { simple: true })).toBe(30_000);
  });
});

describe('staleRecords (report)', () => {
  it('reads the stale tickets of the window whole — ticket, history, breach reasons — as the single reads do', () => {
    s.saveTicket(ticket('A', { createdAt: 10 }), computed(500), [ev(10, 'status', { value: 'open', source: 'import' }), ev(20, 'reply', { actor: 'bo' })]);
    s.saveTicket(ticket('B', { createdAt: 20, assignee: 'ana' }), computed(500), [ev(20, 'assign', { value: 'ana' })]);
    s.saveTicket(ticket('C', { createdAt: 30 }), computed(100)); // stored before now: not stale
    s.saveTicket(ticket('D', { createdAt: 2000 }), computed(2500)); // created after now: not in the window
    recordBreachReason(s, 'A', () => ({ set: { metric: 'resolution', reason: 'vendor' }, result: null }));
    const q: ReportQuery = {
      from: 0, to: 10_000, now: 300, by: 'priority', urgent: 'urgent', daily: false,
      day: { localEpoch: 0, offsets: [{ until: null, offsetMs: 0 }] },
    };
    const got = [...staleRecords(s, q)].sort((x, y) => x.ticket.id.localeCompare(y.ticket.id));
    expect(got.map((r) => r.ticket.id)).toEqual(['A', 'B']);
    for (const r of got) {
      expect(r.ticket).toEqual(s.getTicket(r.ticket.id));
      expect(r.events).toEqual(s.getEvents(r.ticket.id));
    }
    expect(got[0].breachReasons).toEqual({ first_response: null, resolution: 'vendor' });
    expect(got[1].breachReasons).toEqual({ first_response: null, resolution: null });
    expect(got[0].events.map((e) => e.type)).toEqual(['status', 'reply']);
  });
});
