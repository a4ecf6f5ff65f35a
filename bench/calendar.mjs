// Benchmark of business-calendar deadline computations.
// Needs the compiled module: run `npx tsc -p tsconfig.json` first (output in dist/).
// Prints one JSON line per measure: {"name", "ms", "perDeadlineUs", ...}.
import { Calendar, parseInterval } from '../dist/domain/calendar.js';
import { mulberry32 } from './lib.mjs';

const H = 3_600_000;

// Mon–Fri 09:00-12:00 and 13:00-17:00 in New York, 30 hand-typed holidays over 2026–2027.
const day = ['09:00-12:00', '13:00-17:00'].map(parseInterval);
const holidayDates = [
  '2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03',
  '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-11-27', '2026-12-24', '2026-12-25',
  '2026-12-31',
  '2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05',
  '2027-09-06', '2027-10-11', '2027-11-11', '2027-11-25', '2027-11-26', '2027-12-23', '2027-12-24',
  '2027-12-31',
];
const holidays = holidayDates.map((date, i) => (i % 5 === 4
  ? { date, name: `Short day ${i}`, hours: [parseInterval('09:00-12:00')] }
  : { date, name: `Holiday ${i}` }));
const spec = {
  name: 'office', timezone: 'America/New_York', always: false,
  weekly: [[], day, day, day, day, day, []], holidays,
};

const N = 1_000_000;
const N_LONG = 100_000;
const T0 = Date.UTC(2026, 0, 1);
const SPAN = Date.UTC(2028, 0, 1) - T0;
const rand = mulberry32(20260101);
const starts = new Float64Array(N);
for (let i = 0; i < N; i++) starts[i] = T0 + Math.floor(rand() * SPAN);

function emit(obj) { process.stdout.write(`${JSON.stringify(obj)}\n`); }

// Cold start: first deadline on a fresh calendar (builds the table for the years around it).
{
  const cal = new Calendar(spec);
  const t0 = performance.now();
  cal.add(starts[0], 4 * H);
  const ms = performance.now() - t0;
  emit({ name: 'calendar_cold_first_deadline', ms: +ms.toFixed(3) });
}

// 1M deadlines, alternating 4 h and 48 h targets.
{
  const cal = new Calendar(spec);
  let check = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) check += cal.add(starts[i], (i & 1) ? 48 * H : 4 * H) - starts[i];
  const ms = performance.now() - t0;
  emit({ name: 'deadlines_1m (4h/48h, NY, lunch, 30 holidays)', ms: +ms.toFixed(1), perDeadlineUs: +((ms * 1000) / N).toFixed(4), n: N, checksum: check, target: '< 1000 ms', pass: ms < 1000 });
}

// 100k deadlines of a 10,000-hour target (about 5.7 years of this calendar) against 100k
// 4-hour ones on the same, already built, table: long targets must cost about the same.
{
  const cal = new Calendar(spec);
  cal.add(starts[0], 10_000 * H); // build the years once, outside the timings
  for (let i = 0; i < N_LONG; i++) cal.add(starts[i], 10_000 * H);
  let check = 0;
  let t0 = performance.now();
  for (let i = 0; i < N_LONG; i++) check += cal.add(starts[i], 4 * H) - starts[i];
  const shortMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < N_LONG; i++) check += cal.add(starts[i], 10_000 * H) - starts[i];
  const ms = performance.now() - t0;
  emit({ name: 'deadlines_10000h_100k', ms: +ms.toFixed(1), baselineName: '100k 4h deadlines', baselineMs: +shortMs.toFixed(1),
    ratio: +(ms / shortMs).toFixed(2), perDeadlineUs: +((ms * 1000) / N_LONG).toFixed(4), n: N_LONG, checksum: check,
    target: '≤ 3× a 4h target', pass: ms <= 3 * shortMs });
}

// 1M openBetween (elapsed business time) queries over random ranges of up to two weeks.
{
  const cal = new Calendar(spec);
  let check = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) check += cal.openBetween(starts[i], starts[i] + (i % 336) * H);
  const ms = performance.now() - t0;
  emit({ name: 'open_between_1m', ms: +ms.toFixed(1), perCallUs: +((ms * 1000) / N).toFixed(4), n: N, checksum: check });
}

// Timestamps of an import: 1M ISO instants with Z, 200k local times of a zone with DST
// (moved here from the unit tests, where a timing is no assertion).
{
  const { compileTimestampParser } = await import('../dist/import/timestamp.js');
  const texts = [];
  for (let i = 0; i < 1000; i++) texts.push(new Date(Date.UTC(2025, 0, 1) + i * 7_777_777).toISOString());
  const p = compileTimestampParser({ zone: 'UTC' });
  let sum = 0;
  let t0 = performance.now();
  for (let i = 0; i < 1_000_000; i++) sum += p(texts[i % 1000]);
  const isoMs = performance.now() - t0;
  emit({ name: 'timestamps_iso_1m', ms: +isoMs.toFixed(1), checksum: sum, target: '< 1000 ms', pass: isoMs < 1000 });
  const ny = compileTimestampParser({ zone: 'America/New_York' });
  const local = texts.map((s) => s.slice(0, 19).replace('T', ' '));
  t0 = performance.now();
  for (let i = 0; i < 200_000; i++) sum += ny(local[i % 1000]);
  const localMs = performance.now() - t0;
  emit({ name: 'timestamps_local_200k (America/New_York)', ms: +localMs.toFixed(1), checksum: sum, target: '< 1000 ms', pass: localMs < 1000 });
}
