// Colour by status only on a terminal: red breached, yellow at_risk, dim paused;
// none with NO_COLOR or --no-color (the e2e tests cover pipes).

import { describe, expect, it } from 'vitest';
import { slaInProcess } from '../support/cli.js';
import { project } from '../support/project.js';

/** On a terminal (standard output and error), with `env` as the whole environment. */
const run = (dir: string, args: string[], env: NodeJS.ProcessEnv = {}) => slaInProcess(args, { cwd: dir, env, terminal: true, stderrTerminal: true });

describe('list colours', () => {
  it('on a terminal: red breached, yellow at_risk, dim paused; never with NO_COLOR or --no-color', async () => {
    const { dir } = project({
      prefix: 'sla-colour-', importAt: '2025-11-03T14:30Z', tickets: [
        'id,subject,tier,priority,status,created_at,first_response_at,updated_at',
        'B,late,enterprise,urgent,open,2025-11-03T10:00:00Z,2025-11-03T10:05:00Z,',
        'R,risky,enterprise,urgent,open,2025-11-03T10:50:00Z,2025-11-03T10:55:00Z,',
        'P,waiting,enterprise,urgent,pending,2025-11-03T13:00:00Z,2025-11-03T13:05:00Z,2025-11-03T13:10:00Z',
      ].join('\n') + '\n',
    });
    const r = await run(dir, ['--at', '2025-11-03T14:30Z', 'list']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('\u001b[31mbreached\u001b[39m');
    expect(r.stdout).toContain('\u001b[33mat_risk\u001b[39m');
    expect(r.stdout).toContain('\u001b[2mpaused\u001b[22m');
    expect((await run(dir, ['--at', '2025-11-03T14:30Z', 'list'], { NO_COLOR: '1' })).stdout).not.toMatch(/\u001b\[/);
    expect((await run(dir, ['--at', '2025-11-03T14:30Z', '--no-color', 'list'])).stdout).not.toMatch(/\u001b\[/);
  });
});
