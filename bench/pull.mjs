// Benchmark of `sla pull` (issue 16): a first pull of 100,000 tickets with their events from a
// local helpdesk (bench/pull-server.mjs, a process of its own), in two shapes of API:
// - Zendesk: the export 1,000 tickets a page, and one audits request per ticket;
// - Jira: 100 issues a page with their changelogs and comments inline.
// Targets: ≥ 5,000 tickets a second; a pull with nothing new under 0.5 s. The server's own
// cost, measured in the same run: its CPU seconds during the pull, and a bare walk — the same
// requests by a plain client that only parses the JSON (bench/pull-walk.mjs) — as the baseline.
// Prints one JSON line per measure (see bench/run.mjs).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, DATA, freshDb, median, report, ROOT, timed } from './lib.mjs';

const N = Number(process.env.BENCH_PULL_TICKETS ?? 100_000);
const RUNS = Number(process.env.BENCH_PULL_RUNS ?? 5);
mkdirSync(DATA, { recursive: true });

const server = spawn(process.execPath, [join(ROOT, 'bench', 'pull-server.mjs'), String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
const url = `http://127.0.0.1:${port}`;
/** The server's CPU seconds so far (user + system, /proc). */
const serverCpu = () => {
  const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

const config = join(DATA, 'pull.config.json');
writeFileSync(config, JSON.stringify({
  timezone: 'UTC', priorities: ['urgent', 'high', 'medium', 'low'], priorityAliases: { normal: 'medium', highest: 'urgent' },
  calendars: { always: '24x7' },
  policies: [{ name: 'p247', calendar: 'always', targets: {
    urgent: { firstResponse: '1h', resolution: '4h' }, high: { firstResponse: '2h', resolution: '8h' },
    medium: { firstResponse: '4h', resolution: '16h' }, low: { firstResponse: '8h', resolution: '24h' },
  } }],
  sources: {
    zd: { type: 'zendesk', subdomain: 'bench', email: 'ops@acme.example', token: '$BENCH_TOKEN', url },
    jsm: { type: 'jira', site: 'bench', email: 'ops@acme.example', token: '$BENCH_TOKEN', jql: 'project = SUP', url },
  },
}, null, 2));
const env = { ...process.env, BENCH_TOKEN: 'bench-token' };
const AT = '2026-11-01T00:00:00Z';

try {
  for (const [source, shape] of [['zd', 'zendesk'], ['jsm', 'jira']]) {
    const db = join(DATA, `pull-${shape}.db`);
    freshDb(db);
    const args = [BIN, '--config', config, '--db', db, '--at', AT, 'pull', source, '--since', '2026-09-30T00:00Z', '--max-time', '1h', '--json'];
    const cpu0 = serverCpu();
    const first = await timed(process.execPath, args, { env });
    const serverSeconds = serverCpu() - cpu0;
    if (first.code !== 0) throw new Error(`sla pull ${source}: ${first.stderr}`);
    const s = JSON.parse(first.stdout);
    if (s.tickets !== N) throw new Error(`sla pull ${source}: ${s.tickets} tickets, not ${N}`);
    const walk = await timed(process.execPath, [join(ROOT, 'bench', 'pull-walk.mjs'), url, shape, String(N)]);
    if (walk.code !== 0) throw new Error(`walk: ${walk.stderr}`);
    const perSecond = N / (first.ms / 1000);
    report({
      name: `pull_${shape}_${N / 1000}k`, value: perSecond, unit: 'tickets/s', baselineMs: walk.ms, baselineName: `the same requests, parsed only; server CPU ${serverSeconds.toFixed(1)} s of the pull's ${(first.ms / 1000).toFixed(1)} s; ${s.requests} requests, ${s.events} events, peak ${first.peakMb.toFixed(0)} MB`,
      ratio: first.ms / walk.ms, target: '≥ 5000 tickets/s', pass: perSecond >= 5000,
    });
    const again = [];
    for (let k = 0; k < RUNS; k++) {
      const r = await timed(process.execPath, args.slice(0, -5).concat(['--json']), { env });
      if (r.code !== 0) throw new Error(`sla pull ${source} (nothing new): ${r.stderr}`);
      again.push(r.ms);
    }
    report({ name: `pull_${shape}_nothing_new`, ms: median(again), target: '< 500 ms', pass: median(again) < 500 });
  }
} finally {
  server.kill();
}
