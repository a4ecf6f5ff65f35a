// --at in the past shows the state then: in `list`, an assignee set later is not yet (the
// one the ticket had then is shown, and --assignee filters on it); in `alerts`, an alert
// queued later is not yet listed.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

describe('--at in the past', () => {
  it('list shows the assignee of then, alerts only what was queued by then', () => {
    const dir = tempDir('sla-asof-');
    writeJson(join(dir, 'sla.config.json'), baseConfig({
      alerts: { destinations: { log: { type: 'file', path: 'alerts.ndjson' } }, routes: [{ to: ['log'] }] },
    }));
    writeFileSync(join(dir, 't.csv'), 'id,subject,priority,status,assignee,created_at\nA1,printer,urgent,open,ana,2025-11-03T09:00:00Z\n');
    const at = (t: string, ...args: string[]) => sla(['--at', t, ...args], { cwd: dir });
    expect(at('2025-11-03T09:05:00Z', 'import', 't.csv').code).toBe(0);
    // two days later: reassigned, and a check queues the breach alerts
    expect(at('2025-11-05T10:00:00Z', 'escalate', 'A1', '--to', 'bo', '--reason', 'ana is out').code).toBe(0);
    expect(at('2025-11-05T10:00:00Z', 'check').code).toBe(0);

    const then = JSON.parse(at('2025-11-03T09:10:00Z', 'list', '--format', 'json').stdout);
    expect(then.map((t: any) => [t.id, t.assignee])).toEqual([['A1', 'ana']]);
    expect(at('2025-11-03T09:10:00Z', 'list').stdout).toMatch(/A1 .*ana/);
    expect(JSON.parse(at('2025-11-03T09:10:00Z', 'list', '--assignee', 'ana', '--format', 'json').stdout)).toHaveLength(1);
    expect(JSON.parse(at('2025-11-03T09:10:00Z', 'list', '--assignee', 'bo', '--format', 'json').stdout)).toHaveLength(0);
    const now = JSON.parse(at('2025-11-05T10:05:00Z', 'list', '--format', 'json').stdout);
    expect(now.map((t: any) => t.assignee)).toEqual(['bo']);

    expect(JSON.parse(at('2025-11-05T10:05:00Z', 'alerts', '--format', 'json').stdout).length).toBeGreaterThan(0);
    expect(JSON.parse(at('2025-11-03T09:10:00Z', 'alerts', '--format', 'json').stdout)).toEqual([]);
  });
});
