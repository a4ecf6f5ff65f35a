// Numbered migrations, a folder per engine (migrations/sqlite/, migrations/postgres/): each
// engine applies its own in order and records the last one it applied.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from './contract.js';

export interface Migration { version: number; name: string; sql: string }

/** migrations/<engine>/ of this install. */
export const migrationsDir = (engine: 'sqlite' | 'postgres'): string =>
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations', engine);

/** The migrations in `dir` (NNN_name.sql), by version. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .map((f) => /^(\d+)_.+\.sql$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[0], sql: readFileSync(join(dir, m[0]), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

export const lastVersion = (migrations: Migration[]): number => (migrations.length ? migrations[migrations.length - 1].version : 0);

/** A database a newer sla wrote: refused, untouched. */
export const newerSchema = (current: number, known: number, what = 'the file'): StoreError => new StoreError(
  `database schema version ${current} is newer than this sla knows (${known})`,
  `it was written by a newer sla; upgrade sla — ${what} was not touched`,
  1,
);
