// sla metrics [--textfile DIR/sla.prom] — the monitor's state in Prometheus' text format, on
// standard output or written for node_exporter's textfile collector (collection: app/metrics.ts).

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { collectMetrics } from '../app/metrics.js';
import { exposition } from '../render/prometheus.js';
import { usageError, type Context } from './context.js';

interface Opts { textfile?: string }

/**
 * Writes `text` to `path` as the textfile collector needs it: whole or not at all — a temporary
 * file beside it, renamed over it (a rename within a folder is atomic), so that a scrape never
 * reads half a file.
 */
export function writeTextfile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The absolute path an option gives for the textfile, or null; a usage error unless it is a *.prom file (all node_exporter's textfile collector reads). */
export function textfilePath(ctx: Context, given: string | undefined, option: string): string | null {
  if (given === undefined) return null;
  const path = resolve(ctx.cwd, given);
  if (!path.endsWith('.prom')) {
    throw usageError(`${option} ${given}: node_exporter's textfile collector reads only files named *.prom`, `e.g. ${option} /var/lib/node_exporter/textfile_collector/sla.prom`);
  }
  return path;
}

export async function run(ctx: Context, opts: Opts): Promise<number> {
  ctx.format(['prometheus'], 'prometheus');
  const path = textfilePath(ctx, opts.textfile, '--textfile');
  const setup = await ctx.setup();
  const text = exposition(await collectMetrics(setup));
  if (path === null) {
    ctx.stdout.write(text);
    return 0;
  }
  try {
    writeTextfile(path, text);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'its folder does not exist' : e.code === 'EACCES' ? 'permission denied' : e.code ?? e.message;
    ctx.warn(`cannot write ${path}: ${why} — give a folder this user can write (node_exporter's --collector.textfile.directory)`);
    return 1;
  }
  return 0;
}
