// sla init — a starter config (the example, pointing at the shipped JSON Schema) and the database.

import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CliError, type Context } from './context.js';

interface Opts { force?: boolean }

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Customer data: owner and group only. */
const PRIVATE = 0o640;

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const configPath = resolve(ctx.cwd, ctx.globals.config ?? ctx.env.SLA_CONFIG ?? 'sla.config.json');
  if (existsSync(configPath) && !opts.force) {
    throw new CliError(`${configPath} already exists`, 'keep it, or run `sla init --force` to overwrite it');
  }
  const example = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'sla.config.example.json'), 'utf8')) as Record<string, unknown>;
  example.$schema = pathToFileURL(join(PACKAGE_ROOT, 'schema', 'sla.config.schema.json')).href;
  writeFileSync(configPath, JSON.stringify(example, null, 2) + '\n', { mode: PRIVATE });
  chmodSync(configPath, PRIVATE);

  const config = await ctx.config();
  const dbPath = ctx.databasePath(config);
  const { Store } = await import('../store/store.js');
  const store = Store.open(dbPath, { create: true });
  const version = store.schemaVersion();
  store.close();
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) if (existsSync(f)) chmodSync(f, PRIVATE);

  if (!ctx.globals.quiet) {
    ctx.out(`wrote ${configPath}`);
    ctx.out(`created ${dbPath} (schema ${version})`);
    ctx.out('next: edit the config, then `sla config check` and `sla import tickets.csv`');
  }
  return 0;
}
