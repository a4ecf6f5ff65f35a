// sla db copy --to DATABASE — this database (the config's, or --db) into a new, empty one:
// a postgres:// URL (moving a team to its shared database) or a SQLite file (and back).

import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { isServerUrl, shownUrl } from '../store/port.js';
import { usageError, type Context } from './context.js';

interface Opts { to?: string }

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', 'json']);
  if (!opts.to) throw usageError('sla db copy needs --to: the database to copy into', 'e.g. sla db copy --to postgres://sla@db.internal/sla, or --to copy.db');
  const config = await ctx.config();
  const from = ctx.databasePath(config);
  const to = isServerUrl(opts.to) ? opts.to : resolve(ctx.cwd, opts.to);
  if (to === from) throw usageError('--to names the database this command reads', 'copy into another, empty database');
  const source = await ctx.store();
  const { openStore } = await import('../store/port.js');
  const { copyDatabase } = await import('../app/db-copy.js');
  const madeFile = !isServerUrl(to) && !existsSync(to);
  let target;
  try {
    target = await openStore(to, { create: true });
    const summary = await copyDatabase(source, target);
    if (format === 'json') ctx.data(JSON.stringify(summary));
    else {
      const { renderTable } = await import('../render/table.js');
      ctx.out(renderTable(['Table', 'Rows here', 'Rows there', 'Digest here', 'Digest there'],
        summary.tables.map((t) => [t.table, t.source.toLocaleString('en-US'), t.target.toLocaleString('en-US'), t.sourceDigest || '—', t.targetDigest || '—']),
        ctx.color));
      const tickets = summary.tables.find((t) => t.table === 'tickets')?.target ?? 0;
      if (summary.ok) ctx.out(`copied into ${shownUrl(to)}: every table's rows and each of the ${tickets.toLocaleString('en-US')} tickets' digest match`);
    }
    if (!summary.ok) {
      ctx.warn(`the copy in ${shownUrl(to)} differs from this database: ${summary.ticketsDifferingCount} tickets differ${summary.ticketsDiffering.length ? ` (${summary.ticketsDiffering.join(', ')})` : ''} — this is a bug in sla; keep using this database and report it`);
      return 1;
    }
    return 0;
  } catch (err) {
    // a file made for the copy goes again: a failed copy leaves nothing behind
    target?.close();
    target = undefined;
    if (madeFile) for (const f of [to, `${to}-wal`, `${to}-shm`]) rmSync(f, { force: true });
    throw err;
  } finally {
    target?.close();
  }
}
