// Startup: `sla --version` and `sla --help` against `node -e ''`, median of 15 runs each.
import { BIN, median, report, timed } from './lib.mjs';

async function med(args) {
  const xs = [];
  for (let i = 0; i < 15; i++) xs.push((await timed(process.execPath, args)).ms);
  return median(xs);
}
const base = await med(['-e', '']);
for (const [name, args] of [['startup_version', [BIN, '--version']], ['startup_help', [BIN, '--help']]]) {
  const ms = await med(args);
  report({ name, ms, baselineName: "node -e ''", baselineMs: base, ratio: ms / base, target: '≤ 2× node -e \'\'', pass: ms <= 2 * base });
}
