// Tables fit the terminal's real width (process.stdout.columns): the column of free text (a
// subject, an error) takes what the others leave; 80 characters when not on a terminal.

import { describe, expect, it } from 'vitest';
import { slaInProcess } from '../support/cli.js';
import { project } from '../support/project.js';

/** The table lines `sla ARGS` prints on a terminal of `columns` (null: in a pipe). */
async function run(dir: string, args: string[], columns: number | null) {
  const r = await slaInProcess(args, { cwd: dir, env: { NO_COLOR: '1' }, terminal: columns ?? false });
  return { code: r.code, lines: r.stdout.split('\n').filter((l) => l.startsWith('|') || l.startsWith('+') || l.startsWith('│') || l.startsWith('┌')) };
}

const widest = (lines: string[]): number => Math.max(...lines.map((l) => [...l].length));

describe('tables and the terminal width', () => {
  it('list: the subject takes what the terminal leaves; 80 off a terminal', async () => {
    const long = 'The printer on the third floor prints every page twice and then jams on the last one';
    const { dir } = project({
      prefix: 'sla-width-', importAt: '2025-11-03T11:00Z',
      tickets: `id,subject,priority,status,created_at\nW1,${long},urgent,open,2025-11-03T10:00:00Z\nW2,short,high,open,2025-11-03T10:30:00Z\n`,
    });
    const pipe = await run(dir, ['--at', '2025-11-03T11:00Z', 'list'], null);
    const wide = await run(dir, ['--at', '2025-11-03T11:00Z', 'list'], 160);
    const narrow = await run(dir, ['--at', '2025-11-03T11:00Z', 'list'], 100);
    expect(widest(pipe.lines)).toBe(80);
    expect(widest(narrow.lines)).toBe(100);
    expect(widest(wide.lines)).toBeLessThanOrEqual(160);
    expect(wide.lines.join('\n')).toContain(long); // room for all of it
    expect(narrow.lines.join('\n')).not.toContain(long);
    expect(narrow.lines.join('\n')).toContain('The printer on the third floor');
  });

  it('report: a table wider than the terminal is cut by columns, a metric kept whole; one table when there is room', async () => {
    const { dir } = project({
      prefix: 'sla-width-report-', importAt: '2025-11-03T16:00Z',
      tickets: 'id,subject,priority,status,created_at\nR1,a,urgent,open,2025-11-03T10:00:00Z\nR2,b,high,resolved,2025-11-03T10:30:00Z\n',
    });
    const heads = (lines: string[]) => lines.filter((l) => l.startsWith('| Priority'));
    for (const columns of [null, 100, 120, 200]) {
      const r = await run(dir, ['--at', '2025-11-03T16:00Z', 'report', '--days', '1'], columns);
      expect(r.code).toBe(0);
      expect(widest(r.lines), String(columns)).toBeLessThanOrEqual(columns ?? 80);
      // every column is there once, whatever the cut
      const names = heads(r.lines).flatMap((l) => l.split('|').slice(2, -1).map((c) => c.trim()));
      for (const c of ['Tickets', 'FR met', 'FR compliance', 'Res met', 'Res compliance', 'Escalations', 'FR avg', 'Res p95', 'Open', 'Paused share']) {
        expect(names.filter((n) => n === c), `${c} at ${columns}`).toHaveLength(1);
      }
      // the compliance table (141 characters here) fits whole only at 200; cut, it keeps each metric's four columns together
      for (const h of heads(r.lines).filter((l) => l.includes(' met '))) {
        expect(h.includes('| FR met') && h.includes('| Res met'), `${columns}: ${h}`).toBe(columns === 200);
        if (h.includes('| FR met')) expect(h).toContain('| FR compliance');
        if (h.includes('| Res met')) expect(h).toContain('| Res compliance');
      }
    }
    // 200 columns: the three tables as they were, uncut
    expect(heads((await run(dir, ['--at', '2025-11-03T16:00Z', 'report', '--days', '1'], 200)).lines)).toHaveLength(3);
  });
});
