// `sla metrics`: Prometheus' text format, read back by Prometheus' own parser and linter
// (`promtool check metrics`, Debian's prometheus package; .ci/run installs it and sets
// SLA_REQUIRE_PROMTOOL=1, so that CI never skips that check), and its numbers equal those the
// other commands give in JSON (list, report, alerts, runs).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alwaysConfig, project } from '../support/project.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool && process.env.SLA_REQUIRE_PROMTOOL === '1') throw new Error('promtool is missing: install Debian\'s prometheus package (.ci/run does)');

const T0 = '2025-11-03T10:00:00Z';
const AT = '2025-11-03T11:05:00Z';

/** Samples by "name{labels}" (labels as printed: sorted). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('sla metrics', () => {
  it('prints the exposition format promtool accepts, with the numbers list, report, alerts and runs give', async () => {
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { log: { type: 'file', path: 'alerts.ndjson' } }, routes: [{ to: ['log'] }] } }),
      tickets: [
        { id: 'U1', priority: 'urgent', status: 'open', created_at: T0 }, // first response due 11:00: breached
        { id: 'U2', priority: 'urgent', status: 'open', created_at: T0 },
        { id: 'U3', priority: 'urgent', status: 'open', created_at: T0, first_response_at: '2025-11-03T10:20:00Z' }, // met
        { id: 'H1', priority: 'high', status: 'open', assignee: 'ana', created_at: T0 }, // 2h: on time
        { id: 'H2', priority: 'high', status: 'pending', created_at: T0 }, // paused
      ],
    });
    const check = await p.slaAsync(['check', '--at', AT]);
    expect(check.code, check.stderr).toBe(0);
    const r = p.sla(['metrics', '--at', AT]);
    expect(r.code, r.stderr).toBe(0);
    if (promtool) {
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: r.stdout, encoding: 'utf8' });
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      expect(lint.stdout + lint.stderr).toBe('');
    }
    const m = samples(r.stdout);

    // open tickets by SLA status and priority = what `sla list` says of each
    const listed = p.json(['list', '--all', '--at', AT]) as Array<{ slaStatus: string; priority: string; status: string }>;
    const open = new Map<string, number>();
    for (const t of listed) {
      const k = `sla_open_tickets{priority="${t.priority}",sla_status="${t.slaStatus}"}`;
      open.set(k, (open.get(k) ?? 0) + 1);
    }
    expect(new Map([...m].filter(([k]) => k.startsWith('sla_open_tickets')))).toEqual(open);
    expect(m.get('sla_open_tickets{priority="urgent",sla_status="breached"}')).toBe(2);

    // breaches and warnings recorded = the SLA events check recorded
    expect(m.get('sla_breaches_total{metric="first_response",policy="p247",priority="urgent"}')).toBe(2);
    expect(m.get('sla_warnings_total{metric="first_response",policy="p247",priority="urgent"}')).toBe(2);
    const breaches = listed.flatMap((t: any) => p.show(t.id, AT).slaEvents.filter((e: any) => e.type.endsWith('_breached')));
    expect([...m].filter(([k]) => k.startsWith('sla_breaches_total')).reduce((n, [, v]) => n + v, 0)).toBe(breaches.length);

    // compliance = the report's
    for (const days of [7, 30]) {
      const rep = p.json(['report', '--days', String(days), '--at', AT]);
      for (const [metric, key] of [['first_response', 'firstResponse'], ['resolution', 'resolution']] as const) {
        const t = rep[key];
        expect(m.get(`sla_concluded_tickets{metric="${metric}",result="met",window="${days}d"}`)).toBe(t.met);
        expect(m.get(`sla_concluded_tickets{metric="${metric}",result="breached",window="${days}d"}`)).toBe(t.breached);
        const ratio = m.get(`sla_compliance_ratio{metric="${metric}",window="${days}d"}`);
        if (t.met + t.breached === 0) expect(ratio).toBeUndefined();
        else expect(Math.round(ratio! * 1000) / 10).toBe(t.compliancePercent);
      }
    }
    expect(m.get('sla_compliance_ratio{metric="first_response",window="7d"}')).toBeCloseTo(1 / 3, 10);

    // the outbox and the last check
    const alerts = p.json(['alerts']) as Array<{ status: string }>;
    expect(m.get('sla_outbox_alerts{status="sent"}')).toBe(alerts.filter((a) => a.status === 'sent').length);
    expect(m.get('sla_outbox_alerts{status="pending"}')).toBe(0);
    const [run] = p.json(['runs']);
    expect(m.get('sla_last_check_start_timestamp_seconds')).toBe(Date.parse(run.startedAt) / 1000);
    expect(m.get('sla_last_check_success_timestamp_seconds')).toBe(Date.parse(run.finishedAt) / 1000);
    expect(m.get('sla_last_check_duration_seconds')).toBe(run.durationMs / 1000);
    expect(m.get('sla_last_check_ok')).toBe(1);
  });

  it('--textfile writes the same text atomically to a .prom file; another name is a usage error', () => {
    const p = project({ config: alwaysConfig(), tickets: [{ id: 'A1', priority: 'urgent', status: 'open', created_at: T0 }] });
    const out = p.out(['metrics', '--at', AT]);
    const file = join(p.dir, 'sla.prom');
    expect(p.sla(['metrics', '--at', AT, '--textfile', 'sla.prom']).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(out);
    expect(readdirSync(p.dir).filter((f) => f.includes('.tmp'))).toEqual([]); // no temporary file left
    const bad = p.sla(['metrics', '--textfile', 'sla.txt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('reads only files named *.prom');
    expect(existsSync(join(p.dir, 'sla.txt'))).toBe(false);
    const missing = p.sla(['metrics', '--textfile', 'no/such/dir/sla.prom']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('its folder does not exist');
  });
});
