// The values a ticket write binds, by column name: ticketValues (every write) is made of
// ticketTexts and ticketNumbers (the import writer thread uses those two directly), so
// a field landing in the wrong column, or a NULL becoming a number, shows here.

import { describe, expect, it } from 'vitest';
import type { ComputedSla, Ticket } from '../../src/domain/ticket.js';
import { NUMERIC_SLOTS, TICKET_COLUMNS, TICKET_NUMERIC, ticketNumbers, ticketTexts, ticketValues } from '../../src/store/ticket-row.js';

const ticket: Ticket = {
  id: 'T-1', subject: 'Printer', requester: 'ana@x', customer: 'acme', tier: 'gold', priority: 'high', status: 'open',
  assignee: 'bo', group: 'support', channel: 'email', tags: ['vip', 'a"b'], custom: { region: 'emea' },
  createdAt: 1_000, firstResponseAt: 2_000, resolvedAt: null, closedAt: null, updatedAt: 3_000, initialPriority: 'low',
  assignment: { policy: 'std', calendar: 'office', targets: { firstResponse: 60, resolution: 480.5 } }, noSlaReason: null,
};
const computed: ComputedSla = {
  slaStatus: 'at_risk', cycle: 2, metrics: {
    first_response: { status: 'met', atRiskAt: 11, dueAt: 12, stoppedAt: 13, elapsedMin: 14.5 },
    resolution: { status: 'at_risk', atRiskAt: 21, dueAt: 22, stoppedAt: null, elapsedMin: 24.25 },
  }, breachedAt: null,
  pausedAt: 31, totalPausedMs: 32, nextChangeAt: 33, computedAt: 34,
};

const expected: Record<string, unknown> = {
  id: 'T-1', subject: 'Printer', requester: 'ana@x', customer: 'acme', tier: 'gold', priority: 'high', status: 'open',
  assignee: 'bo', grp: 'support', channel: 'email', tags: '["vip","a\\"b"]', custom: '{"region":"emea"}',
  created_at: 1_000, first_response_at: 2_000, resolved_at: null, closed_at: null, updated_at: 3_000, initial_priority: 'low',
  policy: 'std', calendar: 'office', target_fr_min: 60, target_res_min: 480.5, no_sla_reason: null, sla_status: 'at_risk',
  sla_cycle: 2, fr_status: 'met', fr_at_risk_at: 11, fr_due_at: 12, fr_stopped_at: 13, fr_elapsed_min: 14.5,
  res_status: 'at_risk', res_at_risk_at: 21, res_due_at: 22, res_stopped_at: null, res_elapsed_min: 24.25, breached_at: null,
  paused_at: 31, total_paused_ms: 32, next_change_at: 33, computed_at: 34, import_hash: 'h', history: '[]',
};

describe('ticket values by column', () => {
  it('ticketValues puts every field in its column (NULL as null)', () => {
    const out = ticketValues(new Array(TICKET_COLUMNS.length), ticket, computed, 'h', '[]');
    expect(Object.fromEntries(TICKET_COLUMNS.map((c, i) => [c, out[i]]))).toEqual(expected);
  });

  it('ticketNumbers gives the numeric columns in NUMERIC_SLOTS order (NaN for NULL); ticketTexts only the others', () => {
    expect(NUMERIC_SLOTS).toEqual(TICKET_COLUMNS.flatMap((_, i) => (TICKET_NUMERIC[i] ? [i] : [])));
    const nums = new Float64Array(NUMERIC_SLOTS.length + 3).fill(-1);
    ticketNumbers(nums, 3, ticket, computed);
    expect([...nums.slice(0, 3)]).toEqual([-1, -1, -1]);
    NUMERIC_SLOTS.forEach((slot, k) => {
      const want = expected[TICKET_COLUMNS[slot]];
      expect(Number.isNaN(nums[3 + k]) ? null : nums[3 + k], TICKET_COLUMNS[slot]).toBe(want);
    });
    const texts: unknown[] = new Array(TICKET_COLUMNS.length).fill('untouched');
    ticketTexts(texts, ticket, computed, 'h', '[]');
    TICKET_COLUMNS.forEach((c, i) => expect(texts[i], c).toBe(TICKET_NUMERIC[i] ? 'untouched' : expected[c]));
    // No assignment: no targets (NULL), not zeros.
    const none = new Float64Array(NUMERIC_SLOTS.length);
    ticketNumbers(none, 0, { ...ticket, assignment: null }, computed);
    expect(Number.isNaN(none[NUMERIC_SLOTS.indexOf(TICKET_COLUMNS.indexOf('target_fr_min'))])).toBe(true);
  });

  it('tags are stored as their JSON, remembered lists included (one and two tags, the same first tag with others)', () => {
    const lists: string[][] = [
      [], ['vip'], ['vip'], ['vip', 'api'], ['vip', 'api'], ['vip', 'sso'], ['api', 'vip'], ['a"b'], ['back\\slash'], ['émoji 🎉'],
      ['vip', 'api', 'sso'], ['a-tag-of-thirteen+'], ['vip', 'a-tag-of-thirteen+'], [''], ['', ''], ['1'],
    ];
    const slot = TICKET_COLUMNS.indexOf('tags');
    for (let round = 0; round < 3; round++) {
      for (const tags of lists) {
        const out: unknown[] = new Array(TICKET_COLUMNS.length);
        ticketTexts(out, { ...ticket, tags: [...tags] }, computed, 'h', '[]');
        expect(out[slot], JSON.stringify(tags)).toBe(JSON.stringify(tags));
      }
    }
  });
});
