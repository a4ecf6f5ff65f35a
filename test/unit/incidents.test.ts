// When an incident an alert opened elsewhere (a PagerDuty alert) is over: app/incidents.ts.
import { describe, expect, it } from 'vitest';
import { incidentCloser } from '../../src/app/incidents.js';
import type { OpenIncident } from '../../src/store/port.js';

const NOW = Date.parse('2025-11-03T12:00:00Z');
const open: OpenIncident = {
  destination: 'pd', key: 'sla:T1:first_response:0', ticketId: 'T1', metric: 'first_response', cycle: 0,
  openedAt: Date.parse('2025-11-03T11:05:00Z'), ticketStatus: 'open', ticketCycle: 0, stoppedAt: null,
};
const close = incidentCloser(NOW, 7);

describe('incidentCloser', () => {
  it('leaves an incident whose clock runs, and closes it when the clock stops, the ticket ends, or a new cycle begins', () => {
    expect(close(open)).toBeNull();
    expect(close({ ...open, stoppedAt: NOW + 60_000 })).toBeNull(); // stops after now (--at in the past)
    const stopped = close({ ...open, stoppedAt: Date.parse('2025-11-03T11:10:00Z') })!;
    expect(stopped).toMatchObject({ destination: 'pd', type: 'incident_closed', status: 'pending', nextAttemptAt: NOW, createdAt: NOW, runId: 7 });
    expect(JSON.parse(stopped.payload)).toEqual({ key: 'sla:T1:first_response:0', ticketId: 'T1', metric: 'first_response', cycle: 0, at: '2025-11-03T11:10:00Z' });
    for (const over of [{ ticketStatus: 'resolved' }, { ticketStatus: 'closed' }, { ticketStatus: null, ticketCycle: null }, { ticketCycle: 1 }]) {
      const a = close({ ...open, ...over });
      expect(a, JSON.stringify(over)).not.toBeNull();
      expect(JSON.parse(a!.payload).at).toBe('2025-11-03T12:00:00Z');
    }
    // an escalation's incident (no clock) ends with its ticket only
    expect(close({ ...open, metric: null, key: 'sla:T1:escalation:late:0', stoppedAt: NOW - 1 })).toBeNull();
    expect(close({ ...open, metric: null, ticketStatus: 'resolved' })).not.toBeNull();
  });

  it('gives each opening its own closing message id (a key opened again after it was closed is closed again)', () => {
    const a = close({ ...open, ticketStatus: 'resolved' })!;
    const again = close({ ...open, ticketStatus: 'resolved' })!;
    const reopened = close({ ...open, ticketStatus: 'resolved', openedAt: open.openedAt + 3_600_000 })!;
    expect(a.id).toMatch(/^sla_[0-9a-f]{24}$/);
    expect(again.id).toBe(a.id);
    expect(reopened.id).not.toBe(a.id);
  });
});
