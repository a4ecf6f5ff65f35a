// Benchmark of `sla report` over a large database.
//
// Generates (seeded, once; cached in bench/data/, which git ignores) a database of
// BENCH_REPORT_TICKETS tickets (default 1,000,000) created over the 30 days before a
// fixed instant, with realistic histories (replies, resolutions, customer waits,
// reopens) whose stored SLA state is computed by the real domain code (computeSla),
// then times, as child processes, in the same run:
//   - `sla report --days 30 --by priority --format json` (at that instant), and
//   - the equivalent hand-written SQL GROUP BY (met/breached/pending per metric,
//     averages, open counts, per priority) run by the `sqlite3` CLI — or, when no
//     `sqlite3` is installed, by better-sqlite3 in a child process (the output says which).
// Prints one JSON line per measure: {"name","ms","baselineMs","ratio","target"}.
// Needs the compiled CLI: `npx tsc -p tsconfig.json` first (npm run bench does it).

import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../dist/config/load.js';
import { Calendar } from '../dist/domain/calendar.js';
import { computeSla } from '../dist/domain/sla.js';
import { assignTicket } from '../dist/domain/ticket.js';
import { Store } from '../dist/store/sqlite/tickets.js';
import { mulberry32 } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench', 'data');
const N = Number(process.env.BENCH_REPORT_TICKETS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 5);
// The cached database is rebuilt when the generator or the migrations change.
const GENERATOR_VERSION = `report-v2:${readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql')).sort()
  .map((f) => `${f}=${statSync(join(ROOT, 'migrations', f)).size}`).join(',')}`;
const NOW = Date.UTC(2026, 10, 20, 17, 0, 0); // 2026-11-20T17:00:00Z, a Friday
const NOW_ISO = new Date(NOW).toISOString();
const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;

function emit(obj) { process.stdout.write(`${JSON.stringify(obj)}\n`); }


const config = {
  database: 'report.db',
  timezone: 'America/New_York',
  priorities: ['urgent', 'high', 'medium', 'low'],
  pauseOnCustomerWaiting: true,
  pauseStatuses: ['pending', 'waiting_customer'],
  atRiskThresholdPercent: 80,
  complianceGoalPercent: 90,
  tierMultipliers: { enterprise: 0.5, business: 0.75 },
  calendars: {
    office: {
      timezone: 'America/New_York',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-12:00', '13:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
      holidays: ['2026-11-26', { date: '2026-11-27', hours: ['09:00-12:00'] }, '2026-11-11'],
    },
    always: '24x7',
  },
  policies: [
    { name: 'enterprise-247', match: { tier: ['enterprise'], priority: ['urgent', 'high'] }, calendar: 'always',
      targets: { urgent: { firstResponse: '15m', resolution: '4h' }, high: { firstResponse: '1h', resolution: '8h' } } },
    { name: 'standard', calendar: 'office',
      targets: { urgent: { firstResponse: '30m', resolution: '8h' }, high: { firstResponse: '2h', resolution: '16h' },
                 medium: { firstResponse: '8h', resolution: '48h' }, low: { firstResponse: '16h', resolution: '96h' } } },
  ],
};

const dbPath = join(DATA, 'report.db');
const configPath = join(DATA, 'report.config.json');

function pick(rand, items, weights) {
  let x = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) { x -= weights[i]; if (x < 0) return items[i]; }
  return items[items.length - 1];
}

function generate() {
  mkdirSync(DATA, { recursive: true });
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });
  Store.open(dbPath, { create: true }).close(); // schema via the real migrations
  const cfg = loadConfig({ configPath, env: {}, cwd: DATA });
  const cals = new Map();
  const calendar = (name) => {
    let c = cals.get(name);
    if (!c) { c = new Calendar(cfg.calendars[name]); cals.set(name, c); }
    return c;
  };

  const db = new Database(dbPath);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  const cols = [
    'id', 'subject', 'requester', 'customer', 'tier', 'priority', 'status', 'assignee', 'grp', 'channel', 'tags', 'custom',
    'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'updated_at', 'initial_priority', 'policy', 'calendar',
    'target_fr_min', 'target_res_min', 'no_sla_reason', 'sla_status', 'sla_cycle', 'fr_status', 'fr_at_risk_at',
    'fr_due_at', 'fr_stopped_at', 'fr_elapsed_min', 'res_status', 'res_at_risk_at', 'res_due_at', 'res_stopped_at',
    'res_elapsed_min', 'breached_at', 'paused_at', 'total_paused_ms', 'next_change_at', 'computed_at', 'fr_breach_reason',
    'res_breach_reason', 'history',
  ];
  const insTicket = db.prepare(`INSERT INTO tickets (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`);
  const insSla = db.prepare(
    "INSERT INTO sla_events (ticket_id, cycle, type, rule, due_at, recorded_at) VALUES (?, 0, 'escalated', ?, ?, ?)",
  );

  const rand = mulberry32(20261120);
  const agents = Array.from({ length: 60 }, (_, i) => `agent${String(i + 1).padStart(2, '0')}`);
  const groups = ['billing', 'tech', 'accounts', 'onboarding', 'api', 'mobile'];
  const reasons = ['waiting on engineering', 'customer unreachable', 'understaffed', 'misrouted'];
  const SPAN = 30 * DAY;
  const t0 = performance.now();
  const BATCH = 20_000;
  for (let start = 0; start < N; start += BATCH) {
    db.transaction(() => {
      for (let i = start; i < Math.min(N, start + BATCH); i++) {
        const createdAt = NOW - Math.floor(rand() * SPAN);
        const priority = pick(rand, ['urgent', 'high', 'medium', 'low', null], [8, 22, 44, 25, 1]);
        const tier = pick(rand, ['enterprise', 'business', null], [15, 30, 55]);
        const assignee = rand() < 0.08 ? null : agents[Math.floor(rand() * agents.length)];
        const t = {
          id: `T${String(i + 1).padStart(7, '0')}`, subject: `Ticket ${i + 1}`, requester: null,
          customer: `customer-${Math.floor(rand() * 3000)}`, tier, priority, status: 'new', assignee,
          group: groups[Math.floor(rand() * groups.length)], channel: rand() < 0.1 ? 'phone' : 'email', tags: [], custom: {},
          createdAt, firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: createdAt,
          initialPriority: priority, assignment: null, noSlaReason: null,
        };
        const a = assignTicket(t, cfg);
        if (a.ok) t.assignment = a.assignment; else t.noSlaReason = a.reason;
        const frTarget = t.assignment ? t.assignment.targets.firstResponse : 60;
        // Events: a first reply (wall-clock delay ~ target × (0.1..3) × office-hours factor),
        // sometimes a customer wait, a resolution for most old enough tickets, a few reopens.
        const events = [];
        const factor = t.assignment?.calendar === 'office' ? 3.2 : 1;
        const reply = createdAt + Math.floor(frTarget * MIN * factor * (0.05 + rand() * rand() * 2.5));
        if (reply <= NOW && rand() < 0.97) events.push({ at: reply, type: 'reply', value: null });
        let last = reply;
        if (rand() < 0.25) {
          const w = last + Math.floor(rand() * 6 * H);
          const back = w + Math.floor(rand() * 30 * H);
          if (w <= NOW) events.push({ at: w, type: 'status', value: 'waiting_customer' });
          if (back <= NOW && rand() < 0.85) events.push({ at: back, type: 'status', value: 'open' });
          last = back;
        }
        const resTarget = t.assignment ? t.assignment.targets.resolution : 24 * 60;
        const resolved = last + Math.floor(resTarget * MIN * factor * (0.1 + rand() * rand() * 1.6));
        if (resolved <= NOW && rand() < 0.93) {
          events.push({ at: resolved, type: 'status', value: 'resolved' });
          if (rand() < 0.03) {
            const reopen = resolved + Math.floor(rand() * 48 * H);
            if (reopen <= NOW) events.push({ at: reopen, type: 'status', value: 'open' });
          }
        }
        events.sort((x, y) => x.at - y.at);
        for (const e of events) {
          if (e.type === 'reply' && t.firstResponseAt === null) t.firstResponseAt = e.at;
          if (e.type === 'status') {
            t.status = e.value;
            t.resolvedAt = e.value === 'resolved' ? e.at : null;
          }
          t.updatedAt = e.at;
        }
        const c = computeSla(t, events, cfg, calendar, NOW).computed;
        const fr = c.metrics.first_response;
        const res = c.metrics.resolution;
        const frReason = fr.status === 'breached' && rand() < 0.3 ? reasons[Math.floor(rand() * reasons.length)] : null;
        const resReason = res.status === 'breached' && rand() < 0.3 ? reasons[Math.floor(rand() * reasons.length)] : null;
        insTicket.run(
          t.id, t.subject, t.requester, t.customer, t.tier, t.priority, t.status, t.assignee, t.group, t.channel, '[]', '{}',
          t.createdAt, t.firstResponseAt, t.resolvedAt, t.closedAt, t.updatedAt, t.initialPriority,
          t.assignment?.policy ?? null, t.assignment?.calendar ?? null, t.assignment?.targets.firstResponse ?? null,
          t.assignment?.targets.resolution ?? null, t.noSlaReason, c.slaStatus, c.cycle, fr.status, fr.atRiskAt,
          fr.dueAt, fr.stoppedAt, fr.elapsedMin, res.status, res.atRiskAt, res.dueAt, res.stoppedAt,
          res.elapsedMin, c.breachedAt, c.pausedAt, c.totalPausedMs, c.nextChangeAt, c.computedAt, frReason, resReason,
          // The history column (migration 004): [at, type, value, source] per event.
          JSON.stringify(events.map((e) => [e.at, e.type, e.value, 'import'])),
        );
        if (c.breachedAt !== null && c.breachedAt <= NOW && rand() < 0.1) insSla.run(t.id, 'resolution-1h-overdue', c.breachedAt, NOW);
      }
    })();
    if (process.stderr.isTTY) process.stderr.write(`\rgenerating ${Math.min(N, start + BATCH).toLocaleString('en-US')} / ${N.toLocaleString('en-US')}`);
  }
  db.exec('ANALYZE');
  db.prepare("INSERT INTO meta (key, value) VALUES ('bench', ?)").run(`${GENERATOR_VERSION}:${N}`);
  db.close();
  new Database(dbPath).pragma('journal_mode = WAL'); // as sla leaves it
  if (process.stderr.isTTY) process.stderr.write('\n');
  return performance.now() - t0;
}

function cached() {
  if (!existsSync(dbPath) || !existsSync(configPath)) return false;
  try {
    const db = new Database(dbPath, { readonly: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'bench'").get();
    db.close();
    return row?.value === `${GENERATOR_VERSION}:${N}`;
  } catch {
    return false;
  }
}

// ---- the measures -------------------------------------------------------

// The window of `--days 30` at NOW in America/New_York: 2026-10-22 00:00 EDT … 2026-11-21 00:00 EST.
const FROM = Date.UTC(2026, 9, 22, 4, 0, 0);
const TO = Date.UTC(2026, 10, 21, 5, 0, 0);

// The hand-written equivalent: what a lead would type into sqlite3 for the same table.
const BASELINE_SQL = `
SELECT priority,
  count(*) AS tickets,
  sum(fr_stopped_at IS NOT NULL AND fr_status = 'met') AS fr_met,
  sum((fr_stopped_at IS NOT NULL AND fr_status = 'breached') OR (fr_stopped_at IS NULL AND fr_due_at < ${NOW})) AS fr_breached,
  sum(fr_status IS NOT NULL AND fr_stopped_at IS NULL AND (fr_due_at IS NULL OR fr_due_at >= ${NOW})) AS fr_pending,
  sum(res_stopped_at IS NOT NULL AND res_status = 'met') AS res_met,
  sum((res_stopped_at IS NOT NULL AND res_status = 'breached') OR (res_stopped_at IS NULL AND res_due_at < ${NOW})) AS res_breached,
  sum(res_status IS NOT NULL AND res_stopped_at IS NULL AND (res_due_at IS NULL OR res_due_at >= ${NOW})) AS res_pending,
  -- a first-response time only where a response stopped the clock (not a resolution before any reply)
  avg(CASE WHEN fr_stopped_at IS NOT NULL AND first_response_at <= fr_stopped_at THEN fr_elapsed_min END) AS avg_fr,
  avg(CASE WHEN res_stopped_at IS NOT NULL THEN res_elapsed_min END) AS avg_res,
  sum(status NOT IN ('resolved', 'closed')) AS open,
  sum(status NOT IN ('resolved', 'closed') AND assignee IS NULL) AS open_unassigned
FROM tickets
WHERE created_at >= ${FROM} AND created_at < ${TO} AND created_at <= ${NOW}
GROUP BY priority;
`;

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function time(cmd, args, input) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024, cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!cached()) {
  const ms = generate();
  emit({ name: 'report_generate_db', ms: Math.round(ms), tickets: N });
}

const sqlite3 = which('sqlite3');
const runSql = (sql) => (sqlite3
  ? time(sqlite3, ['-json', dbPath], sql)
  : time(process.execPath, ['--input-type=module', '-e', `
      import Database from 'better-sqlite3';
      const db = new Database(${JSON.stringify(dbPath)}, { readonly: true });
      console.log(JSON.stringify(db.prepare(${JSON.stringify(sql)}).all()));`]));
// As typed (SQLite picks the created_at index), and forced to one table scan (its quickest plan here).
const baseline = () => runSql(BASELINE_SQL);
const baselineScan = () => runSql(BASELINE_SQL.replace('FROM tickets\n', 'FROM tickets NOT INDEXED\n'));
const report = (by) => () => time(process.execPath, [
  join(ROOT, 'bin', 'sla'), '--config', configPath, '--db', dbPath, '--at', NOW_ISO,
  'report', '--days', '30', '--by', by, '--format', 'json',
]);

// Warm the page cache, check that the report and the hand-written SQL agree, then
// alternate runs so that neither gets a cache advantage.
const expected = JSON.parse(baseline().stdout);
const parsed = JSON.parse(report('priority')().stdout);
const mismatches = [];
for (const row of expected) {
  const g = parsed.byPriority[row.priority ?? '(none)'];
  const t = parsed.responseTimes[row.priority ?? '(none)'];
  const got = g && [g.tickets, g.firstResponse.met, g.firstResponse.breached, g.firstResponse.pending, g.resolution.met,
    g.resolution.breached, g.resolution.pending, g.open, g.unassignedOpen];
  // (sum() of nothing but NULLs is NULL in SQL: no clock at all, i.e. 0.)
  const want = [row.tickets, row.fr_met, row.fr_breached, row.fr_pending, row.res_met, row.res_breached, row.res_pending,
    row.open, row.open_unassigned].map((x) => x ?? 0);
  const close = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= 0.011);
  if (!got || JSON.stringify(got) !== JSON.stringify(want)
    || !close(t.avgFirstResponseMinutes, row.avg_fr === null ? null : Math.round(row.avg_fr * 100) / 100)
    || !close(t.avgResolutionMinutes, row.avg_res === null ? null : Math.round(row.avg_res * 100) / 100)) {
    mismatches.push({ priority: row.priority, want, got });
  }
}
const b = [];
const bs = [];
const r = [];
for (let i = 0; i < RUNS; i++) {
  b.push(baseline().ms);
  bs.push(baselineScan().ms);
  r.push(report('priority')().ms);
}
const baselineMs = median(b);
const baselineScanMs = median(bs);
const ms = median(r);
emit({
  name: 'report_days30_by_priority', ms: Math.round(ms), baselineMs: Math.round(baselineMs),
  ratio: +(ms / baselineMs).toFixed(2), target: '< 2000 ms and ≤ 2× baseline', pass: ms < 2000 && ms <= 2 * baselineMs && mismatches.length === 0,
  baselineName: sqlite3 ? 'sqlite3 GROUP BY' : 'better-sqlite3 GROUP BY',
  baselineTableScanMs: Math.round(baselineScanMs), ratioVsTableScan: +(ms / baselineScanMs).toFixed(2),
  baseline: sqlite3 ? 'sqlite3 CLI' : 'better-sqlite3 in a child process (no sqlite3 CLI installed)',
  tickets: N, reportedTickets: parsed.totalTickets, matchesBaseline: mismatches.length === 0,
  ...(mismatches.length ? { mismatches } : {}),
});
if (mismatches.length) process.exitCode = 1;
