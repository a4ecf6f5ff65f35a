// Ticket data printed for people cannot act on the terminal: control characters (ESC, BEL,
// C1 CSI) and bidi overrides that come with a subject, a customer, a reason or an assignee
// are shown as visible, inert characters in list, show, audit, alerts, report (table and
// Markdown), the check summary and error messages; JSON keeps the data as it is (escaped by
// JSON). Off a terminal (as here) sla writes no escape sequence of its own.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

/** What a terminal acts on: C0 but tab and line feed, DEL, C1, bidi controls, line/paragraph separators. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CLEAR = '\u001b[2J\u001b[H';
const BIDI = 'evil\u202etxt.exe';

describe('terminal safety', () => {
  it('control and bidi characters from ticket data are inert in every output for people, kept in JSON', () => {
    const dir = tempDir('sla-term-');
    writeJson(join(dir, 'sla.config.json'), baseConfig({
      alerts: { destinations: { log: { type: 'file', path: 'alerts.ndjson' } }, routes: [{ to: ['log'] }] },
    }));
    // The importer stores C0/C1 controls of a file as U+FFFD already; bidi controls are text.
    writeFileSync(join(dir, 't.csv'), [
      'id,subject,customer,priority,status,assignee,created_at',
      `X1,${BIDI} invoice,Acme\u202e corp,urgent,open,ana\u2066,2025-11-03T09:00:00Z`,
    ].join('\n') + '\n');
    const run = (...args: string[]) => sla(['--at', '2025-11-03T12:00:00Z', ...args], { cwd: dir });
    expect(run('import', 't.csv').code).toBe(0);
    // Agents' commands take text from the command line as it is: a reason with a screen clear and a bell.
    expect(run('pause', 'X1', '--reason', `waiting${CLEAR}\u0007 \u009b31m`).code).toBe(0);
    expect(run('resume', 'X1', '--reason', `back\u202e`).code).toBe(0);
    expect(run('escalate', 'X1', '--to', `bo${CLEAR}`, '--reason', 'vip\u202e').code).toBe(0);

    const outputs: Record<string, string> = {
      list: run('list').stdout,
      listAll: run('list', '--all').stdout,
      show: run('show', 'X1').stdout,
      audit: run('audit').stdout,
      auditTicket: run('audit', 'X1').stdout,
      check: run('check').stdout,
      alerts: run('alerts').stdout,
      report: run('report', '--days', '7', '--by', 'customer').stdout,
      reportAssignee: run('report', '--days', '7', '--by', 'assignee').stdout,
      markdown: run('report', '--days', '7', '--by', 'customer', '--format', 'markdown').stdout,
      error: run('show', `nosuch${CLEAR}`).stderr,
    };
    for (const [name, text] of Object.entries(outputs)) {
      expect(text.length, name).toBeGreaterThan(0);
      expect(text, name).not.toMatch(UNSAFE);
    }
    expect(outputs.show).toContain('waiting␛[2J␛[H␇ \ufffd31m'); // visible, not acted on
    expect(outputs.show).toContain('evil\ufffdtxt.exe');

    // JSON keeps the data as it is
    const json = JSON.parse(run('show', 'X1', '--format', 'json').stdout);
    expect(JSON.stringify(json)).toContain('\\u001b[2J');
    expect(json.subject ?? json.ticket?.subject).toContain(BIDI);
  });
});
