// `npm run bench`: every benchmark in one go on generated (seeded) data; one table on
// stdout, and the same table with the machine's CPU and memory in BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const only = process.argv.slice(2);
const SCRIPTS = ['calendar.mjs', 'startup.mjs', 'import.mjs', 'import-events.mjs', 'check.mjs', 'list.mjs', 'report.mjs', 'pull.mjs', 'postgres.mjs'].filter(
  (s) => existsSync(join(ROOT, 'bench', s)) && (only.length === 0 || only.some((o) => s.startsWith(o))),
);

const rows = [];
for (const script of SCRIPTS) {
  process.stderr.write(`bench: ${script} …\n`);
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', script)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    rows.push({ script, name: script, error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') });
    continue;
  }
  for (const line of r.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    rows.push({ script, ...JSON.parse(line) });
  }
}

const fmt = (x, unit = 'ms') => (x === undefined || x === null ? '' : `${Number(x).toFixed(x < 10 ? 2 : 0)} ${unit}`);
const table = [
  '| measure | result | baseline (same run) | ratio | target | pass |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) =>
    r.error
      ? `| ${r.name} | error: ${r.error.replace(/\|/g, '/')} | | | | FAIL |`
      : `| ${r.name} | ${r.value !== undefined ? fmt(r.value, r.unit ?? '') : fmt(r.ms)} | ${r.baselineMs !== undefined ? `${fmt(r.baselineMs)} (${r.baselineName ?? 'baseline'})` : ''} | ${r.ratio !== undefined ? `${Number(r.ratio).toFixed(2)}×` : ''} | ${r.target ?? ''} | ${r.pass === undefined ? '—' : r.pass ? 'pass' : 'FAIL'} |`,
  ),
].join('\n');

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
const doc = `# Benchmarks\n\nMeasured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.\n` +
  `Data is generated with seeded generators (bench/*.mjs), so the numbers can be reproduced; each comparison\n` +
  `(the "baseline" column) was measured in the same run on the same machine.\n\n${table}\n`;
process.stdout.write(`${table}\n\n${machine}\n`);
// The notes below the table (what was compared by hand, tried and dropped) are kept.
const file = join(ROOT, 'BENCHMARKS.md');
const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
const notes = previous.indexOf('\nNotes (');
if (only.length === 0) writeFileSync(file, notes >= 0 ? `${doc}${previous.slice(notes)}` : doc);
process.exitCode = rows.some((r) => r.error || r.pass === false) ? 1 : 0;
