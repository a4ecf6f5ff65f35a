// `sla pull` from Jira Service Management, against a local server that answers as Atlassian's
// REST reference documents (test/support/jira.ts cites the pages): enhanced JQL search with
// nextPageToken (the last page without one), changelogs cut to their latest entries in a search,
// comments with their visibility and their authors' account types, the user's time zone for JQL.
// The SLA numbers are worked by hand in the comments (one 24×7 policy; waiting for the customer
// pauses).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alwaysConfig, project, type Project } from '../support/project.js';
import { FakeJira } from '../support/jira.js';
import { histories, killedPulls } from '../support/pull.js';

let jira: FakeJira;
beforeAll(async () => { jira = await FakeJira.start(); });
afterAll(async () => { await jira.close(); });
afterEach(() => { jira.issues.clear(); jira.log.length = 0; jira.maxResults = 100; jira.delayMs = 0; });

const T = (hhmm: string, day = '02'): string => `2026-11-${day}T${hhmm}:00Z`;

function jiraProject(over: Record<string, unknown> = {}): Project {
  return project({
    config: alwaysConfig({
      priorityAliases: { highest: 'urgent' },
      sources: { jsm: { type: 'jira', site: 'acme', email: 'ops@acme.example', token: '$JIRA_TOKEN', jql: 'project = SUP', url: jira.url, ...over } },
    }),
    env: { JIRA_TOKEN: jira.token },
  });
}

async function pull(p: Project, at: string, ...args: string[]): Promise<any> {
  const r = await p.slaAsync(['--at', at, 'pull', 'jsm', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('sla pull (Jira Service Management)', () => {
  it('transitions, comments and priority changes give the hand-worked SLA numbers; long changelogs and comment lists are read whole', async () => {
    const rae = jira.user('c-rae', 'Rae Customer', 'customer');
    const cal = jira.user('c-cal', 'Cal Colleague', 'customer');
    const ana = jira.user('a-ana', 'Ana Agent', 'atlassian');
    // SUP-1 (High: 2h / 8h): a participant's public comment and Ana's internal one are no
    // response; Ana's public comment at 10:00 is (60 min). Waiting for customer 10:00–11:00
    // pauses; resolved 12:00: 09:00–10:00 and 11:00–12:00 = 120 min.
    jira.create('SUP-1', T('09:00'), rae, { priority: 'High', summary: 'VPN down', labels: ['vpn'] });
    jira.comment('SUP-1', T('09:20'), cal);
    jira.comment('SUP-1', T('09:30'), ana, false);
    jira.comment('SUP-1', T('10:00'), ana);
    jira.change('SUP-1', T('10:00'), ana, { status: 'Waiting for customer', assignee: ana });
    jira.comment('SUP-1', T('11:00'), rae);
    jira.change('SUP-1', T('11:00'), ana, { status: 'Waiting for support' });
    jira.change('SUP-1', T('12:00'), ana, { status: 'Resolved' });
    // SUP-2 (Medium: 4h / 16h): raised to Highest at 09:30 — the targets stay Medium's; in
    // progress from 09:45; no response: due 13:00, breached by 14:00.
    jira.create('SUP-2', T('09:00'), rae, { priority: 'Medium' });
    jira.change('SUP-2', T('09:30'), ana, { priority: 'Highest' });
    jira.change('SUP-2', T('09:45'), ana, { status: 'In Progress' });
    // SUP-3 (Medium): 45 transitions (more than a search carries) and 25 comments (likewise);
    // the first public agent comment is the 22nd, at 10:22.
    jira.create('SUP-3', T('09:00'), rae, { priority: 'Medium' });
    for (let k = 1; k <= 45; k++) jira.change('SUP-3', `2026-11-02T09:${String(k).padStart(2, '0')}:30Z`, ana, { status: k % 2 ? 'In Progress' : 'Waiting for support' });
    for (let k = 1; k <= 25; k++) jira.comment('SUP-3', `2026-11-02T10:${String(k).padStart(2, '0')}:00Z`, k < 22 ? rae : ana, true);

    const p = jiraProject();
    const s = await pull(p, T('14:00'), '--since', '2026-11-01T00:00Z');
    expect(s).toMatchObject({ status: 'ok', ticketsNew: 3, firstPull: true });
    // JQL in the API user's zone (Europe/Berlin, UTC+1 in November), to the minute
    const search = jira.log.find((l) => l.path === '/rest/api/3/search/jql')!;
    expect(search.query.get('jql')).toBe('(project = SUP) AND updated >= "2026/11/01 01:00" ORDER BY updated ASC, key ASC');
    expect(jira.log.map((l) => l.path)).toEqual(expect.arrayContaining(['/rest/api/3/issue/SUP-3/changelog', '/rest/api/3/issue/SUP-3/comment']));

    const s1 = p.show('SUP-1', T('14:00'));
    expect(s1).toMatchObject({ status: 'resolved', priority: 'high', subject: 'VPN down', assignee: 'Ana Agent', requester: 'rae.customer@example.com', tags: ['vpn'] });
    expect(s1.metrics.first_response).toMatchObject({ status: 'met', elapsed: 60 });
    expect(s1.metrics.resolution).toMatchObject({ status: 'met', elapsed: 120 });
    expect(s1.slaTotalPausedTime).toBe(60);
    const s2 = p.show('SUP-2', T('14:00'));
    expect(s2).toMatchObject({ status: 'in_progress', priority: 'urgent' });
    expect(s2.metrics.first_response).toMatchObject({ status: 'breached', target: 240, dueAt: T('13:00') });
    const s3 = p.show('SUP-3', T('14:00'));
    expect(s3.firstResponseAt).toBe('2026-11-02T10:22:00Z');
    // created in Waiting for support (open), then the 45 transitions
    expect(s3.events.filter((e: any) => e.type === 'status')).toHaveLength(46);
  });

  it('pages through the search, pulls only what changed, and reads again the issues of the cursor\'s minute without doubling them', async () => {
    const rae = jira.user('c-rae', 'Rae Customer', 'customer');
    const ana = jira.user('a-ana', 'Ana Agent', 'atlassian');
    for (let k = 1; k <= 7; k++) jira.create(`SUP-${k}`, T(`09:0${k}`), rae, { priority: 'High' });
    jira.maxResults = 3;
    const p = jiraProject();
    const first = await pull(p, T('12:00'), '--since', '2026-11-02T00:00Z');
    expect(first).toMatchObject({ status: 'ok', ticketsNew: 7, pages: 3 });
    jira.change('SUP-2', T('11:00'), ana, { status: 'In Progress' });
    jira.log.length = 0;
    const second = await pull(p, T('12:00'));
    // SUP-7 (the cursor's minute, 09:07) is read again and known; SUP-2 changed
    expect(second).toMatchObject({ status: 'ok', ticketsUpdated: 1, ticketsUnchanged: 1, events: 1 });
    expect(jira.log.find((l) => l.path === '/rest/api/3/search/jql')!.query.get('jql')).toContain('updated >= "2026/11/02 10:07"');
    expect(p.show('SUP-2', T('12:00')).status).toBe('in_progress');
  });

  it('a wrong token, an ORDER BY in the config: one line each', async () => {
    const p = jiraProject();
    const r = await p.slaAsync(['pull', 'jsm'], { env: { JIRA_TOKEN: 'bad' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/jsm: the helpdesk refused the credentials \(HTTP 401\) — check sources\.jsm\.email and the API token in \$JIRA_TOKEN/);
    const q = jiraProject({ jql: 'project = SUP ORDER BY created' });
    const r2 = q.sla(['pull', 'jsm']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/sources\.jsm\.jql: give the condition only/);
  });

  /** Twenty issues with replies, waits and resolutions. */
  function many(): void {
    const rae = jira.user('c-rae', 'Rae Customer', 'customer');
    const ana = jira.user('a-ana', 'Ana Agent', 'atlassian');
    for (let k = 1; k <= 20; k++) {
      const key = `SUP-${k}`;
      jira.create(key, `2026-11-03T${String(8 + (k % 10)).padStart(2, '0')}:${String(k).padStart(2, '0')}:00Z`, rae, { priority: k % 2 ? 'High' : 'Medium' });
      jira.comment(key, `2026-11-04T09:${String(k).padStart(2, '0')}:00Z`, ana);
      jira.change(key, `2026-11-04T10:${String(k).padStart(2, '0')}:00Z`, ana, { status: k % 3 ? 'Waiting for customer' : 'Resolved' });
    }
  }

  it('rides out a 429 (Retry-After) and a 500 in the middle of a walk: the same issues as a clean pull', async () => {
    many();
    const clean = jiraProject();
    await pull(clean, T('12:00', '05'), '--since', '2026-11-01T00:00Z');
    jira.maxResults = 3;
    jira.fault(/search\/jql.*nextPageToken/, 429, '1');
    jira.fault(/search\/jql.*nextPageToken/, 500);
    jira.log.length = 0;
    const p = jiraProject();
    await pull(p, T('12:00', '05'), '--since', '2026-11-01T00:00Z');
    expect(jira.log.map((l) => l.status)).toEqual(expect.arrayContaining([429, 500]));
    expect(histories(p)).toEqual(histories(clean));
  });

  it('killed at 20 random moments, then pulled again: exactly the history of one uninterrupted pull', async () => {
    many();
    const clean = jiraProject();
    await pull(clean, T('12:00', '05'), '--since', '2026-11-01T00:00Z');
    jira.maxResults = 2;
    jira.delayMs = 70;
    await killedPulls(jiraProject(), clean, ['--at', T('12:00', '05'), 'pull', 'jsm', '--since', '2026-11-01T00:00Z'], jira);
  }, 60_000);
});

