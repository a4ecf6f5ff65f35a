// One kind of error the user can fix (src/errors.ts): message, hint and exit code, whatever
// room it comes from; the CLI prints `sla: message — hint` and exits with its code.
import { describe, expect, it } from 'vitest';
import { CliError, usageError } from '../../src/commands/context.js';
import { ConfigError } from '../../src/config/errors.js';
import { UserError } from '../../src/errors.js';
import { ImportError } from '../../src/import/errors.js';
import { StoreError } from '../../src/store/port.js';
import { slaInProcess } from '../support/cli.js';

describe('UserError', () => {
  it('is what the four rooms throw, each with its message, hint and exit code', () => {
    const errors = [
      new CliError('no such ticket', 'see `sla list`'), usageError('bad option', 'see --help'),
      new ConfigError('policies[0]: no calendar'), new ImportError('no header row', 'add one'),
      new StoreError('database is locked', 'wait, or stop `sla watch`'),
    ];
    expect(errors.every((e) => e instanceof UserError && e instanceof Error)).toBe(true);
    expect(errors.map((e) => [e.name, e.message, e.hint, e.exitCode])).toEqual([
      ['CliError', 'no such ticket', 'see `sla list`', 1], ['CliError', 'bad option', 'see --help', 2],
      ['ConfigError', 'policies[0]: no calendar', '', 2], ['ImportError', 'no header row', 'add one', 2],
      ['StoreError', 'database is locked', 'wait, or stop `sla watch`', 1],
    ]);
  });

  it('reaches the user as one line with its hint, and its exit code', async () => {
    // a missing config file: a ConfigError from loading (exit 2)
    const { code, stderr: err } = await slaInProcess(['--config', '/nonexistent/sla.config.json', 'list']);
    expect(code).toBe(2);
    expect(err).toMatch(/^sla: .*sla\.config\.json/);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).not.toContain('this is a bug');
  });
});
