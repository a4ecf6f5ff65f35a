// Runs in every test process before its tests (vitest setupFiles): see childEnv in ./cli.ts.
import { LEAKING, TEST_SWITCHES } from './cli.js';

for (const k of Object.keys(process.env)) if (LEAKING.test(k) && !TEST_SWITCHES.has(k)) delete process.env[k];
