// sla watch [--schedule CRON] [--import FILE [--mapping M]] [--metrics-textfile FILE.prom] —
// run `check` now and on a cron schedule (node-cron, in the config's time zone) until
// SIGINT/SIGTERM; after each run, the metrics for node_exporter when asked.
//
// Overlapping ticks are skipped, not stacked. With --import the file is re-imported
// (in-process, the import service) before each check. One log line per run on
// stdout, with a timestamp (--format json: one JSON object per line). A failing run
// is logged and watching goes on. On SIGINT/SIGTERM the run in progress finishes,
// the schedule stops, the database is closed, and the command returns 0.

import { resolve } from 'node:path';
import type { Setup } from '../app/setup.js';
import { usageError, type Context } from './context.js';

interface Opts { schedule?: string; import?: string; mapping?: string; metricsTextfile?: string; pull?: string }

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', 'json']);
  const schedule = (opts.schedule ?? '*/5 * * * *').trim();
  const cron = await import('node-cron');
  if (!cron.validate(schedule)) {
    throw usageError(`--schedule ${JSON.stringify(schedule)} is not a cron expression`, 'e.g. "*/5 * * * *" (every 5 minutes) or "*/30 * * * * *" (every 30 seconds)');
  }
  if (opts.mapping && !opts.import) throw usageError('--mapping needs --import FILE', 'e.g. --import /srv/exports/tickets.csv --mapping zendesk.json');
  const metrics = opts.metricsTextfile === undefined ? null : await import('./metrics.js');
  const metricsPath = metrics && metrics.textfilePath(ctx, opts.metricsTextfile, '--metrics-textfile');
  if (opts.pull && opts.import) throw usageError('--pull and --import both bring tickets: give one', 'a helpdesk with an API: --pull NAME; an export file: --import FILE');
  const s = await ctx.setup({ create: Boolean(opts.import || opts.pull) });
  const { config } = s;
  const puller = opts.pull ? await pullSource(s, opts.pull) : null;
  const [{ runCheck }, summary, { isoUtc }] = await Promise.all([
    import('../app/check.js'), import('./check-summary.js'), import('../render/format.js'),
  ]);

  // Each run acts at its own instant: the wall clock's; with --at, the first run is
  // evaluated at --at and time moves on from there.
  const wall0 = s.wall();
  const clock = (): number => (ctx.globals.at ? s.now + (s.wall() - wall0) : s.wall());

  const reimport = opts.import ? await importer(ctx, s, opts.import, opts.mapping) : null;

  const log = (line: string, json: Record<string, unknown>): void => {
    if (format === 'json') ctx.data(JSON.stringify({ time: isoUtc(Date.now()), ...json }));
    else ctx.out(`${isoUtc(Date.now())} ${line}`);
  };

  let running: Promise<void> | null = null;
  let stopping = false;

  const once = async (): Promise<void> => {
    const started = Date.now();
    const now = clock();
    let imported = '';
    let importJson: unknown = null;
    try {
      const pulled = puller ? await puller(now) : null;
      if (pulled) {
        imported = ` · pull: ${pulled.tickets} tickets, ${pulled.events} events`;
        importJson = pulled;
      }
      if (pulled && pulled.status !== 'ok') {
        log(`check skipped: the pull of ${pulled.source} did not get every change in (${pulled.stopped}); the next run resumes it${imported} (${summary.durationText(Date.now() - started)})`, { ok: false, skipped: true, pull: pulled });
      } else {
        if (reimport) {
          const s = await reimport(now);
          imported = ` · import: ${s.rowsRead} rows, ${s.ticketsNew} new, ${s.ticketsUpdated} updated${s.rejected ? `, ${s.rejected} rejected` : ''}`;
          importJson = s;
        }
        const r = await runCheck({ ...s, now, deliver: true });
        for (const line of summary.failureLines(r.delivery)) ctx.warn(line);
        log(`run ${r.runId} ok: ${summary.summaryLine(r)}${imported} (${summary.durationText(Date.now() - started)})`, {
          ok: true, ...summary.resultJson(r), import: importJson,
        });
        if (format !== 'json') for (const e of r.events.slice(0, 20)) ctx.out(summary.eventLine(e, config.timezone));
      }
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      log(`run FAILED: ${message}${imported} (${summary.durationText(Date.now() - started)}) — watching goes on`, { ok: false, error: message, import: importJson });
      if (ctx.globals.verbose && (err as Error).stack) ctx.stderr.write(`${(err as Error).stack}\n`);
    }
    // After every run, good or failed: the metrics say which (sla_last_check_ok).
    if (metricsPath !== null) {
      try {
        const [{ collectMetrics }, { exposition }] = await Promise.all([import('../app/metrics.js'), import('../render/prometheus.js')]);
        metrics!.writeTextfile(metricsPath, exposition(await collectMetrics({ ...s, now })));
      } catch (err) {
        ctx.warn(`cannot write the metrics to ${metricsPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} — watching goes on`);
      }
    }
  };

  const tick = (): Promise<void> => {
    if (stopping) return Promise.resolve();
    if (running) {
      log('skipped: the previous run is still going', { ok: true, skipped: true });
      return Promise.resolve();
    }
    running = once().finally(() => { running = null; });
    return running;
  };

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => { resolveStopped = r; });
  let task: { stop(): void | Promise<void>; destroy(): void | Promise<void> } | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    if (!ctx.globals.quiet) ctx.warn(`${signal}: finishing the run in progress, then stopping`);
    void Promise.resolve(task?.stop()).catch(() => undefined);
    void (running ?? Promise.resolve()).then(() => resolveStopped());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (!ctx.globals.quiet) ctx.warn(`watching: check now, then on "${schedule}" (${config.timezone}); stop with Ctrl-C or SIGTERM`);
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
    task = cron.schedule(schedule, () => tick(), { timezone: config.timezone, name: 'sla-check', logger: quiet });
    await tick();
    await stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (task) await Promise.resolve(task.destroy()).catch(() => undefined);
    ctx.close();
  }
  return 0;
}

/** The pull before each check: the pull use case in-process, as `sla pull NAME` runs it. */
async function pullSource(s: Setup, name: string) {
  const [{ runPull }, { sourceNamed }] = await Promise.all([import('../app/pull.js'), import('./pull.js')]);
  const source = sourceNamed(s.config, name, `--pull ${name}: `);
  return (now: number) => runPull({ ...s, now }, source);
}

/** The re-import before each check: the import service in-process, as `sla import` runs it. */
async function importer(ctx: Context, s: Setup, file: string, mappingFile: string | undefined) {
  const { config } = s;
  const [{ configVocabulary, runImport }, readers, { loadMapping, resolveMapping }] = await Promise.all([
    import('../app/import.js'), import('../import/read.js'), import('../import/mapping.js'),
  ]);
  const mapping = mappingFile ? loadMapping(resolveMapping(mappingFile, ctx.cwd)) : null;
  const source = resolve(ctx.cwd, file);
  const events = mapping?.kind === 'events';
  return async (now: number) =>
    runImport(s, readers, {
      reader: { source, mapping, vocab: configVocabulary(config) },
      events, dryRun: false, strict: false, now, onReject: () => undefined,
    });
}
