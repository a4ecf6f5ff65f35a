// `sla watch`: an every-second schedule, re-import before each check, overlapping
// ticks skipped, a failing run logged while watching goes on, and SIGTERM in the
// middle of a run: the run finishes, the database is closed, exit 0.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysConfig, project, ticketsCsv } from '../support/project.js';
import { TestServer } from '../support/servers.js';

let server: TestServer;
beforeAll(async () => { server = await TestServer.start(); });
afterAll(async () => { await server.close(); });

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sla watch', () => {
  it('checks at start and every second, re-imports, logs each run, survives a failing run, and stops cleanly on SIGTERM mid-run', async () => {
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { pager: { type: 'webhook', url: server.url('/watch') } }, routes: [{ when: { type: ['response_breached'] }, to: ['pager'] }] } }),
    });
    const csv = join(p.dir, 'export.csv');
    const ticket = (id: string) => ({ id, priority: 'urgent', status: 'open', created_at: '2025-11-03T10:00:00Z' });
    writeFileSync(csv, ticketsCsv([ticket('W1')]));
    server.respond({ status: 200 });

    const { child, done } = p.spawn(['watch', '--schedule', '* * * * * *', '--import', csv, '--at', '2025-11-03T11:05:00Z'], { env: { SLA_HTTP_TIMEOUT_MS: '5000' } });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const okRuns = () => out.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z run \d+ ok: /.test(l));

    await until(() => server.requests.some((r) => r.path === '/watch'), 'the first alert');
    await until(() => okRuns().length >= 1, 'the first log line');
    expect(okRuns()[0]).toMatch(/1 breached.*1 alert sent.*import: 1 rows, 1 new/);

    // The export disappears for a while: runs fail, are logged, and watching goes on.
    renameSync(csv, csv + '.away');
    await until(() => /run FAILED: .*watching goes on/.test(out), 'a failed run');
    // It comes back with a new ticket; its alert is delivered slowly: SIGTERM while that run delivers.
    server.respond({ status: 200, delayMs: 2500 });
    writeFileSync(csv + '.away', ticketsCsv([ticket('W1'), ticket('W2')]));
    renameSync(csv + '.away', csv);
    await until(() => server.requests.some((r) => r.path === '/watch' && r.json?.ticketId === 'W2'), 'the second alert');
    // A tick comes while that run is still delivering: skipped, not stacked.
    await until(() => /skipped: the previous run is still going/.test(out), 'a skipped tick');
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/SIGTERM: finishing the run in progress/);
    expect(Date.now() - sentAt).toBeGreaterThan(300); // it waited for the delivery in progress
    const last = okRuns().at(-1)!;
    expect(last).toMatch(/1 breached.*1 alert sent/);

    // Everything the interrupted run did is recorded; nothing is left in flight.
    const alerts = p.json(['alerts']).map((a: any) => ({ ticketId: a.ticketId, status: a.status }));
    expect(alerts.sort((a: any, b: any) => a.ticketId.localeCompare(b.ticketId))).toEqual([
      { ticketId: 'W1', status: 'sent' }, { ticketId: 'W2', status: 'sent' },
    ]);
    expect(p.json(['runs', '--limit', '1000']).filter((r: any) => r.status !== 'ok')).toEqual([]);
    expect(server.requests.filter((x) => x.path === '/watch')).toHaveLength(2);
  });

  it('--metrics-textfile: after each run the metrics file describes it (sla metrics\' text, written whole)', async () => {
    const p = project({ config: alwaysConfig(), tickets: [{ id: 'M1', priority: 'urgent', status: 'open', created_at: '2025-11-03T10:00:00Z' }] });
    const file = join(p.dir, 'sla.prom');
    const { child, done } = p.spawn(['watch', '--schedule', '* * * * * *', '--metrics-textfile', 'sla.prom', '--at', '2025-11-03T11:05:00Z']);
    const started = (): number => Number(/^sla_last_check_start_timestamp_seconds (\S+)$/m.exec(existsSync(file) ? readFileSync(file, 'utf8') : '')?.[1] ?? NaN);
    await until(() => started() > 0, 'the metrics file');
    const first = started();
    await until(() => started() > first, 'the metrics of a later run');
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^sla_last_check_ok 1$/m);
    expect(text).toMatch(/^sla_open_tickets\{priority="urgent",sla_status="breached"\} 1$/m);
    const [last] = p.json(['runs', '--limit', '1']);
    expect(started()).toBe(Date.parse(last.startedAt) / 1000);
    expect(p.sla(['watch', '--metrics-textfile', 'sla.txt']).code).toBe(2);
  });

  it('refuses a bad schedule (exit 2)', async () => {
    const p = project({ config: alwaysConfig() });
    const r = await p.slaAsync(['watch', '--schedule', 'every minute']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--schedule "every minute" is not a cron expression/);
  });
});
