// Alert facts, routing, message rendering (escaping, Slack limits, digests, e-mail)
// and the retry arithmetic. Pure functions only.

import { describe, expect, it } from 'vitest';
import { betweenRunsDelay, inRunDelay } from '../../src/app/deliver.js';
import { alertId, eventId, routeDestinations, type AlertFacts } from '../../src/alerts/facts.js';
import { emailDigest, emailMessage, slackDigest, slackEscape, slackMessage, timeLeft } from '../../src/alerts/render.js';
import { describeNetworkError, parseRetryAfter } from '../../src/alerts/transport.js';
import type { AlertsConfig, RouteConfig } from '../../src/config/types.js';
import type { Ticket } from '../../src/domain/ticket.js';
import { alerts, testFacts, Z } from './alert-facts.js';


function facts(over: Partial<Ticket> = {}, now = '2025-11-03T11:35:00Z', a = alerts()): AlertFacts {
  return testFacts({ over, now, alerts: a });
}

describe('alert facts', () => {
  it('carry the deadline, time left both ways, a link, and stable ids', () => {
    const f = facts();
    expect(f).toMatchObject({
      type: 'response_breached', level: 'breach', ticketId: '1234', url: 'https://help.example.com/t/1234', at: '2025-11-03T11:00:00Z',
      deadline: '2025-11-03T11:00:00Z', wallMinutesLeft: -35, businessMinutesLeft: -35, policy: 'gold', priority: 'urgent',
    });
    expect(f.id).toBe(eventId('1234', 0, 'response_breached', ''));
    expect(eventId('1234', 1, 'response_breached', '')).not.toBe(f.id); // a new cycle is a new event
    expect(alertId(f.id, 'a')).not.toBe(alertId(f.id, 'b'));
    expect(facts({ id: 'a/b c' }).url).toBe('https://help.example.com/t/a%2Fb%20c');
  });

  it('leave redacted fields out entirely', () => {
    const f = facts({}, undefined, alerts({ redact: ['subject', 'requester', 'assignee'] }));
    expect('subject' in f).toBe(false);
    expect('requester' in f).toBe(false);
    expect('assignee' in f).toBe(false);
    expect(slackMessage(f, 'UTC').text).not.toContain('VPN down');
    expect(JSON.stringify(slackMessage(f, 'UTC').blocks)).not.toMatch(/Assignee|unassigned/);
  });
});

describe('routing', () => {
  const routes: RouteConfig[] = [
    { when: { type: ['response_breached', 'resolution_breached'] }, to: ['breaches'] },
    { when: { priority: ['urgent'], tier: ['Enterprise'] }, to: ['pager', 'breaches'] },
    { when: { policy: ['other'] }, to: ['nobody'] },
  ];
  it('every matching route contributes its destinations, once each, in order', () => {
    expect(routeDestinations(routes, { type: 'response_breached', priority: 'urgent', tier: 'enterprise', policy: 'gold' })).toEqual(['breaches', 'pager']);
    expect(routeDestinations(routes, { type: 'response_warning', priority: 'high', tier: null, policy: 'gold' })).toEqual([]);
  });
});

describe('Slack messages', () => {
  it('escape &, < and > so ticket text cannot mention or link', () => {
    expect(slackEscape('<!channel> & <http://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;http://x|y&gt;');
    const m = slackMessage(facts({ subject: '<!here> <http://evil|click>', customer: '<@U1>', assignee: '<!everyone>' }), 'UTC');
    const all = m.text + JSON.stringify(m.blocks);
    for (const bad of ['<!here>', '<http://evil|click>', '<@U1>', '<!everyone>']) expect(all).not.toContain(bad);
    expect(all).toContain('<https://help.example.com/t/1234|#1234>'); // our own link stays a link
  });

  it('stay within Slack limits with huge ticket text', () => {
    const m = slackMessage(facts({ subject: 'x'.repeat(10_000), customer: 'y'.repeat(5000), id: 'z'.repeat(500) }), 'UTC');
    expect(m.text.length).toBeLessThanOrEqual(3000);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    const b = m.blocks as any[];
    expect(b[0].text.text.length).toBeLessThanOrEqual(3000);
    expect(b[1].fields.length).toBeLessThanOrEqual(10);
    for (const f of b[1].fields) expect(f.text.length).toBeLessThanOrEqual(2000);
  });

  it('show deadline in the config zone and time left / overdue in business and wall-clock time', () => {
    const m = slackMessage(facts(), 'America/New_York');
    const fields = (m.blocks[1] as any).fields.map((f: any) => f.text);
    expect(fields).toContain('*Deadline*\n2025-11-03 06:00 EST');
    expect(fields).toContain('*Overdue*\n35m (business 35m)');
    expect(fields).toContain('*Assignee*\nunassigned');
    expect(fields).toContain('*Customer*\nAcme (enterprise)');
    const warn = facts({}, '2025-11-03T10:50:00Z');
    expect(timeLeft(warn)).toBe('due in 10m (business 10m)');
  });

  it('a digest of many alerts keeps within 50 blocks and 3000 characters a section, and says how many it left out', () => {
    const list = Array.from({ length: 400 }, (_, i) => facts({ id: `T${i}`, subject: 's'.repeat(200) }));
    const d = slackDigest(list, 'UTC');
    expect(d.blocks.length).toBeLessThanOrEqual(50);
    for (const b of d.blocks as any[]) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(d.text.length).toBeLessThanOrEqual(3000);
    expect(d.text).toMatch(/^400 SLA alerts \(400 breached\)/);
    const shown = JSON.stringify(d.blocks).match(/#T\d+/g)!.length;
    expect(JSON.stringify(d.blocks)).toContain(`… and ${400 - shown} more`);
  });
});

describe('e-mail', () => {
  it('subject like "[SLA breached] #1234 urgent — resolution overdue 35m", plain-text body with the facts', () => {
    const m = emailMessage(facts(), 'UTC');
    expect(m.subject).toBe('[SLA breached] #1234 urgent — first response overdue 35m');
    expect(m.text).toMatch(/^Subject:\s+VPN down$/m);
    expect(m.text).toMatch(/^Deadline:\s+2025-11-03 11:00 UTC$/m);
    expect(m.text).toMatch(/^Policy:\s+gold$/m);
    expect(m.text).toContain('https://help.example.com/t/1234');
    expect(emailMessage(facts({ subject: 'a\r\nBcc: evil@example.com' }), 'UTC').text).not.toMatch(/^Bcc:/m);
    expect(emailDigest([facts(), facts({ id: '99' })], 'UTC').subject).toBe('[SLA] 2 alerts: 2 breached');
  });
});

describe('retries', () => {
  it('Retry-After in seconds or as a date, capped', () => {
    expect(parseRetryAfter('2', 0, 60_000)).toBe(2000);
    expect(parseRetryAfter('3600', 0, 60_000)).toBe(60_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0, 60_000)).toBe(10_000);
    expect(parseRetryAfter(undefined, 0, 60_000)).toBeNull();
    expect(parseRetryAfter('soon', 0, 60_000)).toBeNull();
  });

  it('backoff grows exponentially with jitter, within a run and between runs (capped at 15 min)', () => {
    expect(inRunDelay(1, 100, () => 1)).toBe(100);
    expect(inRunDelay(3, 100, () => 1)).toBe(400);
    expect(inRunDelay(3, 100, () => 0)).toBe(200);
    expect(betweenRunsDelay(3, 3, () => 1)).toBe(60_000);
    expect(betweenRunsDelay(6, 3, () => 1)).toBe(120_000);
    expect(betweenRunsDelay(60, 3, () => 1)).toBe(15 * 60_000);
    expect(betweenRunsDelay(6, 3, () => 0)).toBe(90_000);
  });

  it('network errors are described without any address', () => {
    const e = describeNetworkError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443 https://hooks.slack.com/services/SECRET'), { code: 'ECONNREFUSED' }));
    expect(e).toEqual({ ok: false, permanent: false, error: 'connection refused' });
    expect(describeNetworkError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toMatchObject({ permanent: false, error: 'timeout waiting for the response' });
    expect(describeNetworkError(Object.assign(new TypeError('Invalid URL https://secret'), { code: 'ERR_INVALID_URL' }))).toMatchObject({ permanent: true });
  });
});
