// sla check — one pass: record due warnings, breaches and escalations, queue and
// deliver alerts, record the run. Crontab-friendly: nothing on stdout unless
// something happened; problems on stderr; exit 0 / 1 / 2 / 3 (SPEC §5).

import { DOCUMENT_FORMATS } from '../render/output.js';
import { CliError, usageError, type Context } from './context.js';

interface Opts { dryRun?: boolean; deliver?: boolean; failOn?: string }

const FAIL_ON: Record<string, 'breach' | 'at-risk'> = {
  breach: 'breach', breached: 'breach', 'at-risk': 'at-risk', at_risk: 'at-risk', atrisk: 'at-risk',
};

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(DOCUMENT_FORMATS);
  let failOn: 'breach' | 'at-risk' | undefined;
  if (opts.failOn !== undefined) {
    failOn = FAIL_ON[opts.failOn.trim().toLowerCase()];
    if (!failOn) throw usageError(`--fail-on ${JSON.stringify(opts.failOn)} is not a state`, 'use --fail-on breach or --fail-on at-risk');
  }
  const s = await ctx.setup();
  const { config, now } = s;
  const [{ runCheck }, summary] = await Promise.all([import('../app/check.js'), import('./check-summary.js')]);

  let result;
  try {
    result = await runCheck({ ...s, dryRun: Boolean(opts.dryRun), deliver: opts.deliver !== false, failOn });
  } catch (err) {
    if (typeof (err as { exitCode?: unknown }).exitCode === 'number') throw err;
    // the database or the disk failing: said as such by the CLI (store/faults.ts)
    const { isStoreFault: isFault } = await import('../store/port.js');
    if (isFault(err)) throw err;
    throw new CliError(`check failed: ${(err as Error).message}`, 'the run is recorded as failed (`sla runs`); run again with --verbose for details', 1);
  }

  for (const line of summary.failureLines(result.delivery)) ctx.warn(line);
  const zone = config.timezone;
  if (format === 'json') {
    ctx.data(JSON.stringify(summary.resultJson(result)));
  } else if (format === 'csv' || format === 'ndjson') {
    // Its rows: the SLA events recorded (the JSON document's `events`).
    const { dataText } = await import('../render/output.js');
    ctx.stdout.write(dataText(format, summary.eventRows(result), summary.EVENT_KEYS));
  } else if (!ctx.globals.quiet) {
    const { localTime } = await import('../render/format.js');
    if (summary.somethingHappened(result) || result.dryRun) {
      ctx.out(`${result.dryRun ? 'dry run of ' : ''}sla check at ${localTime(now, zone)}: ${summary.summaryLine(result)}`);
      const shown = result.events.slice(0, 50);
      for (const e of shown) ctx.out(summary.eventLine(e, zone));
      if (result.events.length > shown.length) ctx.out(`  … and ${result.events.length - shown.length} more (\`sla check --format json\` lists all)`);
    }
  }
  if (result.failOn && result.failOn.tickets > 0) {
    ctx.warn(`${result.failOn.tickets} open ticket${result.failOn.tickets === 1 ? ' is' : 's are'} ${result.failOn.state === 'breach' ? 'breached' : 'at risk or breached'} (--fail-on ${result.failOn.state})`);
  }
  return summary.exitCodeOf(result);
}
