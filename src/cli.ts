// The `sla` program: global options and a lazy command table. Only commander is
// loaded at start; each command's module (and what it needs) loads when it runs,
// so `sla --help` and `sla --version` start fast.

import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { Context, GlobalOptions } from './commands/context.js';

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
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  wallClock?: () => number;
}

export async function main(argv: string[], io: MainOptions = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  let exitCode = 0;
  let verbose = argv.includes('--verbose');

  // Runs a command module's `run` lazily with a fresh context.
  const lazy = (load: () => Promise<{ run: Action }>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const globals = cmd.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
      verbose = Boolean(globals.verbose);
      const { Context } = await import('./commands/context.js');
      const ctx = new Context({
        globals,
        env,
        cwd: io.cwd ?? process.cwd(),
        stdout: { write: (s) => void stdout.write(s), isTTY: Boolean(stdout.isTTY) },
        stderr: { write: (s) => void stderr.write(s), isTTY: Boolean(stderr.isTTY) },
        wallClock: io.wallClock ?? Date.now,
      });
      try {
        const mod = await load();
        exitCode = await mod.run(ctx, ...args.slice(0, -1));
      } finally {
        ctx.close();
      }
    };

  const program = new Command();
  program
    .name('sla')
    .description('SLA monitor for support teams: business-hours deadlines, alerts, escalations and reports.')
    .version(version(), '-V, --version')
    .option('--config <path>', 'config file (else $SLA_CONFIG, else ./sla.config.json)')
    .option('--db <path>', 'database file (else $SLA_DB, else the config\'s "database")')
    .option('--at <time>', 'evaluate as of this instant instead of now (ISO 8601; local to the config timezone without an offset)')
    .option('--format <format>', 'output format: table, json, csv (per command)')
    .option('--no-color', 'no colour (also NO_COLOR=1; colour is only used on a terminal)')
    .option('--quiet', 'print only errors')
    .option('--verbose', 'stack traces and details on errors')
    .option('--actor <name>', 'who is acting, for the audit log (else $SLA_ACTOR, else the OS user)')
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
    .option('--force', 'overwrite an existing config file', false)
    .addHelpText('after', examples('sla init', 'sla --config /etc/sla/sla.config.json init --force'))
    .action(lazy(() => import('./commands/init.js')));

  const config = program.command('config').description('check the config');
  config
    .command('check')
    .description('validate the config and lint it (unreachable policies, missing targets, unset secrets …)')
    .addHelpText('after', examples('sla config check', 'SLA_CONFIG=/etc/sla/sla.config.json sla config check --format json'))
    .action(lazy(() => import('./commands/config-check.js')));

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
    .action(lazy(() => import('./commands/calendar.js')));

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
    .action(lazy(() => import('./commands/due.js')));

  // Hidden, for the "no stack trace unless --verbose" contract's tests.
  program.addOption(new Option('--x-internal-crash').hideHelp());

  try {
    if (argv.slice(2).includes('--x-internal-crash')) throw new Error('internal crash requested');
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err, verbose, (s) => void stderr.write(s));
  }
}

function reportError(err: unknown, verbose: boolean, write: (s: string) => void): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return 2; // commander already printed the message
  }
  const e = err as Error & { hint?: string; exitCode?: number };
  if (typeof e?.exitCode === 'number' && e.message) {
    write(`sla: ${e.message}${e.hint ? ` — ${e.hint}` : ''}\n`);
    if (verbose && e.stack) write(e.stack + '\n');
    return e.exitCode;
  }
  write(`sla: ${e?.message ?? String(err)} — this is a bug in sla; run again with --verbose and report it\n`);
  if (verbose && e?.stack) write(e.stack + '\n');
  return 1;
}
