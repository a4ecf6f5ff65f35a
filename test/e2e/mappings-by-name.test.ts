// Ready-made mappings by name: `--mapping zendesk` (freshdesk, helpdesk-events) is the
// shipped file from any folder; `sla import --list-mappings` lists them; a mapping that is
// not found says where the ready-made ones are.

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

const FIX = join(ROOT, 'test', 'fixtures', 'import');

describe('ready-made mappings by name', () => {
  it('--mapping NAME reads the shipped mapping from any folder; --list-mappings lists them; a wrong name says where they are', () => {
    const dir = tempDir('sla-mapname-');
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    mkdirSync(join(dir, 'sub'));
    copyFileSync(join(FIX, 'zendesk-sample.csv'), join(dir, 'sub', 'export.csv'));
    const run = (...args: string[]) => sla(['--config', join(dir, 'sla.config.json'), '--at', '2025-11-20T12:00:00Z', ...args], { cwd: join(dir, 'sub') });

    const byName = run('import', 'export.csv', '--mapping', 'zendesk', '--json');
    expect(byName.code, byName.stderr).toBe(0);
    const byPath = sla(['--config', join(dir, 'sla.config.json'), '--db', join(dir, 'other.db'), '--at', '2025-11-20T12:00:00Z',
      'import', join(dir, 'sub', 'export.csv'), '--mapping', join(ROOT, 'examples', 'mappings', 'zendesk.json'), '--json'], { cwd: dir });
    const a = JSON.parse(byName.stdout);
    const b = JSON.parse(byPath.stdout);
    expect(a.ticketsNew).toBeGreaterThan(0);
    expect({ ...a, source: null }).toEqual({ ...b, source: null });

    const list = run('import', '--list-mappings');
    expect(list.code).toBe(0);
    for (const name of ['zendesk', 'freshdesk', 'helpdesk-events']) expect(list.stdout).toMatch(new RegExp(`^${name} +\\S`, 'm'));
    expect(list.stdout).toContain(join(ROOT, 'examples', 'mappings', 'zendesk.json'));
    const json = JSON.parse(run('import', '--list-mappings', '--json').stdout);
    expect(json.map((m: { name: string }) => m.name)).toEqual(['freshdesk', 'helpdesk-events', 'zendesk']);

    const wrong = run('import', 'export.csv', '--mapping', 'zendsek');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/mapping file \S*zendsek: not found — .*freshdesk, helpdesk-events, zendesk \(in .*examples\/mappings\/?;/);

    const noFile = run('import');
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/^sla: which file\?/);
  });
});
