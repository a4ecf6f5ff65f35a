// sla import FILE|- — tickets or event logs from helpdesk exports.

import { statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { ImportSummary } from '../app/import.js';
import type { SourceFormat } from '../import/types.js';
import { toCsv } from '../render/csv.js';
import { safeText } from '../render/safe-text.js';
import { usageError, type Context } from './context.js';

interface Opts {
  inputFormat?: string; mapping?: string; events?: boolean; dryRun?: boolean; strict?: boolean; rejects?: string; json?: boolean;
  listMappings?: boolean;
}

const SHOWN_REJECTS = 20;

export async function run(ctx: Context, file: string | undefined, opts: Opts): Promise<number> {
  if (opts.listMappings) {
    const { shippedMappings } = await import('../import/mapping.js');
    const list = shippedMappings();
    if (opts.json || ctx.globals.format === 'json') ctx.data(JSON.stringify(list));
    else for (const m of list) ctx.out(`${m.name.padEnd(16)} ${m.description}\n${' '.repeat(17)}${m.path}`);
    return 0;
  }
  if (file === undefined) throw usageError('which file? `sla import FILE` (or - for standard input)', 'see `sla import --help`; `sla import --list-mappings` lists the ready-made mappings');
  if (opts.inputFormat && !['csv', 'json', 'ndjson'].includes(opts.inputFormat)) {
    throw usageError(`--input-format ${opts.inputFormat} is not an input format`, 'use csv, json or ndjson');
  }
  // --format is the output's, as for every command: the summary as a table or JSON
  const out = ctx.globals.format;
  if (out !== undefined && out !== 'table' && out !== 'json') {
    throw usageError(`--format ${out} is not an output format of import (table or json)`,
      ['csv', 'ndjson'].includes(out) ? `the file's format is --input-format ${out}` : 'use --format json (or --json) for the summary as JSON');
  }
  // An import is one long pass over short-lived per-row objects. Now and then V8 starts
  // allocating some of them straight into the old generation (allocation-site
  // pretenuring), and from then on the import runs full collections over and over;
  // without pretenuring it never does.
  setFlagsFromString('--no-allocation-site-pretenuring');
  const config = await ctx.config();
  const [{ configVocabulary, runImport }, readers, { loadMapping, resolveMapping }] = await Promise.all([
    import('../app/import.js'), import('../import/read.js'), import('../import/mapping.js'),
  ]);
  const mapping = opts.mapping ? loadMapping(resolveMapping(opts.mapping, ctx.cwd)) : null;
  const events = Boolean(opts.events) || mapping?.kind === 'events';
  const source = file === '-' ? '-' : resolve(ctx.cwd, file);
  const shownName = file === '-' ? '<stdin>' : file;

  const s = await ctx.setup({ create: true });
  await ctx.holdsWrites(`an import of ${shownName}`); // a dry run holds the write lock too, until it rolls back
  const rejects: Array<{ line: number; raw: Record<string, string>; reason: string }> = [];
  let shown = 0;
  const onReject = (r: { line: number; raw: Record<string, string>; reason: string }): void => {
    if (opts.rejects) rejects.push(r);
    if (shown++ < SHOWN_REJECTS) ctx.stderr.write(`${safeText(`${shownName}:${r.line}: ${r.reason}`)}\n`);
  };

  const bar = await progressBar(ctx, source);
  let summary;
  try {
    summary = await runImport(s, readers, {
      reader: {
        source, format: opts.inputFormat as SourceFormat | undefined, mapping,
        vocab: configVocabulary(config),
        onProgress: bar?.update,
      },
      events, dryRun: Boolean(opts.dryRun), strict: Boolean(opts.strict), now: s.now, onReject,
    });
  } finally {
    bar?.stop();
  }
  if (shown > SHOWN_REJECTS) {
    ctx.warn(`… and ${shown - SHOWN_REJECTS} more rejected rows${opts.rejects ? ` (all in ${opts.rejects})` : ' (write them all with --rejects FILE)'}`);
  }
  if (opts.rejects && rejects.length) writeRejects(resolve(ctx.cwd, opts.rejects), rejects);

  if (opts.json || ctx.globals.format === 'json') {
    ctx.data(JSON.stringify(summary));
  } else if (!ctx.globals.quiet) {
    const n = (x: number) => x.toLocaleString('en-US');
    ctx.out(`${summary.dryRun ? 'dry run of ' : ''}${shownName} (${summary.mode}): ${n(summary.rowsRead)} rows read · ` +
      `${n(summary.ticketsNew)} new · ${n(summary.ticketsUpdated)} updated · ${n(summary.ticketsUnchanged)} unchanged · ` +
      `${n(summary.eventsAdded)} events added · ${n(summary.rejected)} rejected · ${n(summary.withoutPolicy)} without an SLA policy`);
    for (const [reason, count] of Object.entries(summary.withoutPolicyReasons)) ctx.out(`  no SLA: ${reason} (${n(count)})`);
    if (summary.rowsStale) ctx.out(`  ${n(summary.rowsStale)} rows were older than the stored state and were not applied`);
    for (const line of summaryDetails(summary, n)) ctx.out(`  ${line}`);
    if (!summary.committed) {
      ctx.out(summary.dryRun ? 'nothing was committed (--dry-run)' : 'nothing was committed (--strict and rejected rows)');
    }
  }
  return summary.rejected > 0 ? 1 : 0;
}

/**
 * What a user checks a mapping by (also with --dry-run): events by type and status, rows an
 * earlier import brought, rules that matched nothing, activities without a rule, columns
 * taken by their name.
 */
function summaryDetails(s: ImportSummary, n: (x: number) => string): string[] {
  const out: string[] = [];
  const types = Object.entries(s.eventsByType).filter(([k]) => !k.includes(':'));
  if (types.length) out.push(`events by type: ${types.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  const statuses = Object.entries(s.eventsByType).filter(([k]) => k.startsWith('status:'));
  if (statuses.length) out.push(`status events by status: ${statuses.map(([k, v]) => `${k.slice(7)} ${n(v)}`).join(', ')}`);
  if (s.rowsKnown) out.push(`${n(s.rowsKnown)} rows were already imported and were skipped`);
  if (s.invalidUtf8) out.push(`warning: ${n(s.invalidUtf8)} byte sequences were not UTF-8 and were read as "\ufffd" — export the file as UTF-8`);
  if (s.controlChars) out.push(`${n(s.controlChars)} control characters in text fields (terminal escapes, NULs) were stored as "\ufffd"`);
  if (s.createdAfterNow) out.push(`warning: ${n(s.createdAfterNow)} tickets were created after now — check the file's time zone (a timestamp without an offset is read in the config's or the mapping's zone) or --at`);
  if (s.createdAfterFirstRow) out.push(`${n(s.createdAfterFirstRow)} tickets have a created_at after their first row: created at their first row instead`);
  if (s.rulesUnmatched.length) out.push(`rules that matched no row: ${s.rulesUnmatched.map((r) => JSON.stringify(r)).join(', ')}`);
  if (s.otherwiseRows) {
    out.push(`${n(s.otherwiseRows)} rows had an activity without a rule (otherwise): `
      + s.otherwise.map((o) => `${JSON.stringify(o.value)} ${n(o.rows)}`).join(', ')
      + (s.otherwise.reduce((a, o) => a + o.rows, 0) < s.otherwiseRows ? ', …' : '')); // more than the ten shown
  }
  if (s.implicitColumns.length) {
    out.push(`columns taken by their name: ${s.implicitColumns.map((c) => `"${c.column}" → ${c.field}`).join(', ')}`);
  }
  return out;
}

function writeRejects(path: string, rejects: Array<{ line: number; raw: Record<string, string>; reason: string }>): void {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rejects) for (const k of Object.keys(r.raw)) if (!seen.has(k)) { seen.add(k); columns.push(k); }
  // in line order: a log in time order rejects a row when its ticket's last row is read
  rejects.sort((a, b) => a.line - b.line);
  // the rows as the export had them (customer data): a new file is the owner's alone, whatever
  // the umask; it is opened in spreadsheets, so a cell that would run as a formula is neutralised
  writeFileSync(path, toCsv([...columns, 'line', 'reason'], rejects.map((r) => [...columns.map((c) => r.raw[c] ?? ''), r.line, r.reason]), true), { mode: 0o600 });
}

async function progressBar(ctx: Context, source: string): Promise<{ update: (bytes: number) => void; stop: () => void } | null> {
  if (!ctx.stderr.isTTY || source === '-' || ctx.globals.quiet) return null;
  let size = 0;
  try { size = statSync(source).size; } catch { return null; }
  if (size < 8 * 1024 * 1024) return null;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'importing [{bar}] {percentage}% | {value}/{total} MB', hideCursor: true }, cliProgress.Presets.shades_classic);
  const mb = (b: number) => Math.round(b / 1048576);
  bar.start(mb(size), 0);
  return { update: (b) => bar.update(mb(b)), stop: () => bar.stop() };
}

