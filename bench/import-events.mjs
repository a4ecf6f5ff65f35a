// Event-log import speed and memory, against sqlite3's own `.import` of the same file, on
// two generated (seeded) shapes of ~700k rows:
// - "snapshot": a ServiceNow-style log — one row per update of an incident, grouped by
//   incident, 36 columns of which a state and a priority snapshot, `?` for no value,
//   minute timestamps (the shape of the public 141,712-row incident log, five times over);
// - "activity": a helpdesk audit trail in time order — rows of many tickets interleaved,
//   an activity column read through rules (the shape of the Polato log), 10 columns.
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, DATA, ROOT, freshDb, median, mulberry32, report, sqliteImport, timed } from './lib.mjs';

const ROWS = Number(process.env.BENCH_EVENT_ROWS ?? 700_000);
const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 3);
const SHAPES = (process.env.BENCH_EVENT_SHAPES ?? 'snapshot,activity').split(',');
mkdirSync(DATA, { recursive: true });

const pad = (n) => String(n).padStart(2, '0');
const minute = (t) => { const d = new Date(t); return `${d.getUTCDate()}/${d.getUTCMonth() + 1}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`; };

async function writer(file) {
  const out = createWriteStream(file);
  let chunk = '';
  return {
    async line(s) {
      chunk += s + '\n';
      if (chunk.length > 1 << 20) { const c = chunk; chunk = ''; if (!out.write(c)) await new Promise((r) => out.once('drain', r)); }
    },
    async end() { out.write(chunk); await new Promise((r) => out.end(r)); },
  };
}

const STATES = ['New', 'Active', 'Awaiting User Info', 'Awaiting Vendor', 'Active', 'Resolved', 'Closed'];
const PRIOS = ['1 - Critical', '2 - High', '3 - Moderate', '4 - Low'];

async function snapshot(file) {
  const rnd = mulberry32(7);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const w = await writer(file);
  const cols = ['number', 'incident_state', 'active', 'reassignment_count', 'reopen_count', 'sys_mod_count', 'made_sla', 'caller_id',
    'opened_by', 'opened_at', 'sys_created_by', 'sys_created_at', 'sys_updated_by', 'sys_updated_at', 'contact_type', 'location',
    'category', 'subcategory', 'u_symptom', 'cmdb_ci', 'impact', 'urgency', 'priority', 'assignment_group', 'assigned_to', 'knowledge',
    'u_priority_confirmation', 'notify', 'problem_id', 'rfc', 'vendor', 'caused_by', 'closed_code', 'resolved_by', 'resolved_at', 'closed_at'];
  await w.line(cols.join(','));
  let rows = 0;
  let inc = 0;
  const start = Date.UTC(2016, 1, 29);
  while (rows < ROWS) {
    inc++;
    const opened = start + Math.floor(rnd() * 120 * 86_400_000);
    const n = 2 + Math.floor(rnd() * 8);
    let t = opened + Math.floor(rnd() * 3_600_000);
    let prio = pick(PRIOS);
    const caller = `Caller ${Math.floor(rnd() * 5000)}`;
    const group = `Group ${Math.floor(rnd() * 80)}`;
    let resolvedAt = '?';
    for (let k = 0; k < n && rows < ROWS; k++, rows++) {
      const last = k === n - 1;
      const state = k === 0 ? 'New' : last ? 'Closed' : k === n - 2 ? 'Resolved' : pick(STATES.slice(1, 5));
      if (rnd() < 0.05) prio = pick(PRIOS);
      if (state === 'Resolved') resolvedAt = minute(t);
      await w.line([`INC${String(inc).padStart(7, '0')}`, state, last ? 'false' : 'true', Math.floor(k / 3), 0, k, 'true', caller,
        `Opened by ${inc % 200}`, minute(opened), `Created by ${inc % 100}`, minute(opened), `Updated by ${Math.floor(rnd() * 900)}`, minute(t),
        'Phone', `Location ${inc % 150}`, `Category ${inc % 40}`, `Subcategory ${inc % 170}`, `Symptom ${inc % 300}`, '?', '2 - Medium',
        '2 - Medium', prio, group, k ? `Resolver ${inc % 230}` : '?', 'false', 'false', 'Do Not Notify', '?', '?', '?', '?',
        last ? 'code 7' : '?', last ? `Resolved by ${inc % 200}` : '?', resolvedAt, last ? minute(t) : '?'].join(','));
      t += Math.floor(rnd() * 2 * 86_400_000);
    }
  }
  await w.end();
  writeFileSync(join(DATA, 'events-snapshot.mapping.json'), JSON.stringify({
    kind: 'events',
    columns: { ticket_id: 'number', at: 'sys_updated_at', created_at: 'opened_at', status: 'incident_state', priority: 'priority',
      actor: 'sys_updated_by', group: 'assignment_group', resolved_at: 'resolved_at', closed_at: 'closed_at' },
    timestamps: { format: 'd/M/yyyy HH:mm', zone: 'UTC' },
    missing: ['?'],
    values: {
      status: { New: 'new', Active: 'open', 'Awaiting User Info': 'waiting_customer', 'Awaiting Vendor': 'pending', Resolved: 'resolved', Closed: 'closed' },
      priority: { '1 - Critical': 'urgent', '2 - High': 'high', '3 - Moderate': 'medium', '4 - Low': 'low' },
    },
    events: { firstResponseAwayFrom: 'New', key: 'sys_mod_count' },
  }));
}

async function activity(file) {
  const rnd = mulberry32(11);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const w = await writer(file);
  await w.line('Case ID,Activity,Resource,Complete Timestamp,seriousness,customer,product,service_level,service_type,workgroup');
  // tickets open over time; each step of each ticket is an event at its instant: rows in time order
  const steps = [];
  const start = Date.UTC(2012, 0, 1);
  let rows = 0;
  let c = 0;
  while (rows < ROWS) {
    c++;
    let t = start + Math.floor(rnd() * 365 * 86_400_000);
    const flow = ['Insert ticket', 'Assign seriousness', 'Take in charge ticket', ...(rnd() < 0.3 ? ['Wait', 'Take in charge ticket'] : []),
      ...(rnd() < 0.2 ? ['Require upgrade'] : []), 'Resolve ticket', 'Closed'];
    const level = pick(['Value 1', 'Value 2', 'Value 4']);
    for (const a of flow) {
      if (rows >= ROWS) break;
      steps.push([t, c, a, level]);
      rows++;
      t += Math.floor(rnd() * 3 * 86_400_000);
    }
  }
  steps.sort((a, b) => a[0] - b[0]);
  for (const [t, id, a, level] of steps) {
    const d = new Date(t).toISOString();
    await w.line(`Case ${id},${a},Value ${id % 600},${d.slice(0, 10).replace(/-/g, '/')} ${d.slice(11, 19)}.000,${level},Value ${id % 700},`
      + `Value ${id % 20},Value ${id % 5},Value ${id % 3},Value ${id % 12}`);
  }
  await w.end();
  writeFileSync(join(DATA, 'events-activity.mapping.json'), JSON.stringify({
    kind: 'events',
    columns: { ticket_id: 'Case ID', at: 'Complete Timestamp', actor: 'Resource', priority: 'seriousness', tier: 'service_level', customer: 'customer', group: 'workgroup' },
    timestamps: { format: 'yyyy/MM/dd HH:mm:ss.SSS', zone: 'Europe/Rome' },
    values: { priority: { 'Value 4': 'urgent', 'Value 1': 'high', 'Value 2': 'medium', 'Value 3': 'low' } },
    events: {
      activityColumn: 'Activity',
      rules: {
        'Take in charge ticket': [{ type: 'reply' }, { type: 'status', value: 'in_progress' }],
        Wait: [{ type: 'status', value: 'waiting_customer' }],
        'Resolve ticket': [{ type: 'status', value: 'resolved' }],
        Closed: [{ type: 'status', value: 'closed' }],
      },
    },
  }));
}

for (const shape of SHAPES) {
  const csv = join(DATA, `events-${shape}-${ROWS}.csv`);
  const mapping = join(DATA, `events-${shape}.mapping.json`);
  if (!existsSync(csv) || !existsSync(mapping)) await (shape === 'snapshot' ? snapshot : activity)(csv);
  const mb = statSync(csv).size / 1048576;
  const base = join(DATA, 'sqlite3-events.db');
  const db = join(DATA, 'import-events.db');
  const args = [BIN, '--config', join(ROOT, 'sla.config.example.json'), '--db', db, '--at', '2027-01-01T00:00Z', 'import', csv, '--mapping', mapping, '--json'];
  const sqliteMs = [];
  const importMs = [];
  let peakMb = 0;
  let summary;
  for (let i = 0; i < RUNS; i++) {
    sqliteMs.push((await sqliteImport(csv, base)).ms);
    freshDb(db);
    const r = await timed(process.execPath, args);
    if (r.code !== 0) throw new Error(`sla import failed (${r.code}): ${r.stderr.slice(0, 500)}`);
    importMs.push(r.ms);
    peakMb = Math.max(peakMb, r.peakMb);
    summary = JSON.parse(r.stdout);
  }
  const again = await timed(process.execPath, args);
  const s2 = JSON.parse(again.stdout);
  const sq = median(sqliteMs);
  const im = median(importMs);
  report({ name: `import_events_${shape}_${ROWS}_rows (${mb.toFixed(0)} MB, ${summary.ticketsNew} tickets, median of ${RUNS})`, ms: im,
    baselineName: `sqlite3 .import, median of ${RUNS}`, baselineMs: sq, ratio: im / sq, target: '≤ 3× baseline',
    pass: im <= 3 * sq && summary.rowsRead === ROWS && summary.rejected === 0 });
  report({ name: `import_events_${shape}_peak_rss_mb`, value: peakMb, unit: 'MB', target: '< 300 MB', pass: peakMb < 300 });
  report({ name: `reimport_events_${shape}_unchanged`, ms: again.ms, baselineName: 'sqlite3 .import (median)', baselineMs: sq,
    ratio: again.ms / sq, pass: s2.eventsAdded === 0 && s2.ticketsUpdated === 0 && s2.ticketsNew === 0 });
}
