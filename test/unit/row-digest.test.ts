// Row digests are stored (import_hash): the same row must give the same digest in every
// version of sla, or a re-import would add rows it already has. These values were made by
// the version that first stored them.
import { describe, expect, it } from 'vitest';
import { eventRowDigest, rowHash, textDigest, textKey } from '../../src/import/row-digest.js';
import type { EventRow, ExportTicketRow } from '../../src/import/types.js';

const ticket = {
  id: 'T-1', createdAt: 1762164000000, firstResponseAt: null, resolvedAt: 1762200000123, closedAt: null, updatedAt: 1762200000123,
  subject: 'Printer on fire — ünïcode 🎉', requester: null, customer: 'Acme', tier: undefined, priority: 'urgent', status: 'open',
  assignee: 'ana', group: null, channel: 'email', tags: ['vip', 'api'], custom: { region: 'emea', 'odd key': 'x"y' },
} as ExportTicketRow;
const row: Omit<EventRow, 'ticketId' | 'digest'> = {
  at: 1762164000000, events: [{ type: 'status', value: 'in_progress' }, { type: 'reply', value: null }], actor: 'Value 7',
  attrs: { priority: 'high', customer: 'Value 344', tags: ['a', 'b'], custom: { k: 'v' } },
  createdAt: 1762160000000, firstResponseAt: null, resolvedAt: null, closedAt: null,
};

describe('row digests', () => {
  it('are the digests stored by earlier versions', () => {
    expect(rowHash(ticket)).toBe('7d8b3a2a9474ec09');
    expect(rowHash({ ...ticket, extra: 1 } as ExportTicketRow)).toBe('jIT+rgsN2FxzHGx9IJ1UZzDzq7fk=');
    expect(rowHash({ ...ticket, createdAt: 1.5 })).toBe('a41957669fa99c7e');
    expect(eventRowDigest(row, null)).toBe('74b49c254a6a3ad8');
    expect(eventRowDigest(row, 'sys-12')).toBe('25c2aff889f2cfde');
    expect(eventRowDigest({ ...row, events: [], attrs: {}, actor: null }, null)).toBe('92bb99c42a407e42');
    expect(textDigest('abc#2')).toBe('8a3584d7ff75da97');
    expect(textDigest('é')).toBe('946eceb2c4d8d8fd');
    expect(textKey('Case 13644')).toBe(1434539168789900);
  });

  it('depend on nothing but their row: the same row gives the same digest whatever came before', () => {
    const first = eventRowDigest(row, null);
    rowHash({ ...ticket, subject: 'something else' });
    textDigest('x'.repeat(1001));
    expect(eventRowDigest(row, null)).toBe(first);
  });
});
