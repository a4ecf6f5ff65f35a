import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The caller's SLA_* and colour variables never reach a test (test/support/cli.ts, childEnv).
    setupFiles: ['test/support/setup-env.ts'],
    // End-to-end tests spawn the built CLI (dist/, built by `npm test` before vitest runs).
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
