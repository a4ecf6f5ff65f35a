// The README is true. Every shell block in it is run here — verbatim, in bash, with `sla` (and
// `npx sla`) the CLI under test and "now" pinned, in a temporary copy of the examples — and
// the facts its prose states are checked against what the CLI prints; or its first line marks
// it illustrative ("# illustrative: why"). A new shell block with neither fails this test.
// The worked numbers of "The SLA clock in plain words" are read from the prose and checked
// against the CLI's own arithmetic, never restated here.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, childEnv, ROOT, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block { line: number; lang: string; text: string }

/** The fenced blocks of a Markdown text, with the line of their opening fence. */
function fencedBlocks(md: string): Block[] {
  const out: Block[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    out.push({ line: i + 1, lang: open[1], text: lines.slice(i + 1, j).join('\n') });
    i = j;
  }
  return out;
}

const SHELL = new Set(['sh', 'bash', 'shell', 'console', 'cron']);
const blocks = fencedBlocks(README);
const shellBlocks = blocks.filter((b) => SHELL.has(b.lang));
const firstLine = (b: Block): string => b.text.split('\n')[0].trim();
const illustrative = (b: Block): boolean => /^#\s*illustrative:\s*\S/.test(firstLine(b));
/** The block whose first line starts with `start`. */
const block = (start: string): Block => {
  const b = shellBlocks.find((x) => firstLine(x).startsWith(start));
  if (!b) throw new Error(`README has no shell block starting with ${JSON.stringify(start)}`);
  return b;
};

/** What runs each shell block, by the start of its first line (see the tests below). */
const RUN = ['npm ci && export SLA_CONFIG=', 'sla init', 'sla pause 1234', 'sla report --days 7', 'sla import ../shared/data/helpdesk-events.csv'];

/** The demo's pinned instant, read from the README's first block. */
const DEMO_AT = /\bat=(\S+)/.exec(shellBlocks[0]?.text ?? '')?.[1] ?? '';

/**
 * Runs a block's text in bash (-e, pipefail) in `cwd`: `sla` and `npx sla` are the CLI under
 * test with `--at at` first (a later --at in the block wins); `npm` does nothing (CI runs
 * npm ci and npm test, .ci/run); $EDITOR is the user's edit of the config the Quickstart
 * asks for: each alert destination writes to a file (no Slack, mail or pager here).
 */
function runBlock(text: string, cwd: string, at: string, env: NodeJS.ProcessEnv = {}) {
  const edit = join(cwd, '.edit-config.mjs');
  writeFileSync(edit, `import { readFileSync, writeFileSync } from 'node:fs';
const f = process.argv[2]; const c = JSON.parse(readFileSync(f, 'utf8'));
for (const name of Object.keys(c.alerts.destinations)) c.alerts.destinations[name] = { type: 'file', path: 'alerts-' + name + '.ndjson' };
writeFileSync(f, JSON.stringify(c, null, 2));
`);
  const script = [
    'set -eo pipefail',
    `sla() { "${process.execPath}" "${BIN}" --at "${at}" "$@"; }`,
    'npx() { if [ "$1" = sla ]; then shift; sla "$@"; else echo "npx $1: not run by the README test" >&2; return 1; fi; }',
    'npm() { :; }',
    `export EDITOR="${process.execPath} ${edit}"`,
    text,
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], { cwd, env: childEnv(env), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What running the demo leaves in examples/ (git ignores it): not part of a fresh clone. */
const DEMO_OUTPUT = /\.(db|db-wal|db-shm|db-journal|sqlite)$|demo-alerts\.ndjson$/;

/** A copy of the examples as a fresh clone has them, in `dir` (a new temporary folder by default). */
function project(dir = tempDir('sla-readme-')): string {
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true, filter: (src) => !DEMO_OUTPUT.test(src) });
  return dir;
}

/** A number the prose states ("26,492" → 26492), found by `re`'s first group. */
const stated = (re: RegExp, text = README): number => {
  const m = re.exec(text);
  if (!m) throw new Error(`the README no longer says ${re}`);
  return Number(m[1].replace(/,/g, ''));
};

describe('README: every shell block is run here or marked illustrative', () => {
  it('has no shell block that is neither', () => {
    const orphans = shellBlocks.filter((b) => !illustrative(b) && !RUN.some((s) => firstLine(b).startsWith(s)))
      .map((b) => `README.md:${b.line}: ${firstLine(b)}`);
    expect(orphans, 'run it in test/e2e/readme.test.ts, or begin it with "# illustrative: why"').toEqual([]);
    // every runner still has its block, and fenced blocks say their language (```text for a synopsis)
    for (const start of RUN) expect(() => block(start)).not.toThrow();
    expect(blocks.filter((b) => b.lang === '').map((b) => `README.md:${b.line}`)).toEqual([]);
  });

  it('the first block is the one .ci/run runs (read from README.md at run time)', () => {
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/README\.md/);
    const r = spawnSync('bash', [join(ROOT, '.ci', 'readme-block')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(shellBlocks[0].text.trim());
  });
});

describe('README: the blocks, run', () => {
  it('the demo line: imports the 30 sample tickets, records the alerts due, lists the open tickets, prints the report', () => {
    const dir = project();
    const demo = shellBlocks[0].text.split('\n')[0]; // the second line is `npm test`, which CI runs
    const r = runBlock(demo, dir, DEMO_AT);
    expect(r.code, r.stderr).toBe(0);
    const tickets = stated(/\(`examples\/tickets\.csv`, (\d+)\s+tickets\)/);
    expect(r.stdout).toContain(`${tickets} rows read · ${tickets} new`);
    const alerts = /alerts go to `([^`]+)`/.exec(README)?.[1] as string;
    const sent = readFileSync(join(dir, alerts), 'utf8').trim().split('\n');
    expect(sent.length).toBeGreaterThan(0);
    expect(JSON.parse(sent[0])).toHaveProperty('ticketId');
    expect(r.stdout).toMatch(/^SLA report · .* \(5 days, America\/New_York\)/m);
    expect(r.stdout).toMatch(/FR compliance/);
  });

  /** The Quickstart in a fresh folder with a helpdesk export that has ticket 1234; then the commands block in it. */
  function quickstart() {
    const dir = tempDir('sla-readme-qs-');
    const rows = readFileSync(join(ROOT, 'examples', 'tickets.csv'), 'utf8').trimEnd().split('\n');
    // the README's ticket 1234: urgent, unanswered since Monday (breached by the pinned Friday)
    rows.push('1234,Export fails with error 500,user@initech.example,Initech,business,urgent,open,,support,email,,2026-11-16T09:00:00-05:00,,,,2026-11-16T09:00:00-05:00');
    writeFileSync(join(dir, 'tickets.csv'), rows.join('\n') + '\n');
    return dir;
  }

  it('Quickstart: init → config check → import → list → show → check → report, each exit 0', () => {
    const dir = quickstart();
    const r = runBlock(block('sla init').text, dir, DEMO_AT);
    expect(r.code, r.stderr).toBe(0);
    // "writes ./sla.config.json (a full example) and ./sla.db"
    expect(existsSync(join(dir, 'sla.config.json')) && existsSync(join(dir, 'sla.db'))).toBe(true);
    expect(r.stdout).toMatch(/31 rows read · 31 new/);
    expect(r.stdout).toMatch(/^Ticket 1234 — /m); // sla show 1234
    expect(r.stdout).toMatch(/^SLA report · /m);
  });

  it('the commands block: pause, resume by ana, lists, show as of Monday, a breach reason, recalc, audit', () => {
    const dir = quickstart();
    expect(runBlock(block('sla init').text, dir, DEMO_AT).code).toBe(0);
    const r = runBlock(block('sla pause 1234').text, dir, DEMO_AT);
    expect(r.code, r.stderr).toBe(0);
    const audit = sla(['--at', DEMO_AT, 'audit', '1234', '--format', 'json'], { cwd: dir });
    const entries = JSON.parse(audit.stdout) as Array<{ actor: string; action: string; reason: string | null }>;
    expect(entries.map((e) => [e.action, e.reason])).toEqual(expect.arrayContaining([
      ['pause', 'waiting for logs'], ['resume', 'logs arrived'], ['reason', 'engineering fix needed']]));
    expect(entries.find((e) => e.action === 'resume')?.actor).toBe('ana'); // sla --actor ana resume …
    expect(r.stdout).toMatch(/^Ticket 1234 — .*\nAs of:\s+2026-11-23 09:00/m); // sla show 1234 --at 2026-11-23T09:00
  });

  it('the report block: a week, November by tier as CSV for Excel, by day as Markdown, and as of Wednesday morning', () => {
    const dir = project();
    const env = { SLA_CONFIG: 'examples/sla.config.json' };
    expect(sla(['--at', DEMO_AT, 'import', 'examples/tickets.csv'], { cwd: dir, env }).code).toBe(0);
    const b = block('sla report --days 7');
    const r = runBlock(b.text, dir, DEMO_AT, env);
    expect(r.code, r.stderr).toBe(0);
    const csv = readFileSync(join(dir, 'november.csv'), 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff); // --excel: a BOM
    expect(csv.slice(1)).toMatch(/^tier,tickets,/); // --by tier
    expect(r.stdout).toMatch(/^\*\*SLA report · .* by day\*\*$/m); // --by day --format markdown
    expect(r.stdout).toMatch(/^\| .* \|$/m);
    // "--at 2026-11-18T09:00 # the numbers as they were Wednesday morning"
    const [, day, weekday] = /--at (\d{4}-\d\d-\d\d)T\S+\s+#.*as they were (\w+)day/.exec(b.text) ?? [];
    expect(new Date(`${day}T12:00Z`).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' })).toBe(`${weekday}day`);
    expect(r.stdout).toContain(`as of ${day} 09:00`);
  });

  const realLog = join(ROOT, '..', 'shared', 'data', 'helpdesk-events.csv');
  it.skipIf(!existsSync(realLog))('the real helpdesk log through helpdesk-events.json: the events and tickets the prose states', () => {
    const root = tempDir('sla-readme-log-');
    const dir = join(root, 'sla');
    mkdirSync(join(root, 'shared', 'data'), { recursive: true });
    symlinkSync(realLog, join(root, 'shared', 'data', 'helpdesk-events.csv'));
    mkdirSync(dir);
    project(dir);
    const r = runBlock(block('sla import ../shared/data/helpdesk-events.csv').text, dir, DEMO_AT, { SLA_CONFIG: 'examples/sla.config.json' });
    expect(r.code, r.stderr).toBe(0);
    const prose = /the full log gives ([^:]+):\s+([^.]+)\./.exec(README);
    expect(prose).not.toBeNull();
    const [, totals, kinds] = prose as RegExpExecArray;
    const n = (x: number) => x.toLocaleString('en-US');
    expect(r.stdout).toContain(`${n(stated(/([\d,]+) tickets/, totals))} new`);
    expect(r.stdout).toContain(`${n(stated(/([\d,]+) events/, totals))} events added · 0 rejected`);
    // the same import into a fresh database, for the counts by type
    const summary = sla(['--at', DEMO_AT, '--db', join(root, 'fresh.db'), 'import', '../shared/data/helpdesk-events.csv', '--mapping',
      'examples/mappings/helpdesk-events.json', '--dry-run', '--json'], { cwd: dir, env: { SLA_CONFIG: 'examples/sla.config.json' } });
    expect(summary.code, summary.stderr).toBe(0);
    const byType = JSON.parse(summary.stdout).eventsByType as Record<string, number>;
    expect(byType.status).toBe(stated(/([\d,]+) status changes/, kinds));
    expect(byType.reply).toBe(stated(/([\d,]+) replies/, kinds));
    expect(byType.note).toBe(stated(/([\d,]+) notes/, kinds));
    expect(byType.priority).toBe(stated(/([\d,]+) priority changes/, kinds));
    expect(r.stdout).toMatch(/^Ticket Case 1$/m); // sla show "Case 1"
  });
});

describe('README: each shipped mapping reads a sample export of its helpdesk', () => {
  const mappings = [...new Set([...README.matchAll(/examples\/mappings\/([\w-]+\.json)/g)].map((m) => m[1]))];
  const SAMPLE: Record<string, string> = { 'zendesk.json': 'zendesk-sample.csv', 'freshdesk.json': 'freshdesk-sample.csv', 'helpdesk-events.json': 'helpdesk-sample.csv' };
  it('every mapping the README names ships, has a sample here, and imports it without a reject', () => {
    expect(mappings.length).toBeGreaterThanOrEqual(3);
    for (const m of mappings) {
      expect(existsSync(join(ROOT, 'examples', 'mappings', m)), m).toBe(true);
      expect(SAMPLE[m], `a sample export for ${m} (test/fixtures/import)`).toBeDefined();
      const dir = tempDir('sla-readme-map-');
      writeJson(join(dir, 'sla.config.json'), baseConfig());
      const r = sla(['--at', DEMO_AT, 'import', join(ROOT, 'test', 'fixtures', 'import', SAMPLE[m]), '--mapping', join(ROOT, 'examples', 'mappings', m), '--json'], { cwd: dir });
      expect(r.code, `${m}: ${r.stderr}`).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.rejected, m).toBe(0);
      expect(s.ticketsNew, m).toBeGreaterThan(0);
    }
  });
});

describe('README: the worked numbers of "The SLA clock in plain words"', () => {
  const section = README.slice(README.indexOf('## The SLA clock in plain words'), README.indexOf('## Config reference'));

  /** A config with the calendars the prose describes: Mon–Fri office hours, and 24×7. */
  function clockProject(open: string, close: string): string {
    const dir = tempDir('sla-readme-clock-');
    writeJson(join(dir, 'sla.config.json'), baseConfig({
      calendars: {
        weekdays: { timezone: 'UTC', hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [`${open}-${close}`]])) },
        always: '24x7',
      },
      policies: [{ name: 'prose', calendar: 'always', targets: { high: { firstResponse: '1h', resolution: '8h' } } }],
    }));
    return dir;
  }
  const due = (dir: string, from: string, add: string): string => {
    const r = sla(['calendar', 'weekdays', '--from', from, '--add', add, '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).due as string;
  };
  const FRIDAY = '2026-11-20'; // a Friday; the following Monday is 2026-11-23
  const dayOf = (weekday: string): string => (weekday === 'Friday' ? FRIDAY : weekday === 'Monday' ? '2026-11-23' : '');

  it('created Friday 16:30 with a 4-hour target on a Mon–Fri calendar: due when the prose says', () => {
    const m = /created (Friday) (\d\d:\d\d) on a\s+Mon–Fri (\d\d:\d\d)–(\d\d:\d\d) calendar with a (\d+)-hour target[\s\S]*?due (\w+) (\d\d:\d\d)/.exec(section);
    expect(m, 'the prose of the Friday example').not.toBeNull();
    const [, day, at, open, close, hours, dueDay, dueAt] = m as RegExpExecArray;
    const dir = clockProject(open, close);
    expect(due(dir, `${dayOf(day)}T${at}`, `${hours}h`)).toMatch(new RegExp(`^${dayOf(dueDay)}T${dueAt}`));
  });

  it('a target that runs out exactly at closing is due at closing (the prose\'s Friday 17:00, not Monday 09:00)', () => {
    const m = /due at closing \((\w+) (\d\d:\d\d), not (\w+) (\d\d:\d\d)\)/.exec(section);
    expect(m, 'the prose of the closing-time example').not.toBeNull();
    const [, day, at] = m as RegExpExecArray;
    const dir = clockProject('09:00', at);
    expect(due(dir, `${dayOf(day)}T13:00`, '4h')).toMatch(new RegExp(`^${dayOf(day)}T${at}`));
  });

  it('a pause on a 24×7 calendar pushes the deadline out by the time it covers (the prose\'s numbers)', () => {
    const m = /paused (\d\d:\d\d)–(\d\d:\d\d) on a 24×7 calendar moves a\s+(\d\d:\d\d) deadline to (\d\d:\d\d)/.exec(section);
    expect(m, 'the prose of the pause example').not.toBeNull();
    const [, from, to, before, after] = m as RegExpExecArray;
    const dir = clockProject('09:00', '17:00');
    // a high ticket on the 24×7 policy (resolution 8 h), created 8 h before the prose's deadline
    const created = `${FRIDAY}T${String(Number(before.slice(0, 2)) - 8).padStart(2, '0')}:${before.slice(3)}Z`;
    writeFileSync(join(dir, 'log.csv'), ['ticket_id,at,type,value,priority', `P1,${created},created,,high`,
      `P1,${FRIDAY}T${from}Z,status,waiting_customer,high`, `P1,${FRIDAY}T${to}Z,status,open,high`].join('\n') + '\n');
    expect(sla(['--at', `${FRIDAY}T${to}Z`, 'import', 'log.csv', '--events'], { cwd: dir }).code).toBe(0);
    const t = JSON.parse(sla(['--at', `${FRIDAY}T${to}Z`, 'show', 'P1', '--format', 'json'], { cwd: dir }).stdout);
    expect(t.slaResolutionDue).toBe(`${FRIDAY}T${after}:00Z`);
  });
});
