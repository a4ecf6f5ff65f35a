// Runs in every test process before its tests (vitest setupFiles): see test/env.ts.
import { LEAKING, TEST_SWITCHES } from './env.js';

for (const k of Object.keys(process.env)) if (LEAKING.test(k) && !TEST_SWITCHES.has(k)) delete process.env[k];
