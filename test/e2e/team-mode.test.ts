// Team mode (issue 17) while its engine is being built: a PostgreSQL URL as the database is
// refused with one line, from the config or --db, and nothing is written anywhere.

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baseConfig, project } from '../support/project.js';

describe('a PostgreSQL database before team mode is there', () => {
  it('is refused with one line (exit 2), from the config or from --db, and no file is made of the URL', () => {
    const p = project({ config: baseConfig({ database: 'postgres://sla:s3cret@db.internal/sla' }) });
    for (const args of [['list'], ['--db', 'postgresql://sla@db.internal/sla', 'list']]) {
      const r = p.sla(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/a PostgreSQL database \(team mode\) is not available in this version of sla yet — use a SQLite file/);
      expect(r.stderr).not.toContain('s3cret');
    }
    expect(readdirSync(p.dir).sort()).toEqual(['sla.config.json']);
  });
});
