// Installing sla for real: what the package ships, and the modes of the files sla writes
// beside its database (alert files, --rejects), which hold customer data too.

import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

describe('npm pack', () => {
  it('ships the sources, the examples and the schema, never what running the demo leaves in examples/', () => {
    // what the README's demo leaves behind, made here when a fresh clone does not have it yet
    const made: string[] = [];
    for (const f of ['demo.db', 'demo.db-wal', 'demo-alerts.ndjson', 'rejects.csv']) {
      const p = join(ROOT, 'examples', f);
      if (!existsSync(p)) { writeFileSync(p, 'x'); made.push(p); }
    }
    try {
      // --ignore-scripts: no `prepare` build here (the test runs against the dist/ already built)
      const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const files = (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
      expect(files.filter((f) => /\.(db|db-wal|db-shm|db-journal|sqlite|ndjson)$|\.db-holder$/.test(f))).toEqual([]);
      expect(files).not.toContain('examples/rejects.csv');
      for (const f of ['package.json', 'README.md', 'bin/sla', 'dist/cli.js', 'schema/sla.config.schema.json', 'sla.config.example.json',
        'examples/tickets.csv', 'examples/sla.config.json', 'examples/mappings/zendesk.json', 'examples/mappings/freshdesk.json',
        'examples/mappings/helpdesk-events.json', 'data/holiday-regions.json']) {
        expect(files, f).toContain(f);
      }
      expect(files.some((f) => /^migrations\/.+\.sql$/.test(f))).toBe(true);
      expect(files.some((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('bench/'))).toBe(false);
    } finally {
      for (const p of made) rmSync(p, { force: true });
    }
  });
});

describe('files sla writes beside the database are owner-only', () => {
  it('an alert file destination creates its file 0600', () => {
    const dir = tempDir('sla-modes-');
    writeJson(join(dir, 'sla.config.json'), baseConfig({
      alerts: { destinations: { log: { type: 'file', path: 'out/alerts.ndjson' } }, routes: [{ to: ['log'] }] },
    }));
    writeFileSync(join(dir, 't.csv'), 'id,subject,priority,created_at\n1,Customer secret,urgent,2025-11-03T10:00:00Z\n');
    expect(sla(['import', 't.csv'], { cwd: dir }).code).toBe(0);
    const r = sla(['--at', '2025-11-10T12:00:00Z', 'check'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const file = join(dir, 'out', 'alerts.ndjson');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'out')).mode & 0o007).toBe(0); // the folder it made too
  });

  it('sla import --rejects creates its CSV 0600', () => {
    const dir = tempDir('sla-modes-');
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    writeFileSync(join(dir, 't.csv'), 'id,subject,priority,created_at\n1,ok,urgent,2025-11-03T10:00:00Z\n2,Customer secret,urgent,not a time\n');
    const r = sla(['import', 't.csv', '--rejects', 'rejects.csv'], { cwd: dir });
    expect(r.stdout + r.stderr).toMatch(/1 rejected/);
    const file = join(dir, 'rejects.csv');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
