// Startup: `sla --version` and `sla --help` against `node -e ''`, and `sla check` with
// nothing to do on a fresh database; median of 15 runs each.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, median, report, timed } from './lib.mjs';

async function med(args, opts) {
  const xs = [];
  for (let i = 0; i < 15; i++) xs.push((await timed(process.execPath, args, opts)).ms);
  return median(xs);
}
const base = await med(['-e', '']);
for (const [name, args] of [['startup_version', [BIN, '--version']], ['startup_help', [BIN, '--help']]]) {
  const ms = await med(args);
  report({ name, ms, baselineName: "node -e ''", baselineMs: base, ratio: ms / base, target: '≤ 2× node -e \'\'', pass: ms <= 2 * base });
}
const dir = mkdtempSync(join(tmpdir(), 'sla-bench-'));
const init = await timed(process.execPath, [BIN, 'init'], { cwd: dir });
if (init.code !== 0) throw new Error(init.stderr);
const check = await med([BIN, 'check'], { cwd: dir, env: { ...process.env, SLACK_SLA_WARNINGS: 'http://127.0.0.1:9/x', SLACK_SLA_BREACHES: 'http://127.0.0.1:9/x', OPS_TOKEN: 'x', SLA_SMTP_URL: 'smtp://127.0.0.1:9' } });
report({ name: 'check_nothing_to_do (example config, empty db)', ms: check, target: '< 250 ms', pass: check < 250 });
