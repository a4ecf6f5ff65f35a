// The `sla` program: global options and a lazy command table. Only commander is
// loaded at start; each command's module (and what it needs) loads when it runs,
// so `sla --help` and `sla --version` start fast.

import { UserError } from './errors.js';
import { safeText } from './render/safe-text.js';
import { METRICS } from './domain/metrics.js';
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { Context, GlobalOptions } from './commands/context.js';
import type { Holder } from './store/port.js';

type Action = (ctx: Context, ...args: any[]) => Promise<number>;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  wallClock?: () => number;
}

/** The holder note of a database (see Context.holdsWrites), or null. */
function readHolder(file: string): Holder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return null;
  }
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'; // alive, another user's
  }
};

/**
 * Node's and the libraries' warnings, printed with any password in a URL hidden: a
 * deprecation warning of Node's url.parse prints the URL it was given whole.
 */
let warningsRedacted = false;
function redactWarnings(): void {
  if (warningsRedacted) return;
  warningsRedacted = true;
  process.removeAllListeners('warning');
  process.on('warning', (w: Error & { code?: string }) => {
    const text = `${w.name}${w.code ? ` [${w.code}]` : ''}: ${w.message}`.replace(/(\/\/[^\s:@/]*):\S*@/g, '$1:***@');
    process.stderr.write(`sla: warning: ${text}\n`);
  });
}

/**
 * The real clock, shifted by SLA_CLOCK_SKEW_MS when set (a drill, or a test, of what a later
 * run sees of an earlier one's leases: a run started with 70000 acts 70 s later).
 */
function skewedClock(env: NodeJS.ProcessEnv): () => number {
  const skew = Number(env.SLA_CLOCK_SKEW_MS ?? 0);
  return Number.isFinite(skew) && skew !== 0 ? () => Date.now() + skew : Date.now;
}

/** The crontab line the README gives (a test keeps the two the same). */
const CRON_LINE = '*/5 * * * * sla --config /var/lib/sla/sla.config.json check --quiet';

export async function main(argv: string[], io: MainOptions = {}): Promise<number> {
  redactWarnings();
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  let exitCode = 0;
  let verbose = argv.includes('--verbose');

  // Runs a command module's `run` lazily with a fresh context.
  const lazy = (name: string) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const globals = mergedOptions(cmd) as GlobalOptions & Record<string, unknown>;
      verbose = Boolean(globals.verbose);
      const { Context } = await import('./commands/context.js');
      const ctx = new Context({
        globals,
        env,
        cwd: io.cwd ?? process.cwd(),
        // columns read when a table is drawn: a terminal resized meanwhile is drawn for
        stdout: { write: (s) => void stdout.write(s), isTTY: Boolean(stdout.isTTY), get columns() { return stdout.columns; } },
        stderr: { write: (s) => void stderr.write(s), isTTY: Boolean(stderr.isTTY) },
        wallClock: io.wallClock ?? skewedClock(env),
      });
      try {
        const mod = (await import(`./commands/${name}.js`)) as { run: Action };
        exitCode = await mod.run(ctx, ...args.slice(0, -1));
      } catch (err) {
        // A full disk, a read-only or damaged database, a lock held too long: the user's
        // situation, said as such (not "a bug in sla"). An error that says itself is left alone.
        if (typeof (err as { exitCode?: unknown } | null)?.exitCode === 'number') throw err;
        const { describeStoreFault } = await import('./store/port.js');
        const fault = await describeStoreFault(err, ctx.openedDatabase, ctx.osUser(), readHolder, pidAlive);
        if (fault) throw Object.assign(new Error(fault.message), { hint: fault.hint, exitCode: 1, stack: (err as Error)?.stack });
        throw err;
      } finally {
        ctx.close();
      }
    };

  const program = new Command();
  for (const [flags, description] of GLOBAL_OPTIONS) program.option(flags, description);
  program
    // Global options may come before or after the command (`sla --at T list`, `sla list --at T`):
    // every command also accepts them (hidden from its own help), and a command's own option
    // of the same name (audit's --actor filter) wins.
    .enablePositionalOptions()
    .name('sla')
    .description('SLA monitor for support teams: business-hours deadlines, alerts, escalations and reports.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void stdout.write(s),
      writeErr: (s) => void stderr.write(s),
      outputError: (s, write) => write(`sla: ${s.replace(/^error: /, '').trimEnd()} — see \`sla --help\`\n`),
    })
    .addHelpText(
      'after',
      examples(
        'sla init',
        'sla calendar office --from "2026-11-27T16:30" --add 4h',
        'sla due --priority urgent --tier enterprise',
      ),
    );

  program
    .command('init')
    .description('write a starter config and create the database')
    .option('--dir <dir>', 'folder for the config (unless --config) and the database, created if missing: a service\'s state directory')
    .option('--timezone <zone>', 'IANA time zone of the config (default: this machine\'s)')
    .option('--demo', 'write the full example (New York office, demo holidays, Slack/webhook/email destinations) instead of the starter', false)
    .option('--force', 'overwrite an existing config file', false)
    .addHelpText('after', examples('sla init', 'sla init --dir /var/lib/sla --timezone Europe/Berlin', 'sla init --demo', 'sla --config /etc/sla/sla.config.json init --force'))
    .action(lazy('init'));

  const config = program.command('config').description('check the config');
  config
    .command('check')
    .description('validate the config and lint it (unreachable policies, missing targets, unset secrets …)')
    .addHelpText('after', examples('sla config check', 'SLA_CONFIG=/etc/sla/sla.config.json sla config check --format json'))
    .action(lazy('config-check'));

  program
    .command('calendar')
    .description('business-time arithmetic on a calendar of the config: a deadline, the open time between two instants, or a month')
    .argument('<name>', 'calendar name from the config')
    .option('--from <time>', 'start instant (local to the calendar without an offset)')
    .option('--add <duration>', 'open time to add: 90m, 4h, 1h30m or minutes')
    .option('--to <time>', 'end instant: prints the open minutes between --from and --to')
    .option('--month <yyyy-mm>', 'list each day of the month with its open hours and holidays')
    .addHelpText(
      'after',
      examples(
        'sla calendar office --from 2025-10-31T16:30Z --add 4h',
        'sla calendar office --from 2026-12-23T09:00 --to 2026-12-28T17:00 --format json',
        'sla calendar office --month 2026-12',
      ),
    )
    .action(lazy('calendar'));

  program
    .command('due')
    .description('what-if: the policy, targets and deadlines a ticket like this would get')
    .requiredOption('--priority <p>', 'priority (aliases from the config apply)')
    .option('--tier <t>', 'customer tier')
    .option('--customer <c>', 'customer')
    .option('--group <g>', 'group')
    .option('--channel <c>', 'channel')
    .option('--tags <list>', 'tags, separated by ; or ,')
    .option('--field <key=value...>', 'any other ticket field a policy may match on')
    .option('--created <time>', 'creation instant (default: now, or --at)')
    .addHelpText(
      'after',
      examples(
        'sla due --priority urgent',
        'sla due --priority high --tier enterprise --created 2026-11-27T16:30',
        'sla due --priority low --field region=emea --format json',
      ),
    )
    .action(lazy('due'));

  program
    .command('import')
    .description('import tickets (one row per ticket) or an event log (--events) from a helpdesk export')
    .argument('[file]', 'CSV, JSON or NDJSON file, or - for standard input')
    .option('--input-format <format>', 'input format: csv, json or ndjson (default: from the mapping, else the file extension, else csv)')
    .option('--mapping <file|name>', 'mapping file for exports whose columns and words are not sla\'s, or the name of a ready-made one (zendesk, freshdesk, helpdesk-events: see --list-mappings)')
    .option('--list-mappings', 'list the ready-made mappings (name, what it reads, where it is)', false)
    .option('--events', 'the file is an event log: one row per change (ticket_id, at, type, value, actor)', false)
    .option('--dry-run', 'validate and report; commit nothing', false)
    .option('--strict', 'commit nothing if any row is bad', false)
    .option('--rejects <file>', 'write the rejected rows, with a reason column, to this CSV file')
    .option('--json', 'print the summary as JSON (for scripts)', false)
    .addHelpText(
      'after',
      examples(
        'sla import tickets.csv',
        'sla import export.csv --mapping zendesk --rejects bad.csv',
        'sla import helpdesk-events.csv --mapping examples/mappings/helpdesk-events.json',
        'curl -s https://helpdesk.example.com/export.ndjson | sla import - --input-format ndjson --json',
      ),
    )
    .action(lazy('import'));

  program
    .command('pull')
    .description('bring every change of a helpdesk (`sources` in the config) since the last pull into the database')
    .argument('<source>', 'the source\'s name under "sources"')
    .option('--since <time>', 'a first pull starts here (ISO 8601, or e.g. 30d; default 30 days ago); given later, the pull starts over from it')
    .option('--max-time <duration>', 'the time budget: stop after the page in hand when it runs out; the next pull resumes (default 4m)')
    .option('--quiet', 'print nothing when the pull is complete (cron)', false)
    .option('--json', 'print the summary as JSON (for scripts)', false)
    .addHelpText('after', examples('sla pull support', 'sla pull support --since 2026-10-01 --max-time 1h')
      + '\nFrom cron (a pull that did not get every change in exits 1, so the check waits for current data):\n'
      + '  */5 * * * * sla pull support --quiet && sla check --quiet\n')
    .action(lazy('pull'));

  // Agents' commands (SPEC §6)
  program
    .command('pause')
    .description('pause the running SLA clocks of a ticket (manual pause)')
    .argument('<id>', 'ticket id')
    .option('--reason <text>', 'why (required)')
    .option('--until <time|duration>', 'resume by itself at this instant, or after this long (e.g. 2h)')
    .addHelpText('after', examples('sla pause 1234 --reason "waiting for logs"', 'sla pause 1234 --reason "customer on holiday" --until 2026-12-01T09:00'))
    .action(lazy('pause'));
  program
    .command('resume')
    .description('resume a manually paused ticket')
    .argument('<id>', 'ticket id')
    .option('--reason <text>', 'why')
    .addHelpText('after', examples('sla resume 1234', 'sla resume 1234 --reason "logs arrived"'))
    .action(lazy('resume'));
  program
    .command('reset')
    .description('start a new SLA cycle for a ticket (alert and escalation state cleared)')
    .argument('<id>', 'ticket id')
    .option('--reason <text>', 'why (required)')
    .option('--recalculate', 're-select policy and targets from the ticket\'s current fields, measured from its original start', false)
    .addHelpText('after', examples('sla reset 1234 --reason "customer changed the request"', 'sla reset 1234 --reason "priority was wrong" --recalculate'))
    .action(lazy('reset'));
  program
    .command('escalate')
    .description('escalate a ticket by hand')
    .argument('<id>', 'ticket id')
    .option('--reason <text>', 'why (required)')
    .option('--to <user>', 'assign to this user')
    .option('--notify <destination>', 'alert destination to notify (from the config)')
    .addHelpText('after', examples('sla escalate 1234 --reason "VIP customer" --to duty-manager --notify breaches'))
    .action(lazy('escalate'));
  program
    .command('reason')
    .description('record why a breached metric was breached (for the post-mortem)')
    .argument('<id>', 'ticket id')
    .argument('<text>', 'the reason')
    .option('--metric <metric>', `${METRICS.join(' or ')} (default: the breached one; of several, the last named here)`)
    .addHelpText('after', examples('sla reason 1234 "waiting on engineering fix" --metric resolution'))
    .action(lazy('reason'));
  program
    .command('recalc')
    .description('apply the current config to open tickets; shows first how many deadlines move')
    .option('--dry-run', 'only show what would move', false)
    .addHelpText('after', examples('sla recalc --dry-run', 'sla recalc'))
    .action(lazy('recalc'));
  program
    .command('show')
    .description('everything about one ticket: policy and why, clocks, segments, history, alerts, audit')
    .argument('<id>', 'ticket id')
    .addHelpText('after', examples('sla show 1234', 'sla show 1234 --at 2026-11-23T09:00', 'sla show 1234 --format json'))
    .action(lazy('show'));
  program
    .command('list')
    .description('open tickets, most urgent first (or --all: every ticket created in a window, with final results)')
    .option('--status <status>', 'on_time, at_risk, breached or paused')
    .option('--metric <metric>', `${METRICS.join(' or ')} (which clock --status and --due-within look at)`)
    .option('--priority <p>', 'priority')
    .option('--tier <t>', 'tier')
    .option('--assignee <a>', 'assignee')
    .option('--unassigned', 'only tickets without an assignee', false)
    .option('--due-within <duration>', 'due within this much wall-clock time (e.g. 2h)')
    .option('--sort <key>', 'due, priority or created', 'due')
    .option('--limit <n>', 'at most this many rows')
    .option('--all', 'every ticket created in the window, resolved and closed ones too', false)
    .option('--since <date>', 'with --all: created at or after')
    .option('--until <date>', 'with --all: created before')
    .addHelpText('after', examples('sla list --status at_risk', 'sla list --unassigned --due-within 2h', 'sla list --status breached --format markdown', 'sla list --all --since 2026-11-01 --format csv > november.csv'))
    .action(lazy('list'));
  program
    .command('audit')
    .description('who did what, when and why')
    .argument('[id]', 'only this ticket')
    .option('--since <time>', 'entries at or after')
    .option('--actor <name>', 'only this actor')
    .addHelpText('after', examples('sla audit 1234', 'sla audit --since 2026-11-01 --actor ana --format csv'))
    .action(lazy('audit'));

  // Watching (SPEC §5)
  program
    .command('check')
    .description('one pass: record due warnings, breaches and escalations, queue and deliver alerts')
    .option('--dry-run', 'show what would fire; record and send nothing', false)
    .option('--no-deliver', 'record and queue, but do not deliver (a later run delivers)')
    .option('--fail-on <state>', 'exit 3 when tickets are in this state: breach or at-risk')
    .addHelpText('after', examples('sla check', 'sla check --dry-run --at 2026-11-27T09:00')
      + '\nFrom cron (the README\'s "Running it for real"; cron mails what a job prints to MAILTO,\nand --quiet leaves only errors and warnings):\n'
      + `  ${CRON_LINE}\n`)
    .action(lazy('check'));
  program
    .command('watch')
    .description('run `check` now and on a cron schedule until stopped (SIGINT/SIGTERM finish the run in progress)')
    .option('--schedule <cron>', 'cron expression (in the config timezone)', '*/5 * * * *')
    .option('--import <file>', 're-import this file before each check')
    .option('--mapping <file>', 'mapping for --import')
    .option('--metrics-textfile <file>', 'after each run, write `sla metrics` to FILE.prom (node_exporter\'s textfile collector)')
    .option('--pull <source>', 'pull this source (`sources` in the config) before each check; a check waits for a pull that got every change in')
    .addHelpText('after', examples('sla watch', 'sla watch --pull support', 'sla watch --schedule "* * * * *" --import /srv/exports/tickets.csv --mapping zendesk.json'))
    .action(lazy('watch'));
  program
    .command('alerts')
    .description('the alert outbox: pending, sent and failed alerts, and recent check runs')
    .option('--pending', 'only alerts not yet delivered', false)
    .option('--failed', 'only alerts that failed permanently', false)
    .option('--retry', 're-queue failed alerts for the next check', false)
    .option('--enable <name>', 'send to a destination again that a 410 Gone disabled')
    .addHelpText('after', examples('sla alerts --pending', 'sla alerts --failed --retry', 'sla alerts --enable hook'))
    .action(lazy('alerts'));
  program
    .command('runs')
    .description('recent `check` runs (when, how long, tickets evaluated, events, alerts sent and failed), or with --pulls the pulls')
    .option('--limit <n>', 'how many', '20')
    .option('--pulls', 'recent `sla pull`s instead: source, tickets, events, requests, cursor before and after, how each ended', false)
    .addHelpText('after', examples('sla runs', 'sla runs --format json', 'sla runs --pulls'))
    .action(lazy('runs'));

  program
    .command('db')
    .description('the database itself: copy it into another (a team\'s PostgreSQL database, or a file)')
    .command('copy')
    .description('copy every table into a new, empty database (postgres://… or a file), in one transaction, then verify it')
    .option('--to <database>', 'the database to copy into: a postgres:// URL or a SQLite file')
    .addHelpText('after', examples('sla db copy --to "$SLA_DATABASE_URL"', 'sla --db "$SLA_DATABASE_URL" db copy --to backup.db'))
    .action(lazy('db-copy'));

  program
    .command('metrics')
    .description('the monitor\'s state for Prometheus: open tickets, breaches, compliance, outbox, last check')
    .option('--textfile <file>', 'write it (atomically) to FILE.prom for node_exporter\'s textfile collector')
    .addHelpText('after', examples('sla metrics', 'sla metrics --textfile /var/lib/node_exporter/textfile_collector/sla.prom'))
    .action(lazy('metrics'));

  // Reports (SPEC §7)
  program
    .command('report')
    .description('SLA compliance of tickets created in a window, grouped')
    .option('--days <n>', 'the last N days, today included', '7')
    .option('--since <date>', 'window start (a date in the config timezone)')
    .option('--until <date>', 'window end (exclusive)')
    .option('--by <field>', 'priority, tier, policy, assignee, group, customer, breach_reason or day', 'priority')
    .option('--excel', 'with --format csv: add a BOM so Excel reads UTF-8', false)
    .addHelpText('after', examples('sla report --days 7', 'sla report --since 2026-11-01 --until 2026-12-01 --by tier --format csv', 'sla report --by day --format markdown'))
    .action(lazy('report'));

  addGlobalOptions(program);

  // Hidden, for the "no stack trace unless --verbose" contract's tests.
  program.addOption(new Option('--x-internal-crash').hideHelp());

  // `sla` alone, or `help` for a command there is none of, is a usage error (exit 2), not help asked for.
  const args = argv.slice(2);
  if (args.length === 0) {
    stderr.write(program.helpInformation());
    return 2;
  }
  if (args[0] === 'help' && args[1] !== undefined && !args[1].startsWith('-') && !program.commands.some((c) => c.name() === args[1])) {
    stderr.write(safeText(`sla: unknown command '${args[1]}' — see \`sla --help\``) + '\n');
    return 2;
  }

  try {
    if (args.includes('--x-internal-crash')) throw new Error('internal crash requested');
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err, verbose, (s) => void stderr.write(s));
  }
}

const GLOBAL_OPTIONS: Array<[string, string]> = [
  ['--config <path>', 'config file (else $SLA_CONFIG, else ./sla.config.json)'],
  ['--db <path>', 'database file (else $SLA_DB, else the config\'s "database")'],
  ['--at <time>', 'evaluate as of this instant instead of now (ISO 8601; local to the config timezone without an offset)'],
  ['--format <format>', 'output format: table, json, ndjson, csv, markdown (per command)'],
  ['--no-color', 'no colour (also NO_COLOR=1; colour is only used on a terminal)'],
  ['--quiet', 'print only errors'],
  ['--verbose', 'stack traces and details on errors'],
  ['--actor <name>', 'who is acting, for the audit log (else $SLA_ACTOR, else the OS user)'],
];

function addGlobalOptions(parent: Command): void {
  for (const cmd of parent.commands) {
    for (const [flags, description] of GLOBAL_OPTIONS) {
      const long = /--[\w-]+/.exec(flags)![0];
      if (cmd.options.some((o) => o.long === long)) continue;
      cmd.addOption(new Option(flags, description).hideHelp());
    }
    cmd.addHelpText('afterAll', '\nGlobal options (--config, --db, --at, --format, --no-color, --quiet, --verbose, --actor): see `sla --help`.\n');
    addGlobalOptions(cmd);
  }
}

/** Options of the command and its ancestors; what was given closest to the command wins. */
function mergedOptions(cmd: Command): Record<string, unknown> {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  const merged: Record<string, unknown> = {};
  for (const c of chain) {
    for (const [key, value] of Object.entries(c.opts())) {
      const source = c.getOptionValueSource(key);
      if (!(key in merged) || source === 'cli' || source === 'env') merged[key] = value;
    }
  }
  return merged;
}

function reportError(err: unknown, verbose: boolean, write: (s: string) => void): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return 2; // commander already printed the message
  }
  // A UserError, or one rebuilt from another thread's (message, hint and exit code only)
  const e = err as Error & { hint?: string; exitCode?: number };
  if (err instanceof UserError || (typeof e?.exitCode === 'number' && e.message)) {
    // a message may quote the user's data (an id, a cell): its control characters made inert
    write(safeText(`sla: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`) + '\n');
    if (verbose && e.stack) write(e.stack + '\n');
    return e.exitCode ?? 1;
  }
  write(safeText(`sla: ${e?.message ?? String(err)} — this is a bug in sla; run again with --verbose and report it`) + '\n');
  if (verbose && e?.stack) write(e.stack + '\n');
  return 1;
}
