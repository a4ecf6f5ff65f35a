// `sla list` over 100,000 open tickets: each filter answered in SQL on a covering index, only
// the page evaluated with the clock (moved here from the unit tests, where a timing is no
// assertion). Needs the compiled modules (dist/). One JSON line per measure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectOpen } from '../dist/app/open-tickets.js';
import { Calendar } from '../dist/domain/calendar.js';
import { computeSla } from '../dist/domain/sla.js';
import { SqliteStore } from '../dist/store/sqlite/engine.js';
import * as tq from '../dist/store/sqlite/queries.js';
import { Store } from '../dist/store/sqlite/tickets.js';
import { report } from './lib.mjs';
import { fillOpenTickets, LIST_CASES } from './open-tickets.mjs';

const dir = mkdtempSync(join(tmpdir(), 'sla-bench-list-'));
const store = Store.open(join(dir, 'sla.db'), { create: true });
const { query, evaluate } = fillOpenTickets({ Calendar, computeSla }, store, 100_000);
const port = SqliteStore.open(join(dir, 'sla.db'));
let worst = 0;
let worstCase = '';
for (const c of LIST_CASES) {
  const t0 = performance.now();
  await selectOpen(port, { ...query, ...c }, evaluate);
  const ms = performance.now() - t0;
  if (ms > worst) { worst = ms; worstCase = JSON.stringify(c); }
}
const covering = /COVERING INDEX tickets_open_list/.test(tq.explainList(store, { ...query, status: 'breached' }));
port.close();
store.close();
rmSync(dir, { recursive: true, force: true });
report({ name: `list_open_100k (the slowest of ${LIST_CASES.length} filters: ${worstCase})`, ms: +worst.toFixed(1), target: '< 400 ms, on the covering index', pass: worst < 400 && covering });
