// Escalation rules through `sla check`, and manual `sla escalate`: actions
// (notify, raisePriority, assignTo), once per cycle, a reset starts a new cycle,
// audited as 'system'; the other triggers (unassigned + elapsed, idle, customer count).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysConfig, ENGINE, project } from '../support/project.js';
import { TestServer } from '../support/servers.js';

let server: TestServer;
beforeAll(async () => { server = await TestServer.start(); });
afterAll(async () => { await server.close(); });

const on = (path: string) => server.requests.filter((r) => r.path.startsWith(path));
const pager = (path: string) => ({
  destinations: { pager: { type: 'webhook', url: server.url(path) } },
  routes: [] as unknown[],
});

describe('escalation rules', () => {
  it('raise the priority one step, assign, notify — once per cycle; a reset starts a new cycle', async () => {
    const p = project({
      config: alwaysConfig({
        alerts: pager('/esc1'),
        escalations: [{
          name: 'resolution-30m-overdue', when: { metric: 'resolution', overdueMinutes: 30 },
          actions: { notify: ['pager'], raisePriority: true, assignTo: 'duty-manager' },
        }],
      }),
      tickets: [{ id: 'H1', priority: 'high', status: 'open', assignee: 'ana', created_at: '2025-11-03T10:00:00Z' }],
    });
    // Resolution 8h → due 18:00; the rule holds from 18:30.
    const before = await p.slaAsync(['check', '--at', '2025-11-03T18:20:00Z']);
    expect(before.code, before.stderr).toBe(0);
    expect(on('/esc1')).toHaveLength(0);

    const r = await p.slaAsync(['check', '--at', '2025-11-03T18:31:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/escalated\s+#H1 rule resolution-30m-overdue: priority high → urgent, assigned to duty-manager → pager/);
    const hook = on('/esc1');
    expect(hook).toHaveLength(1);
    expect(hook[0].json).toMatchObject({
      type: 'escalated', rule: 'resolution-30m-overdue', ticketId: 'H1', at: '2025-11-03T18:30:00Z', priority: 'urgent', assignee: 'duty-manager',
      escalation: { manual: false, priority: { from: 'high', to: 'urgent' }, assignee: { from: 'ana', to: 'duty-manager' } },
    });
    const t = p.show('H1', '2025-11-03T18:31:00Z');
    expect({ priority: t.priority, assignee: t.assignee, target: t.metrics.resolution.target, due: t.slaResolutionDue })
      .toEqual({ priority: 'urgent', assignee: 'duty-manager', target: 480, due: '2025-11-03T18:00:00Z' });
    const audit = t.audit.filter((a: any) => a.action === 'escalate');
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe('system');
    expect(audit[0].before).toEqual({ priority: 'high', assignee: 'ana' });
    expect(audit[0].after).toMatchObject({ priority: 'urgent', assignee: 'duty-manager' });
    const hist = t.events.filter((e: any) => e.source === 'check').map((e: any) => ({ type: e.type, value: e.value, actor: e.actor, source: e.source }));
    expect(hist).toEqual([
      { type: 'priority', value: 'urgent', actor: 'system', source: 'check' },
      { type: 'assign', value: 'duty-manager', actor: 'system', source: 'check' },
    ]);

    const later = await p.slaAsync(['check', '--at', '2025-11-03T20:00:00Z']);
    expect(later.code).toBe(0);
    expect(on('/esc1')).toHaveLength(1); // once per cycle

    const reset = await p.slaAsync(['reset', 'H1', '--reason', 'customer changed the request', '--at', '2025-11-03T20:00:00Z']);
    expect(reset.code, reset.stderr).toBe(0);
    // New cycle: the clocks restart at 20:00 with the same targets → due 04:00, rule at 04:30.
    const second = await p.slaAsync(['check', '--at', '2025-11-04T04:31:00Z', '--format', 'json']);
    expect(second.code, second.stderr).toBe(0);
    const esc = JSON.parse(second.stdout).events.filter((e: any) => e.type === 'escalated');
    expect(esc).toHaveLength(1);
    expect(esc[0]).toMatchObject({ cycle: 1, at: '2025-11-04T04:30:00Z' });
    expect(esc[0].escalation.priority).toBeUndefined(); // already at the top: never past it
    expect(on('/esc1')).toHaveLength(2);
  });

  it('unassigned + elapsed, idle and customer-count triggers fire at their instants, once', async () => {
    const p = project({
      config: alwaysConfig({
        alerts: pager('/esc2'),
        escalations: [
          { name: 'urgent-unassigned', when: { priority: ['urgent'], unassigned: true, elapsedMinutes: 10 }, actions: { notify: ['pager'] } },
          { name: 'idle-2h', when: { idleMinutes: 120 }, actions: { notify: ['pager'] } },
          { name: 'big-customer', when: { customerOpenAtLeast: 3 }, actions: { notify: ['pager'] } },
        ],
      }),
      tickets: [
        { id: 'U1', customer: 'A', priority: 'urgent', status: 'open', created_at: '2025-11-03T10:00:00Z' },
        { id: 'U2', customer: 'A', priority: 'urgent', status: 'open', assignee: 'bob', created_at: '2025-11-03T10:00:00Z' },
        { id: 'I1', customer: 'B', priority: 'medium', status: 'open', assignee: 'cy', created_at: '2025-11-03T10:00:00Z' },
        { id: 'C1', customer: 'Big', priority: 'medium', status: 'open', assignee: 'dee', created_at: '2025-11-03T10:00:00Z' },
        { id: 'C2', customer: 'Big', priority: 'medium', status: 'open', assignee: 'dee', created_at: '2025-11-03T10:05:00Z' },
        { id: 'C3', customer: 'Big', priority: 'medium', status: 'open', assignee: 'dee', created_at: '2025-11-03T10:10:00Z' },
      ],
      importAt: '2025-11-03T10:10:00Z',
    });
    const fired = async (at: string): Promise<string[]> => {
      const r = await p.slaAsync(['check', '--at', at, '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).events.filter((e: any) => e.type === 'escalated').map((e: any) => `${e.rule}:${e.ticketId}@${e.at.slice(11, 16)}`).sort();
    };
    // On SQLite the open-customer index is made by the first check with a customerOpenAtLeast rule
    // (migration 005); PostgreSQL's schema has it from the start.
    const customerIndex = () => (ENGINE === 'postgres' ? 1
      : p.query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tickets_open_customer'")[0].n);
    if (ENGINE === 'sqlite') expect(customerIndex()).toBe(0);
    // A dry run makes it too (no data changes), and records nothing.
    const dry = await p.slaAsync(['check', '--dry-run', '--at', '2025-11-03T10:30:00Z', '--format', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).events.filter((e: any) => e.type === 'escalated')).toHaveLength(4);
    expect(customerIndex()).toBe(1);
    const ids = p.json<Array<{ id: string }>>(['--at', '2025-11-03T10:30:00Z', 'list', '--all']).map((x) => x.id);
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) expect(p.show(id).slaEvents, id).toEqual([]);
    expect(await fired('2025-11-03T10:30:00Z')).toEqual([
      'big-customer:C1@10:10', 'big-customer:C2@10:10', 'big-customer:C3@10:10', 'urgent-unassigned:U1@10:10',
    ]);
    // I1 is updated at 11:00: its idle time starts again.
    p.importTickets([{ id: 'I1', customer: 'B', priority: 'medium', status: 'in_progress', assignee: 'cy', created_at: '2025-11-03T10:00:00Z', updated_at: '2025-11-03T11:00:00Z' }], '2025-11-03T11:00:00Z');
    expect(await fired('2025-11-03T12:30:00Z')).toEqual([
      'idle-2h:C1@12:00', 'idle-2h:C2@12:05', 'idle-2h:C3@12:10', 'idle-2h:U1@12:00', 'idle-2h:U2@12:00',
    ]);
    expect(await fired('2025-11-03T13:05:00Z')).toEqual(['idle-2h:I1@13:00']);
    expect(await fired('2025-11-03T16:00:00Z')).toEqual([]);
    expect(on('/esc2')).toHaveLength(10);
    expect(customerIndex()).toBe(1);
  });
});

describe('sla escalate', () => {
  it('refuses an unknown ticket, an unknown destination or a missing reason, writing nothing', async () => {
    const p = project({
      config: alwaysConfig({ alerts: pager('/man0') }),
      tickets: [{ id: 'M0', priority: 'high', status: 'open', created_at: '2025-11-03T10:00:00Z' }],
    });
    const cases: Array<[string[], RegExp]> = [
      [['escalate', 'NOPE', '--reason', 'why'], /ticket NOPE not found/],
      [['escalate', 'M0', '--to', 'boss'], /needs a reason/],
      [['escalate', 'M0', '--reason', 'why', '--notify', 'nowhere'], /unknown alert destination "nowhere".*pager/],
    ];
    for (const [args, msg] of cases) {
      const r = await p.slaAsync(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(msg);
    }
    const m0 = p.show('M0');
    expect(m0.slaEvents).toEqual([]);
    expect(p.json(['audit']).filter((a: any) => a.action === 'escalate')).toEqual([]);
    expect(m0.assignee).toBe(null);
  });

  it('refuses --at before the ticket was created, like the other writes, writing nothing', async () => {
    const p = project({
      config: alwaysConfig({ alerts: pager('/man0b') }),
      tickets: [{ id: 'M0B', priority: 'high', status: 'open', created_at: '2025-11-03T10:00:00Z' }],
    });
    const r = await p.slaAsync(['escalate', 'M0B', '--reason', 'why', '--to', 'boss', '--notify', 'pager', '--at', '2025-11-03T09:00:00Z']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/ticket M0B did not exist yet at 2025-11-03T09:00:00Z/);
    const m0b = p.show('M0B');
    expect(m0b.slaEvents).toEqual([]);
    expect(p.json(['audit']).filter((a: any) => a.action === 'escalate')).toEqual([]);
    expect(m0b.assignee).toBe(null);
    expect(on('/man0b')).toHaveLength(0);
  });

  it('records a manual escalation (several per cycle), reassigns, audits, and notifies at once', async () => {
    const p = project({
      config: alwaysConfig({ alerts: pager('/man1') }),
      tickets: [{ id: 'M1', priority: 'high', status: 'open', assignee: 'ana', created_at: '2025-11-03T10:00:00Z' }],
    });
    const r = await p.slaAsync(['escalate', 'M1', '--reason', 'VIP customer', '--to', 'duty-manager', '--notify', 'pager', '--at', '2025-11-03T10:30:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/escalated #M1 \(manual:1\) · assigned to duty-manager \(was ana\) · notified pager/);
    expect(on('/man1')).toHaveLength(1);
    expect(on('/man1')[0].json).toMatchObject({
      type: 'escalated', rule: 'manual:1', ticketId: 'M1', assignee: 'duty-manager',
      escalation: { manual: true, reason: 'VIP customer', actor: 'tester', assignee: { from: 'ana', to: 'duty-manager' } },
    });
    const again = await p.slaAsync(['escalate', 'M1', '--reason', 'still waiting', '--at', '2025-11-03T11:00:00Z', '--format', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rule: 'manual:2', assignee: null, notified: [] });
    const m1 = p.show('M1', '2025-11-03T11:00:00Z');
    expect(m1.slaEvents.map((x: any) => x.rule)).toEqual(['manual:1', 'manual:2']);
    const audit = m1.audit.filter((a: any) => a.action === 'escalate').map((a: any) => ({ actor: a.actor, reason: a.reason }));
    expect(audit).toEqual([{ actor: 'tester', reason: 'VIP customer' }, { actor: 'tester', reason: 'still waiting' }]);
    expect(m1.assignee).toBe('duty-manager');
  });
});
