// The environment tests run in, and that of every process a test starts: a developer's shell
// must not change what a test sees (the README's demo exports SLA_CONFIG and SLA_AT; a
// terminal may set NO_COLOR or FORCE_COLOR). test/setup-env.ts applies it to the test
// processes themselves; every child process gets its environment from hermeticEnv.

/** Variables of the caller's environment that no test inherits. */
export const LEAKING = /^(SLA_.*|NO_COLOR|FORCE_COLOR)$/;
/** Switches of the test suite itself (not of the CLI), kept in the test processes. */
export const TEST_SWITCHES: ReadonlySet<string> = new Set(['SLA_UPDATE_SCHEMA']);

/**
 * `base` without any SLA_* variable or colour setting, then `set` on top (a value of
 * undefined removes that variable).
 */
export function hermeticEnv(base: NodeJS.ProcessEnv, set: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!LEAKING.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The environment of a CLI child process: hermetic, no colours, actor "tester", then `set`. */
export function cliEnv(set: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return hermeticEnv(process.env, { NO_COLOR: '1', SLA_ACTOR: 'tester', ...set });
}
