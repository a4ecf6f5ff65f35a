import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The end-to-end suites that hold the two engines to the same assertions: with the test
 * PostgreSQL server there (.ci/postgres start; CI), they run a second time, each project's
 * database a new database on it (test/support/project.ts, SLA_TEST_ENGINE).
 */
const BOTH_ENGINES = [
  'test/e2e/import.test.ts', 'test/e2e/agents.test.ts', 'test/e2e/check.test.ts',
  'test/e2e/check-escalation.test.ts', 'test/e2e/report.test.ts', 'test/e2e/as-of.test.ts',
];

const common = {
  // The caller's SLA_* and colour variables never reach a test (test/support/cli.ts, childEnv).
  setupFiles: ['test/support/setup-env.ts'],
  // End-to-end tests spawn the built CLI (dist/, built by `npm test` before vitest runs).
  testTimeout: 30_000,
  hookTimeout: 30_000,
};

export default defineConfig({
  test: {
    // One test file per core, not vitest's default of one fewer: the end-to-end files spend
    // most of their time waiting on the CLI processes they spawn, their servers and the
    // database, so a second file fills that wait (on two cores the default is one file at a time).
    maxWorkers: availableParallelism(),
    projects: [
      { test: { ...common, name: 'sqlite', include: ['test/**/*.test.ts'] } },
      ...(process.env.SLA_TEST_POSTGRES_URL
        ? [{ test: { ...common, name: 'postgres', include: BOTH_ENGINES, env: { SLA_TEST_ENGINE: 'postgres' } } }]
        : []),
    ],
  },
});
