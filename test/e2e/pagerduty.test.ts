// PagerDuty's Events API v2 against a local server that answers as the API documents
// (https://github.com/PagerDuty/developer-docs/blob/main/docs/events-API-v2/01-Overview.md and
// 02-Trigger-Events.md): 202 with {"status": "success", "dedup_key"} for an event it takes, 400 for
// one it refuses, 429 when over its rate. Each request is checked for the fields the API requires.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { alwaysConfig, project } from '../support/project.js';
import { TestServer } from '../support/servers.js';

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
  server.respond((r) => ({ status: 202, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: r.json?.dedup_key }) }));
});
afterAll(async () => { await server.close(); });

const T0 = '2025-11-03T10:00:00Z';
const KEY = 'R0UTINGKEY0123456789abcdefABCDEF';
const on = (path: string) => server.requests.filter((r) => r.path === path);

/** What the Events API requires of an alert event. */
function expectAlertEvent(e: any): void {
  expect(e.routing_key).toBe(KEY);
  expect(['trigger', 'acknowledge', 'resolve']).toContain(e.event_action);
  expect(typeof e.dedup_key).toBe('string');
  expect(e.dedup_key.length).toBeLessThanOrEqual(255);
  expect(typeof e.payload.summary).toBe('string');
  expect(e.payload.summary.length).toBeGreaterThan(0);
  expect(e.payload.summary.length).toBeLessThanOrEqual(1024);
  expect(typeof e.payload.source).toBe('string');
  expect(['critical', 'error', 'warning', 'info']).toContain(e.payload.severity);
  expect(Number.isNaN(Date.parse(e.payload.timestamp))).toBe(false);
}

describe('PagerDuty destination', () => {
  it('triggers one PagerDuty alert per clock: warning and breach share a dedup key; severity from the priority', async () => {
    const p = project({
      config: alwaysConfig({
        alerts: {
          destinations: { pd: { type: 'pagerduty', routingKey: '$PD_KEY', url: '$PD_URL', severity: { High: 'warning' } } },
          routes: [{ to: ['pd'] }],
          ticketUrl: 'https://support.example.com/t/{id}',
        },
      }),
      env: { PD_KEY: KEY, PD_URL: server.url('/pd/enqueue') },
      tickets: [
        { id: 'U1', subject: 'Checkout down', priority: 'urgent', status: 'open', assignee: 'ana', created_at: T0 }, // first response 1h
        { id: 'H1', priority: 'high', status: 'open', created_at: T0 }, // 2h
      ],
    });
    for (const at of ['2025-11-03T10:50:00Z', '2025-11-03T11:05:00Z']) {
      const r = await p.slaAsync(['check', '--at', at]);
      expect(r.code, r.stderr).toBe(0);
    }
    const got = on('/pd/enqueue').map((g) => g.json);
    for (const e of got) expectAlertEvent(e);
    const u1 = got.filter((e) => e.payload.custom_details.ticket === 'U1');
    expect(u1.map((e) => e.payload.class)).toEqual(['response_warning', 'response_breached']);
    expect(new Set(u1.map((e) => e.dedup_key))).toEqual(new Set(['sla:U1:first_response:0']));
    const breach = u1[1];
    expect(breach).toMatchObject({
      event_action: 'trigger', client: 'sla', client_url: 'https://support.example.com/t/U1',
      links: [{ href: 'https://support.example.com/t/U1', text: 'Ticket #U1' }],
      payload: {
        summary: 'SLA breached: #U1 urgent — first response overdue 5m · Checkout down', source: 'sla', severity: 'critical',
        timestamp: '2025-11-03T11:00:00Z', component: 'p247', class: 'response_breached',
        custom_details: { ticket: 'U1', subject: 'Checkout down', priority: 'urgent', metric: 'first response', deadline: '2025-11-03 11:00 UTC', overdue: '5m (business 5m)', assignee: 'ana', policy: 'p247' },
      },
    });
    expect(breach.payload.custom_details.sla_event_id).toMatch(/^sla_[0-9a-f]{24}$/);
    // H1's warning (at 11:36) comes later; its severity is the configured one for "high"
    const r = await p.slaAsync(['check', '--at', '2025-11-03T11:40:00Z']);
    expect(r.code, r.stderr).toBe(0);
    const h1 = on('/pd/enqueue').map((g) => g.json).filter((e) => e.payload.custom_details.ticket === 'H1');
    expect(h1.map((e) => [e.payload.class, e.payload.severity, e.dedup_key])).toEqual([['response_warning', 'warning', 'sla:H1:first_response:0']]);
    // the routing key goes in the request, never into the database
    const db = readFileSync(p.db).toString('latin1') + (existsSync(`${p.db}-wal`) ? readFileSync(`${p.db}-wal`).toString('latin1') : '');
    expect(db).not.toContain(KEY);
  });

  it('429 is retried; 400 (an event PagerDuty refuses) fails the alert; the default endpoint is PagerDuty\'s', async () => {
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { pd: { type: 'pagerduty', routingKey: '$PD_KEY', url: '$PD_URL' } }, routes: [{ when: { type: ['response_breached'] }, to: ['pd'] }] } }),
      env: { PD_KEY: KEY, PD_URL: server.url('/pd/retry') },
      tickets: [{ id: 'R1', priority: 'urgent', status: 'open', created_at: T0 }, { id: 'R2', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    server.script(
      { status: 429, headers: { 'retry-after': '1' }, body: '{"status":"throttle event","message":"Requests for this service are arriving too quickly."}' },
      { status: 202, body: '{"status":"success"}' },
      { status: 400, body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}' },
    );
    const r = await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z']);
    expect(r.code).toBe(1); // one alert failed
    expect(on('/pd/retry').map((g) => g.answer)).toEqual([429, 202, 400]);
    const failed = p.json(['alerts', '--failed']);
    expect(failed).toHaveLength(1);
    expect(failed[0].lastError).toBe('HTTP 400');
    const c = parseConfig(alwaysConfig({ alerts: { destinations: { pd: { type: 'pagerduty', routingKey: '$K' } } } }), join(p.dir, 'x.json'));
    expect(c.alerts.destinations.pd).toMatchObject({ url: 'https://events.pagerduty.com/v2/enqueue', severity: {} });
  });

  it('resolves the PagerDuty alert once its clock stops: once, with the same dedup key and routing key', async () => {
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { pd: { type: 'pagerduty', routingKey: '$PD_KEY', url: '$PD_URL' } }, routes: [{ to: ['pd'] }] } }),
      env: { PD_KEY: KEY, PD_URL: server.url('/pd/resolve') },
      tickets: [{ id: 'X1', priority: 'urgent', status: 'open', created_at: T0 }, { id: 'X2', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    expect((await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z'])).code).toBe(0); // both breach their first response
    const triggers = on('/pd/resolve').map((g) => g.json);
    expect(triggers.map((e) => [e.event_action, e.dedup_key]).sort()).toEqual([
      ['trigger', 'sla:X1:first_response:0'], ['trigger', 'sla:X2:first_response:0'],
    ]);
    // X1 is answered at 11:10 (its first-response clock stops); X2 is not
    p.importTickets([
      { id: 'X1', priority: 'urgent', status: 'open', created_at: T0, first_response_at: '2025-11-03T11:10:00Z', updated_at: '2025-11-03T11:10:00Z' },
    ], '2025-11-03T11:12:00Z');
    for (const at of ['2025-11-03T11:15:00Z', '2025-11-03T11:20:00Z']) {
      const r = await p.slaAsync(['check', '--at', at]);
      expect(r.code, r.stderr).toBe(0);
    }
    const resolves = on('/pd/resolve').map((g) => g.json).filter((e) => e.event_action === 'resolve');
    expect(resolves).toEqual([{ routing_key: KEY, event_action: 'resolve', dedup_key: 'sla:X1:first_response:0' }]);
    const closing = p.json(['alerts']).filter((a: any) => a.type === 'incident_closed');
    expect(closing.map((a: any) => [a.ticketId, a.destination, a.status])).toEqual([['X1', 'pd', 'sent']]);
    // X2 resolved: its PagerDuty alert too (the resolution clock had no alert of its own yet)
    p.importTickets([
      { id: 'X2', priority: 'urgent', status: 'resolved', created_at: T0, updated_at: '2025-11-03T11:30:00Z' },
    ], '2025-11-03T11:31:00Z');
    expect((await p.slaAsync(['check', '--at', '2025-11-03T11:35:00Z'])).code).toBe(0);
    expect(on('/pd/resolve').map((g) => g.json).filter((e) => e.event_action === 'resolve').map((e) => e.dedup_key))
      .toEqual(['sla:X1:first_response:0', 'sla:X2:first_response:0']);
  });

  it('10 concurrent checks: each trigger and each resolve reaches PagerDuty exactly once', async () => {
    const ids = ['K0', 'K1', 'K2', 'K3', 'K4'];
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { pd: { type: 'pagerduty', routingKey: '$PD_KEY', url: '$PD_URL' } }, routes: [{ when: { type: ['response_breached'] }, to: ['pd'] }] } }),
      env: { PD_KEY: KEY, PD_URL: server.url('/pd/many') },
      tickets: ids.map((id) => ({ id, priority: 'urgent', status: 'open', created_at: T0 })),
    });
    const checks = async (at: string) => {
      for (const r of await Promise.all(Array.from({ length: 10 }, () => p.slaAsync(['check', '--at', at])))) expect(r.code, r.stderr).toBe(0);
    };
    await checks('2025-11-03T11:05:00Z');
    p.importTickets(ids.map((id) => ({ id, priority: 'urgent', status: 'open', created_at: T0, first_response_at: '2025-11-03T11:10:00Z', updated_at: '2025-11-03T11:10:00Z' })), '2025-11-03T11:11:00Z');
    await checks('2025-11-03T11:15:00Z');
    const sent = on('/pd/many').map((g) => `${g.json.event_action} ${g.json.dedup_key}`).sort();
    expect(sent).toEqual(ids.flatMap((id) => [`resolve sla:${id}:first_response:0`, `trigger sla:${id}:first_response:0`]).sort());
  });
});
