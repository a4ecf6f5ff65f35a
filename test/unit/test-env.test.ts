// The suite's own guard: what a developer's shell holds does not reach a test or the CLI it runs.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childEnv, hermeticEnv, TEST_SWITCHES } from '../support/cli.js';

const SHELL = { PATH: '/usr/bin', HOME: '/home/x', TZ: 'Pacific/Chatham', SLA_CONFIG: 'examples/sla.config.json', SLA_DB: '/tmp/x.db',
  SLA_AT: '2026-11-20T16:00', SLA_ACTOR: 'ana', NO_COLOR: '1', FORCE_COLOR: '3', LANG: 'de_DE.UTF-8' };

describe('the environment tests run in', () => {
  it('drops every SLA_* variable and the colour settings, keeps the rest, and then applies what the test sets', () => {
    expect(hermeticEnv(SHELL)).toEqual({ PATH: '/usr/bin', HOME: '/home/x', TZ: 'Pacific/Chatham', LANG: 'de_DE.UTF-8' });
    expect(hermeticEnv(SHELL, { SLA_AT: '2025-01-01T00:00Z', TZ: undefined, FORCE_COLOR: '1' }))
      .toEqual({ PATH: '/usr/bin', HOME: '/home/x', LANG: 'de_DE.UTF-8', SLA_AT: '2025-01-01T00:00Z', FORCE_COLOR: '1' });
  });

  it('this test process has none of them (test/support/setup-env.ts), and a child started with childEnv sees only what the test set', () => {
    expect(Object.keys(process.env).filter((k) => /^(SLA_|NO_COLOR$|FORCE_COLOR$)/.test(k) && !TEST_SWITCHES.has(k))).toEqual([]);
    const r = spawnSync(process.execPath, ['-e', 'console.log(JSON.stringify(Object.keys(process.env).filter((k) => /^(SLA_|NO_COLOR|FORCE_COLOR)/.test(k)).sort()))'],
      { env: childEnv({ SLA_AT: '2025-01-01T00:00Z' }), encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toEqual(['NO_COLOR', 'SLA_ACTOR', 'SLA_AT', 'SLA_CHECK_PREPARE']);
  });
});
