import { describe, expect, it } from 'vitest';
import { evaluateClock } from '../../src/domain/clock.js';
import type { Ticket, TicketEvent } from '../../src/domain/ticket.js';
import { mergeEventRows, mergeTicketRow } from '../../src/import/merge.js';
import { eventRowDigest } from '../../src/import/row-digest.js';
import type { EventRow, EventType, ExportTicketRow } from '../../src/import/types.js';

const Z = (s: string): number => Date.parse(s);
const always = { add: (t: number, ms: number) => t + ms, openBetween: (a: number, b: number) => Math.max(0, b - a) };
const ctx = { calendar: () => always, pauseStatuses: new Set(['pending', 'waiting_customer']), atRiskPercent: 80 };

function row(over: Partial<ExportTicketRow>): ExportTicketRow {
  return {
    id: '1', subject: 'printer on fire', priority: 'urgent', status: 'open', createdAt: Z('2025-11-01T10:00:00Z'),
    firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, ...over,
  };
}

describe('snapshot imports build a history', () => {
  it('open → waiting_customer → open → resolved → open → resolved: pauses and the final resolution', () => {
    const snapshots: Array<Partial<ExportTicketRow>> = [
      { status: 'open', updatedAt: Z('2025-11-01T10:00:00Z') },
      { status: 'waiting_customer', updatedAt: Z('2025-11-01T11:00:00Z') },
      { status: 'open', updatedAt: Z('2025-11-01T12:30:00Z') },
      { status: 'resolved', updatedAt: Z('2025-11-01T13:00:00Z'), resolvedAt: Z('2025-11-01T13:00:00Z') },
      { status: 'open', updatedAt: Z('2025-11-01T15:00:00Z') },
      { status: 'resolved', updatedAt: Z('2025-11-01T16:00:00Z'), resolvedAt: Z('2025-11-01T16:00:00Z') },
    ];
    let stored: Ticket | null = null;
    const events: TicketEvent[] = [];
    const outcomes: string[] = [];
    for (const s of snapshots) {
      const m = mergeTicketRow(stored, row(s), Z('2025-11-02T00:00:00Z'));
      outcomes.push(m.outcome);
      stored = m.ticket;
      events.push(...m.events);
    }
    expect(outcomes).toEqual(['new', 'updated', 'updated', 'updated', 'updated', 'updated']);
    expect(events.map((e) => `${e.value}@${new Date(e.at).toISOString().slice(11, 16)}`)).toEqual([
      'open@10:00', 'waiting_customer@11:00', 'open@12:30', 'resolved@13:00', 'open@15:00', 'resolved@16:00',
    ]);
    const assignment = { policy: 'p', calendar: 'always', targets: { firstResponse: 15, resolution: 240 } };
    const c = evaluateClock({ createdAt: stored!.createdAt, priority: 'urgent', assignment, events }, ctx, Z('2025-11-02T00:00:00Z'));
    // counted: 10:00–11:00, 12:30–13:00, 15:00–16:00 = 150 min; paused 90 min
    expect(c.metrics.resolution!.elapsed).toBe(150);
    expect(c.totalPausedMs / 60_000).toBe(90);
    expect(c.metrics.resolution!.status).toBe('met');
    expect(stored!.status).toBe('resolved');
    expect(stored!.resolvedAt).toBe(Z('2025-11-01T16:00:00Z'));
  });

  it('an older row never overwrites newer state; the same row again is unchanged', () => {
    const first = mergeTicketRow(null, row({ status: 'pending', updatedAt: Z('2025-11-01T12:00:00Z') }), 0);
    const older = mergeTicketRow(first.ticket, row({ status: 'open', updatedAt: Z('2025-11-01T11:00:00Z') }), 0);
    expect(older.outcome).toBe('stale');
    expect(older.events).toEqual([]);
    const same = mergeTicketRow(first.ticket, row({ status: 'pending', updatedAt: Z('2025-11-01T12:00:00Z') }), 0);
    expect(same.outcome).toBe('unchanged');
  });

  it('a priority change becomes an event at updated_at; absent updated_at uses the import time', () => {
    const first = mergeTicketRow(null, row({ priority: 'low' }), Z('2025-11-01T10:30:00Z'));
    expect(first.ticket.initialPriority).toBe('low');
    const up = mergeTicketRow(first.ticket, row({ priority: 'urgent' }), Z('2025-11-01T11:45:00Z'));
    expect(up.events).toMatchObject([{ type: 'priority', value: 'urgent', at: Z('2025-11-01T11:45:00Z') }]);
    expect(up.ticket.priority).toBe('urgent');
    expect(up.ticket.initialPriority).toBe('low');
  });

  it('a new ticket already resolved and closed gets reply/resolved/closed events at their instants', () => {
    const m = mergeTicketRow(null, row({
      status: 'closed', firstResponseAt: Z('2025-11-01T10:05:00Z'), resolvedAt: Z('2025-11-01T12:00:00Z'), closedAt: Z('2025-11-02T12:00:00Z'),
    }), 0);
    expect(m.events.map((e) => [e.type, e.value ?? null, e.at])).toEqual([
      ['reply', null, Z('2025-11-01T10:05:00Z')],
      ['status', 'resolved', Z('2025-11-01T12:00:00Z')],
      ['status', 'closed', Z('2025-11-02T12:00:00Z')],
    ]);
  });
});

describe('event logs', () => {
  const ev = (at: string, type: EventType | null, value: string | null = null, attrs: EventRow['attrs'] = {}): EventRow => {
    const r = { at: Z(at), events: type === null ? [] : [{ type, value }], actor: 'ana', attrs, createdAt: null, firstResponseAt: null, resolvedAt: null, closedAt: null };
    return { ticketId: 'C1', ...r, digest: eventRowDigest(r, null) };
  };

  it('rebuilds the history in time order; attributes last value wins; priority changes become events', () => {
    const m = mergeEventRows(null, [
      ev('2025-11-01T12:00:00Z', 'status', 'resolved', { priority: 'urgent', customer: 'acme' }),
      ev('2025-11-01T10:00:00Z', 'note', null, { priority: 'low', customer: 'acme-old' }),
      ev('2025-11-01T10:10:00Z', 'reply'),
    ]);
    expect(m.outcome).toBe('new');
    expect(m.ticket.createdAt).toBe(Z('2025-11-01T10:00:00Z'));
    expect(m.ticket.customer).toBe('acme');
    expect(m.ticket.initialPriority).toBe('low');
    expect(m.ticket.priority).toBe('urgent');
    expect(m.ticket.firstResponseAt).toBe(Z('2025-11-01T10:10:00Z'));
    expect(m.ticket.status).toBe('resolved');
    expect(m.events.map((e) => e.type)).toEqual(['note', 'reply', 'priority', 'status']);
  });

  it('importing the same rows again adds nothing', () => {
    const rows = [ev('2025-11-01T10:00:00Z', 'note'), ev('2025-11-01T11:00:00Z', 'status', 'waiting_customer')];
    const first = mergeEventRows(null, rows);
    const again = mergeEventRows({ ticket: first.ticket, events: first.events, importHash: first.importHash }, rows);
    expect(again.outcome).toBe('unchanged');
    expect(again.events).toEqual([]);
  });

  it('history: the stored events and the added ones, in time order (what the import computes the SLA from)', () => {
    const first = mergeEventRows(null, [ev('2025-11-01T10:00:00Z', 'note'), ev('2025-11-01T12:00:00Z', 'status', 'waiting_customer')]);
    expect(first.history).toEqual(first.events);
    const stored = first.events.map((e, i) => ({ ...e, seq: i + 1 }));
    const m = mergeEventRows({ ticket: first.ticket, events: stored }, [
      ev('2025-11-01T13:00:00Z', 'status', 'open'), ev('2025-11-01T11:00:00Z', 'reply'), ev('2025-11-01T12:00:00Z', 'note'),
    ]);
    expect(m.events.map((e) => e.type)).toEqual(['reply', 'note', 'status']);
    expect(m.history).toEqual([...stored, ...m.events].sort((a, b) => a.at - b.at));
    expect(m.history!.map((e) => `${e.type}@${new Date(e.at).toISOString().slice(11, 13)}`)).toEqual([
      'note@10', 'reply@11', 'status@12', 'note@12', 'status@13',
    ]);
  });
});
