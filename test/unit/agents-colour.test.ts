// Colour by status only on a terminal: red breached, yellow at_risk, dim paused;
// none with NO_COLOR or --no-color (the e2e tests cover pipes).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseConfig, tempDir, writeJson } from '../e2e/helpers.js';

function tty() {
  let text = '';
  return { stream: { write: (s: string) => { text += s; return true; }, isTTY: true } as unknown as NodeJS.WritableStream & { isTTY: boolean }, text: () => text };
}

// The built CLI (dist/, built before the tests run): its commands load lazily by file name.
const cli = new URL('../../dist/cli.js', import.meta.url).href;

async function run(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const { main } = (await import(/* @vite-ignore */ cli)) as typeof import('../../src/cli.js');
  const out = tty();
  const err = tty();
  const code = await main(['node', 'sla', ...args], { cwd: dir, env: { SLA_ACTOR: 't', ...env }, stdout: out.stream, stderr: err.stream });
  return { code, out: out.text(), err: err.text() };
}

describe('list colours', () => {
  it('on a terminal: red breached, yellow at_risk, dim paused; never with NO_COLOR or --no-color', async () => {
    const dir = tempDir('sla-colour-');
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    writeFileSync(join(dir, 't.csv'), [
      'id,subject,tier,priority,status,created_at,first_response_at,updated_at',
      'B,late,enterprise,urgent,open,2025-11-03T10:00:00Z,2025-11-03T10:05:00Z,',
      'R,risky,enterprise,urgent,open,2025-11-03T10:50:00Z,2025-11-03T10:55:00Z,',
      'P,waiting,enterprise,urgent,pending,2025-11-03T13:00:00Z,2025-11-03T13:05:00Z,2025-11-03T13:10:00Z',
    ].join('\n') + '\n');
    const imp = await run(dir, ['--at', '2025-11-03T14:30Z', 'import', 't.csv']);
    expect(imp.code, imp.err).toBe(0);
    const r = await run(dir, ['--at', '2025-11-03T14:30Z', 'list']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('\u001b[31mbreached\u001b[39m');
    expect(r.out).toContain('\u001b[33mat_risk\u001b[39m');
    expect(r.out).toContain('\u001b[2mpaused\u001b[22m');
    expect((await run(dir, ['--at', '2025-11-03T14:30Z', 'list'], { NO_COLOR: '1' })).out).not.toMatch(/\u001b\[/);
    expect((await run(dir, ['--at', '2025-11-03T14:30Z', '--no-color', 'list'])).out).not.toMatch(/\u001b\[/);
  });
});
