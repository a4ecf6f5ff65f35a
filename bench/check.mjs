// Benchmark of `sla check` (SPEC §5: cost grows with what is due, not with open tickets).
// Needs the compiled CLI: run `npx tsc -p tsconfig.json` first (output in dist/).
//
// Builds (once; reused while the layout below is unchanged) two databases in bench/data/:
//   check-1m.db  — 1,000,000 tickets, 100,000 of them open
//   check-10k.db —    10,000 tickets,   1,000 of them open
// inserted directly into the schema with better-sqlite3 (seeded PRNG), then times the real
// CLI (`node bin/sla check`, wall clock from spawn to exit, median of several runs):
//   check-nothing-due-1m   vs  check-nothing-due-10k (baseline): target < 300 ms and ≤ 1.5×
//   check-1000-due-1m: 1,000 tickets reach at-risk; 1,000 webhook alerts delivered to a
//                      local HTTP server: target < 2 s
// Prints one JSON line per measure: {"name", "ms", "baselineMs", "target", ...}.

import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../dist/store/sqlite/tickets.js';
import { mulberry32 } from './lib.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench', 'data');
const BIN = join(ROOT, 'bin', 'sla');
const LAYOUT = 'check-bench-v1';
const MIN = 60_000;
const H = 60 * MIN;
const AT = Date.parse('2026-03-02T12:00:00Z'); // the instant every check evaluates
const DUE = 1000;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const COLS = [
  'id', 'subject', 'customer', 'tier', 'priority', 'status', 'assignee', 'created_at', 'first_response_at', 'resolved_at',
  'closed_at', 'updated_at', 'initial_priority', 'policy', 'calendar', 'target_fr_min', 'target_res_min', 'sla_status',
  'sla_cycle', 'fr_status', 'fr_at_risk_at', 'fr_due_at', 'fr_stopped_at', 'fr_elapsed_min', 'res_status', 'res_at_risk_at',
  'res_due_at', 'res_stopped_at', 'res_elapsed_min', 'breached_at', 'next_change_at', 'computed_at',
];

// 24×7 policy "std": first response 8h, resolution 48h (at risk at 80 %); "due" tickets: 1h / 4h.
function closedRow(i, rnd) {
  const created = AT - 400 * 24 * H + Math.floor(rnd() * 390 * 24 * H);
  const fr = created + Math.floor(rnd() * 6 * H);
  const res = fr + Math.floor(rnd() * 40 * H);
  return [
    `C${i}`, `Closed ticket ${i}`, `cust${Math.floor(rnd() * 20000)}`, rnd() < 0.2 ? 'enterprise' : null, 'medium', 'closed', `agent${i % 50}`,
    created, fr, res, res + H, res + H, 'medium', 'std', 'always', 480, 2880, 'on_time', 0, 'met', created + 384 * MIN,
    created + 8 * H, fr, (fr - created) / MIN, 'met', created + 2304 * MIN, created + 48 * H, res, (res - created) / MIN, null, null, res + H,
  ];
}

function openRow(i, rnd) {
  // Created within the last 30 minutes: the next change (first-response at risk, 6h24m) is hours away.
  const created = AT - Math.floor(rnd() * 30 * MIN);
  return [
    `O${i}`, `Open ticket ${i}`, `cust${Math.floor(rnd() * 20000)}`, rnd() < 0.2 ? 'enterprise' : null, 'medium', 'open', rnd() < 0.5 ? `agent${i % 50}` : null,
    created, null, null, null, created, 'medium', 'std', 'always', 480, 2880, 'on_time', 0, 'on_time', created + 384 * MIN,
    created + 8 * H, null, 0, 'on_time', created + 2304 * MIN, created + 48 * H, null, 0, null, created + 384 * MIN, created,
  ];
}

/** A ticket whose first response reaches at risk (48 of 60 min) before AT: one transition due. */
function dueRow(i) {
  const created = AT - 55 * MIN;
  return [
    `D${i}`, `Due ticket ${i}`, `cust-due${i}`, null, 'urgent', 'open', null, created, null, null, null, created, 'urgent', 'due', 'always',
    60, 240, 'on_time', 0, 'on_time', created + 48 * MIN, created + 60 * MIN, null, 0, 'on_time', created + 192 * MIN, created + 240 * MIN,
    null, 0, null, created + 48 * MIN, created,
  ];
}

function build(path, total, open) {
  const marker = `${LAYOUT}:${total}:${open}`;
  if (existsSync(path)) {
    try {
      const db = new Database(path, { readonly: true });
      const ok = db.prepare("SELECT value FROM meta WHERE key = 'bench'").pluck().get() === marker;
      db.close();
      if (ok) return false;
    } catch { /* rebuild */ }
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  Store.open(path, { create: true }).close(); // schema by the real migrations
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(`INSERT INTO tickets (${COLS.join(', ')}) VALUES (${COLS.map(() => '?').join(', ')})`);
  const rnd = mulberry32(20260302);
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) insert.run(...(i < open ? openRow(i, rnd) : closedRow(i, rnd)));
  });
  for (let i = 0; i < total; i += 50_000) batch(i, Math.min(total, i + 50_000));
  const dues = db.transaction(() => { for (let i = 0; i < DUE; i++) insert.run(...dueRow(i)); });
  dues();
  db.prepare("INSERT INTO meta (key, value) VALUES ('bench', ?)").run(marker);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return true;
}

/** Park the due tickets (nothing due) or arm them (1,000 due, nothing recorded yet). */
function setDue(path, armed) {
  const db = new Database(path);
  db.transaction(() => {
    db.prepare("DELETE FROM alerts WHERE ticket_id LIKE 'D%'").run();
    db.prepare("DELETE FROM sla_events WHERE ticket_id LIKE 'D%'").run();
    const at = armed ? AT - 55 * MIN + 48 * MIN : null;
    db.prepare("UPDATE tickets SET next_change_at = ?, sla_status = 'on_time', fr_status = 'on_time' WHERE id >= 'D' AND id < 'E'").run(at);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

function writeConfig(url) {
  const path = join(DATA, 'check.config.json');
  writeFileSync(path, JSON.stringify({
    timezone: 'UTC',
    priorities: ['urgent', 'high', 'medium', 'low'],
    calendars: { always: '24x7' },
    policies: [
      { name: 'due', match: { priority: ['urgent'] }, calendar: 'always', targets: { urgent: { firstResponse: '1h', resolution: '4h' } } },
      { name: 'std', calendar: 'always', targets: { medium: { firstResponse: '8h', resolution: '48h' } } },
    ],
    alerts: { destinations: { hook: { type: 'webhook', url } }, routes: [{ to: ['hook'] }] },
  }));
  return path;
}

function runCheck(config, db) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, '--config', config, '--db', db, 'check', '--at', new Date(AT).toISOString(), '--format', 'json'], {
      env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`sla check exited ${code}: ${err}`));
      else resolve({ ms, result: JSON.parse(out) });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 10) / 10;

async function main() {
  mkdirSync(DATA, { recursive: true });
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => { received++; res.writeHead(200); res.end('ok'); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const config = writeConfig(`http://127.0.0.1:${server.address().port}/hook`);

  const big = join(DATA, 'check-1m.db');
  const small = join(DATA, 'check-10k.db');
  const t0 = performance.now();
  const built = [build(big, 1_000_000, 100_000), build(small, 10_000, 1_000)];
  if (built.some(Boolean)) process.stderr.write(`built bench databases in ${Math.round(performance.now() - t0)} ms\n`);

  // Nothing due: the same check on both sizes.
  const nothing = {};
  for (const [name, db] of [['10k', small], ['1m', big]]) {
    setDue(db, false);
    await runCheck(config, db); // warm the page cache
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const { ms, result } = await runCheck(config, db);
      if (result.events.length !== 0) throw new Error(`expected nothing due, got ${result.events.length} events`);
      times.push(ms);
    }
    nothing[name] = median(times);
  }
  console.log(JSON.stringify({ name: 'check-nothing-due-10k', ms: round(nothing['10k']), target: '< 300 ms', pass: nothing['10k'] < 300, tickets: 10_000 + DUE, open: 1_000 + DUE }));
  console.log(JSON.stringify({
    name: 'check-nothing-due-1m', ms: round(nothing['1m']), baselineMs: round(nothing['10k']), baselineName: 'same check, 10k tickets',
    target: '< 300 ms and ≤ 1.5× baseline', pass: nothing['1m'] < 300 && nothing['1m'] <= 1.5 * nothing['10k'], ratio: Math.round((nothing["1m"] / nothing["10k"]) * 100) / 100, tickets: 1_000_000 + DUE, open: 100_000 + DUE,
  }));

  // 1,000 transitions due on the big database, delivered to the local server.
  const times = [];
  let last;
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
    setDue(big, true);
    received = 0;
    const { ms, result } = await runCheck(config, big);
    if (result.events.length !== DUE || result.alerts.sent !== DUE || received !== DUE) {
      throw new Error(`expected ${DUE} events and deliveries, got ${result.events.length} events, ${result.alerts.sent} sent, ${received} received`);
    }
    times.push(ms);
    last = result;
  }
  setDue(big, false);
  console.log(JSON.stringify({
    name: 'check-1000-due-1m', ms: round(median(times)), target: '< 2000 ms', pass: median(times) < 2000,
    events: last.events.length, alertsSent: last.alerts.sent, checkDurationMs: last.durationMs,
  }));
  server.close();
}

await main();
