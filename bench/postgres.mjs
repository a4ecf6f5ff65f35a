// Team mode's benchmarks (issue 17) on a PostgreSQL server: SLA_BENCH_POSTGRES_URL, else the
// test server's SLA_TEST_POSTGRES_URL (`eval "$(.ci/postgres start)"`: fsync off, loopback).
// Each measure gets a new database on it, and its yardstick is measured in the same run:
//   - import of the 1,000,000-row export file (bench/import.mjs writes it) vs `psql \copy` of
//     the same CSV into a plain table of text columns: target ≤ 3×;
//   - `sla check` with nothing due over 1,000,000 tickets vs the same over 10,000 (the SQLite
//     databases of bench/check.mjs, moved in by `sla db copy`, timed too): < 500 ms, ≤ 1.5×;
//   - 1,000 due transitions: recorded and delivered to a local webhook in one check: < 2 s;
//   - `sla report --days 30` over 1,000,000 tickets (bench/report.mjs's database) vs the
//     hand-written SQL in psql that gives the same numbers (percentiles and escalations
//     included; checked against the report's first): ≤ 2×; and, for the record, vs
//     bench/report.mjs's counts-only GROUP BY.
// Prints one JSON line per measure. Needs the compiled CLI and the benches above run first
// (npm run bench runs them in order).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { BIN, DATA, median, report, ROOT, timed } from './lib.mjs';

const BASE = process.env.SLA_BENCH_POSTGRES_URL || process.env.SLA_TEST_POSTGRES_URL;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MIN = 60_000;
const H = 60 * MIN;
const round = (x) => Math.round(x * 10) / 10;

if (!BASE) {
  report({ name: 'postgres', error: 'no PostgreSQL server: eval "$(.ci/postgres start)" (or set SLA_BENCH_POSTGRES_URL)' });
  process.exit(0);
}

function psql(url, sql) {
  const r = spawnSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout;
}

/** A new, empty database on the server (its URL); the one of the same name before is dropped. */
function database(name) {
  psql(BASE, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql(BASE, `CREATE DATABASE ${name}`);
  const u = new URL(BASE);
  u.pathname = `/${name}`;
  return u.href;
}

function need(file, bench) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`node bench/${bench}\` first (npm run bench does)`);
}

const sla = (args, env = {}) => timed(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
async function ok(p) {
  const r = await p;
  if (r.code !== 0) throw new Error(`failed (${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return r;
}

// ---- import ----------------------------------------------------------------

async function importBench() {
  const csv = join(DATA, 'tickets-1000000.csv');
  need(csv, 'import.mjs');
  const header = spawnSync('head', ['-1', csv], { encoding: 'utf8' }).stdout.trim().split(',');
  const runs = Math.max(2, Math.ceil(RUNS / 2));
  const copyMs = [];
  const importMs = [];
  let summary;
  for (let i = 0; i < runs; i++) {
    const plain = database('sla_bench_copy');
    psql(plain, `CREATE TABLE plain (${header.map((c) => `"${c}" text`).join(', ')})`);
    copyMs.push((await ok(timed('psql', ['-X', '-q', '-d', plain, '-c', `\\copy plain FROM '${csv}' WITH (FORMAT csv, HEADER true)`]))).ms);
    const url = database('sla_bench_import');
    const r = await ok(sla(['--config', join(ROOT, 'sla.config.example.json'), '--db', url, '--at', '2027-01-01T00:00Z', 'import', csv, '--json']));
    importMs.push(r.ms);
    summary = JSON.parse(r.stdout);
  }
  const ms = median(importMs);
  const base = median(copyMs);
  report({
    name: 'postgres: import 1M-row export', ms: Math.round(ms), baselineMs: Math.round(base), baselineName: 'psql \\copy into a plain table',
    ratio: +(ms / base).toFixed(2), target: '≤ 3× baseline', pass: ms <= 3 * base && summary.ticketsNew === 1_000_000,
  });
}

// ---- check -----------------------------------------------------------------

const AT = Date.parse('2026-03-02T12:00:00Z');

/** The due tickets parked (nothing due) or armed (1,000 reach at-risk by AT, nothing recorded yet): bench/check.mjs's setDue. */
function setDue(url, armed) {
  const at = armed ? AT - 55 * MIN + 48 * MIN : null;
  psql(url, `BEGIN;
    DELETE FROM alerts WHERE ticket_id LIKE 'D%';
    DELETE FROM sla_events WHERE ticket_id LIKE 'D%';
    UPDATE tickets SET next_change_at = ${at === null ? 'NULL' : at}, sla_status = 'on_time', fr_status = 'on_time' WHERE id >= 'D' AND id < 'E';
    COMMIT;`);
}

async function checkBench() {
  const config = join(DATA, 'check.config.json');
  for (const f of ['check-1m.db', 'check-10k.db', 'check.config.json']) need(join(DATA, f), 'check.mjs');
  let received = 0;
  const server = createServer((req, res) => { req.resume(); req.on('end', () => { received++; res.writeHead(200); res.end('ok'); }); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const hook = { SLA_BENCH_HOOK: `http://127.0.0.1:${server.address().port}/hook` };
  // check.config.json names bench/check.mjs's server (gone): the webhook's URL given here instead
  const cfg = JSON.parse(readFileSync(config, 'utf8'));
  cfg.alerts.destinations.hook.url = '$SLA_BENCH_HOOK';
  const cfgPath = join(DATA, 'check-postgres.config.json');
  writeFileSync(cfgPath, JSON.stringify(cfg));

  const urls = {};
  for (const [name, file, tickets] of [['10k', 'check-10k.db', 11_000], ['1m', 'check-1m.db', 1_001_000]]) {
    const url = (urls[name] = database(`sla_bench_check_${name}`));
    const r = await ok(sla(['--config', cfgPath, '--db', join(DATA, file), 'db', 'copy', '--to', url, '--format', 'json']));
    if (!JSON.parse(r.stdout).ok) throw new Error(`sla db copy of ${file} did not verify`);
    if (name === '1m') {
      report({ name: 'postgres: sla db copy of 1M tickets (SQLite → PostgreSQL, verified)', ms: Math.round(r.ms), tickets, peakMb: Math.round(r.peakMb) });
    }
  }
  const at = new Date(AT).toISOString();
  const nothing = {};
  for (const name of ['10k', '1m']) {
    setDue(urls[name], false);
    await ok(sla(['--config', cfgPath, '--db', urls[name], 'check', '--at', at, '--format', 'json'], hook));
    const times = [];
    for (let i = 0; i < RUNS + 2; i++) {
      const r = await ok(sla(['--config', cfgPath, '--db', urls[name], 'check', '--at', at, '--format', 'json'], hook));
      if (JSON.parse(r.stdout).events.length !== 0) throw new Error('expected nothing due');
      times.push(r.ms);
    }
    nothing[name] = median(times);
  }
  report({ name: 'postgres: check, nothing due, 10k tickets', ms: round(nothing['10k']) });
  report({
    name: 'postgres: check, nothing due, 1M tickets', ms: round(nothing['1m']), baselineMs: round(nothing['10k']), baselineName: 'the same, 10k tickets',
    ratio: +(nothing['1m'] / nothing['10k']).toFixed(2), target: '< 500 ms and ≤ 1.5× baseline', pass: nothing['1m'] < 500 && nothing['1m'] <= 1.5 * nothing['10k'],
  });
  const due = [];
  for (let i = 0; i < 3; i++) {
    setDue(urls['1m'], true);
    received = 0;
    const r = await ok(sla(['--config', cfgPath, '--db', urls['1m'], 'check', '--at', at, '--format', 'json'], hook));
    const out = JSON.parse(r.stdout);
    if (out.events.length !== 1000 || out.alerts.sent !== 1000 || received !== 1000) {
      throw new Error(`expected 1,000 events and deliveries, got ${out.events.length} events, ${out.alerts.sent} sent, ${received} received`);
    }
    due.push(r.ms);
  }
  setDue(urls['1m'], false);
  report({ name: 'postgres: check, 1,000 due transitions delivered, 1M tickets', ms: round(median(due)), target: '< 2000 ms', pass: median(due) < 2000 });
  server.close();
}

// ---- report ----------------------------------------------------------------

const NOW = Date.UTC(2026, 10, 20, 17, 0, 0);
const FROM = Date.UTC(2026, 9, 22, 4, 0, 0);
const TO = Date.UTC(2026, 10, 21, 5, 0, 0);
/** Met, breached and pending per metric, as bench/report.mjs counts them. */
const CLASS_COUNTS = `count(*) FILTER (WHERE fr_stopped_at IS NOT NULL AND fr_status = 'met') AS fr_met,
  count(*) FILTER (WHERE (fr_stopped_at IS NOT NULL AND fr_status = 'breached') OR (fr_stopped_at IS NULL AND fr_due_at < ${NOW})) AS fr_breached,
  count(*) FILTER (WHERE fr_status IS NOT NULL AND fr_stopped_at IS NULL AND (fr_due_at IS NULL OR fr_due_at >= ${NOW})) AS fr_pending,
  count(*) FILTER (WHERE res_stopped_at IS NOT NULL AND res_status = 'met') AS res_met,
  count(*) FILTER (WHERE (res_stopped_at IS NOT NULL AND res_status = 'breached') OR (res_stopped_at IS NULL AND res_due_at < ${NOW})) AS res_breached,
  count(*) FILTER (WHERE res_status IS NOT NULL AND res_stopped_at IS NULL AND (res_due_at IS NULL OR res_due_at >= ${NOW})) AS res_pending`;
/** bench/report.mjs's hand-written GROUP BY, in PostgreSQL's SQL: counts and averages only. */
const COUNTS_SQL = `
SELECT priority,
  count(*) AS tickets,
  ${CLASS_COUNTS},
  avg(CASE WHEN fr_stopped_at IS NOT NULL AND first_response_at <= fr_stopped_at THEN fr_elapsed_min END) AS avg_fr,
  avg(CASE WHEN res_stopped_at IS NOT NULL THEN res_elapsed_min END) AS avg_res,
  count(*) FILTER (WHERE status NOT IN ('resolved', 'closed')) AS open,
  count(*) FILTER (WHERE status NOT IN ('resolved', 'closed') AND assignee IS NULL) AS open_unassigned
FROM tickets
WHERE created_at >= ${FROM} AND created_at < ${TO} AND created_at <= ${NOW}
GROUP BY priority`;

/**
 * The hand-written SQL that gives what the report prints: the counts above, and the
 * percentiles of the stopped clocks (p50, p90, p95, nearest rank: percentile_disc) and the
 * escalations, per priority and in total (ROLLUP) — PostgreSQL has the aggregates SQLite lacks.
 */
const EQUIVALENT_SQL = `
SELECT priority, grouping(priority) AS total,
  count(*) AS tickets,
  ${CLASS_COUNTS},
  avg(fr) AS avg_fr, avg(res) AS avg_res,
  percentile_disc(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY fr) AS fr_p,
  percentile_disc(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY res) AS res_p,
  count(*) FILTER (WHERE status NOT IN ('resolved', 'closed')) AS open,
  count(*) FILTER (WHERE status NOT IN ('resolved', 'closed') AND assignee IS NULL) AS open_unassigned,
  coalesce(sum(e.n), 0) AS escalations
FROM (SELECT *, CASE WHEN fr_stopped_at IS NOT NULL AND first_response_at <= fr_stopped_at THEN fr_elapsed_min END AS fr,
        CASE WHEN res_stopped_at IS NOT NULL THEN res_elapsed_min END AS res
      FROM tickets WHERE created_at >= ${FROM} AND created_at < ${TO} AND created_at <= ${NOW}) t
LEFT JOIN (SELECT ticket_id, count(*) AS n FROM sla_events WHERE type = 'escalated' AND due_at <= ${NOW} GROUP BY ticket_id) e ON e.ticket_id = t.id
GROUP BY ROLLUP (priority)`;

async function reportBench() {
  for (const f of ['report.db', 'report.config.json']) need(join(DATA, f), 'report.mjs');
  const config = join(DATA, 'report.config.json');
  const url = database('sla_bench_report');
  await ok(sla(['--config', config, '--db', join(DATA, 'report.db'), 'db', 'copy', '--to', url]));
  psql(url, 'VACUUM ANALYZE');
  const hand = (text) => () => ok(timed('psql', ['-X', '-q', '-A', '-t', '-d', url, '-c', `SELECT json_agg(q) FROM (${text}) q`]));
  const equivalent = hand(EQUIVALENT_SQL);
  const counts = hand(COUNTS_SQL);
  const ours = () => ok(sla(['--config', config, '--db', url, '--at', new Date(NOW).toISOString(), 'report', '--days', '30', '--by', 'priority', '--format', 'json']));
  // agreement first: the report's counts, percentiles and escalations are the hand-written query's
  const want = JSON.parse((await equivalent()).stdout);
  const got = JSON.parse((await ours()).stdout);
  const minutes = (x) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);
  const mismatches = want.filter((row) => {
    const total = row.total === 1;
    const g = total ? null : got.byPriority[row.priority ?? '(none)'];
    const t = total ? got.totalResponseTimes : got.responseTimes[row.priority ?? '(none)'];
    if (!t) return Number(row.tickets) > 0 && (row.fr_p !== null || row.res_p !== null);
    const pct = ['p50', 'p90', 'p95'].every((p, i) => minutes(t[`${p}FirstResponseMinutes`]) === minutes(row.fr_p?.[i])
      && minutes(t[`${p}ResolutionMinutes`]) === minutes(row.res_p?.[i]));
    if (total) return !pct || got.totalTickets !== Number(row.tickets) || got.escalations !== Number(row.escalations);
    return !g || !pct || g.tickets !== Number(row.tickets) || g.firstResponse.met !== Number(row.fr_met)
      || g.resolution.breached !== Number(row.res_breached) || g.open !== Number(row.open) || g.escalations !== Number(row.escalations);
  });
  const a = [];
  const c = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    a.push((await equivalent()).ms);
    c.push((await counts()).ms);
    b.push((await ours()).ms);
  }
  const ms = median(b);
  const base = median(a);
  report({
    name: 'postgres: report --days 30, 1M tickets', ms: Math.round(ms), baselineMs: Math.round(base),
    baselineName: 'the same numbers by hand in psql (counts, percentile_disc, escalations, totals)',
    ratio: +(ms / base).toFixed(2), target: '≤ 2× baseline', pass: ms <= 2 * base && mismatches.length === 0, mismatches: mismatches.length,
  });
  report({
    name: 'postgres: report --days 30, 1M tickets, against the counts alone', ms: Math.round(ms), baselineMs: Math.round(median(c)),
    baselineName: "bench/report.mjs's GROUP BY in psql (counts and averages, no percentiles or escalations)", ratio: +(ms / median(c)).toFixed(2),
  });
}

const only = process.env.BENCH_POSTGRES ?? 'import,check,report';
for (const [name, fn] of [['import', importBench], ['check', checkBench], ['report', reportBench]]) {
  if (!only.split(',').includes(name)) continue;
  try {
    await fn();
  } catch (err) {
    report({ name: `postgres: ${name}`, error: String(err.message ?? err) });
  }
}
for (const name of ['sla_bench_copy', 'sla_bench_import', 'sla_bench_check_10k', 'sla_bench_check_1m', 'sla_bench_report']) {
  psql(BASE, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
