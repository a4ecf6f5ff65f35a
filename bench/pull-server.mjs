// The pull bench's helpdesk: a local server (its own process, so that its CPU is its own) with
// N synthetic tickets made on request from their number (seeded: the same every run), in two
// shapes of the APIs the tests' fake servers follow (test/support/zendesk.ts, jira.ts):
// - Zendesk: the cursor-based incremental export (1,000 a page), each ticket's audits (one
//   request a ticket), users show_many;
// - Jira: enhanced search (100 issues a page, changelog and comments inline), /myself.
// Each ticket: created, an agent's public reply that sets it pending an hour later, the
// customer's answer (open) at three hours, solved at five (three in four; the rest stay open).
//   node bench/pull-server.mjs N   → prints the port, serves until killed
import { createServer } from 'node:http';

const N = Number(process.argv[2] ?? 100_000);
const T0 = Date.parse('2026-10-01T00:00:00Z');
const STEP = 20_000; // a ticket every 20 s: 100,000 tickets over 23 days
const H = 3_600_000;
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const AUTH_ZD = `Basic ${Buffer.from('ops@acme.example/token:bench-token').toString('base64')}`;
const AUTH_JIRA = `Basic ${Buffer.from('ops@acme.example:bench-token').toString('base64')}`;

const created = (i) => T0 + i * STEP;
const solved = (i) => i % 4 !== 3;
const updated = (i) => created(i) + (solved(i) ? 5 * H : 3 * H);

function zTicket(i) {
  return {
    id: i, subject: `Ticket ${i} about the printer`, status: solved(i) ? 'solved' : 'open', priority: PRIORITIES[i % 4], type: 'question',
    requester_id: 100 + (i % 50), submitter_id: 100 + (i % 50), assignee_id: 10 + (i % 5), group_id: 7, organization_id: 500 + (i % 40),
    tags: i % 3 ? ['printer'] : ['printer', 'vip'], custom_fields: [{ id: 360, value: i % 5 ? 'standard' : 'gold' }], via: { channel: 'web' },
    created_at: iso(created(i)), updated_at: iso(updated(i)), generated_timestamp: Math.floor(updated(i) / 1000),
  };
}

function zAudits(i) {
  const c = created(i);
  const req = 100 + (i % 50);
  const agent = 10 + (i % 5);
  const id = i * 10;
  const audits = [
    { id: id + 1, ticket_id: i, created_at: iso(c), author_id: req, via: { channel: 'web' }, events: [
      { id: id * 10 + 1, type: 'Comment', public: true, author_id: req, body: 'help' },
      { id: id * 10 + 2, type: 'Create', field_name: 'status', value: 'new' },
      { id: id * 10 + 3, type: 'Create', field_name: 'priority', value: PRIORITIES[i % 4] },
      { id: id * 10 + 4, type: 'Create', field_name: 'subject', value: `Ticket ${i} about the printer` },
    ] },
    { id: id + 2, ticket_id: i, created_at: iso(c + H), author_id: agent, via: { channel: 'web' }, events: [
      { id: id * 10 + 5, type: 'Comment', public: true, author_id: agent, body: 'on it' },
      { id: id * 10 + 6, type: 'Change', field_name: 'status', value: 'pending', previous_value: 'new' },
      { id: id * 10 + 7, type: 'Change', field_name: 'assignee_id', value: String(agent), previous_value: null },
    ] },
    { id: id + 3, ticket_id: i, created_at: iso(c + 3 * H), author_id: req, via: { channel: 'email' }, events: [
      { id: id * 10 + 8, type: 'Comment', public: true, author_id: req, body: 'thanks' },
      { id: id * 10 + 9, type: 'Change', field_name: 'status', value: 'open', previous_value: 'pending' },
    ] },
  ];
  if (solved(i)) {
    audits.push({ id: id + 4, ticket_id: i, created_at: iso(c + 5 * H), author_id: agent, via: { channel: 'web' }, events: [
      { id: id * 10 + 10, type: 'Change', field_name: 'status', value: 'solved', previous_value: 'open' },
    ] });
  }
  return audits;
}

const jiraTime = (ms) => new Date(ms).toISOString().replace('Z', '+0000');
const JPRIO = ['Highest', 'High', 'Medium', 'Low'];
function jIssue(i) {
  const c = created(i);
  const reporter = { accountId: `c-${i % 50}`, displayName: `Customer ${i % 50}`, emailAddress: `c${i % 50}@example.com`, accountType: 'customer' };
  const agent = { accountId: `a-${i % 5}`, displayName: `Agent ${i % 5}`, accountType: 'atlassian' };
  const histories = [
    { id: String(i * 10 + 1), created: jiraTime(c + H), author: agent, items: [
      { field: 'status', fromString: 'Waiting for support', toString: 'Waiting for customer' },
      { field: 'assignee', fromString: null, toString: agent.displayName },
    ] },
    { id: String(i * 10 + 2), created: jiraTime(c + 3 * H), author: agent, items: [{ field: 'status', fromString: 'Waiting for customer', toString: 'Waiting for support' }] },
  ];
  if (solved(i)) histories.push({ id: String(i * 10 + 3), created: jiraTime(c + 5 * H), author: agent, items: [{ field: 'status', fromString: 'Waiting for support', toString: 'Resolved' }] });
  const comments = [
    { id: String(i * 10 + 4), created: jiraTime(c + H), author: agent, jsdPublic: true },
    { id: String(i * 10 + 5), created: jiraTime(c + 3 * H), author: reporter, jsdPublic: true },
  ];
  const status = solved(i) ? { name: 'Resolved', statusCategory: { key: 'done' } } : { name: 'Waiting for support', statusCategory: { key: 'new' } };
  return {
    id: String(10_000 + i), key: `SUP-${i}`,
    fields: {
      summary: `Issue ${i} about the printer`, status, priority: { name: JPRIO[i % 4] }, assignee: agent, reporter,
      created: jiraTime(c), updated: jiraTime(updated(i)), labels: ['printer'], issuetype: { name: 'Service request' },
      comment: { comments, maxResults: 20, total: comments.length, startAt: 0 },
    },
    changelog: { startAt: 0, maxResults: 40, total: histories.length, histories: [...histories].reverse() },
  };
}

/** The first ticket (1-based) whose update is at or after `ms`. */
const firstAtOrAfter = (ms) => Math.max(1, Math.min(N + 1, Math.ceil((ms - (5 * H) - T0) / STEP)));

const server = createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const send = (status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const p = u.pathname;
  if (p.startsWith('/api/v2/')) {
    if (req.headers.authorization !== AUTH_ZD) return send(401, { error: "Couldn't authenticate you" });
    if (p === '/api/v2/incremental/tickets/cursor.json') {
      const per = Math.min(1000, Number(u.searchParams.get('per_page') ?? 1000));
      const cursor = u.searchParams.get('cursor');
      let from = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) + 1 : 1;
      if (!cursor) {
        const start = Number(u.searchParams.get('start_time')) * 1000;
        from = 1;
        while (from <= N && updated(from) < start) from = Math.max(from + 1, firstAtOrAfter(start));
      }
      const to = Math.min(N, from + per - 1);
      const tickets = [];
      for (let i = from; i <= to; i++) tickets.push(zTicket(i));
      const last = tickets.length ? to : from - 1;
      return send(200, { tickets, after_cursor: Buffer.from(String(last)).toString('base64url'), after_url: null, before_cursor: null, before_url: null, end_of_stream: to >= N });
    }
    const a = /^\/api\/v2\/tickets\/(\d+)\/audits\.json$/.exec(p);
    if (a) return send(200, { audits: zAudits(Number(a[1])), next_page: null, previous_page: null, count: 4 });
    if (p === '/api/v2/users/show_many.json') {
      const ids = (u.searchParams.get('ids') ?? '').split(',').map(Number);
      return send(200, { users: ids.map((id) => ({ id, name: id < 100 ? `Agent ${id}` : `Customer ${id}`, email: `u${id}@example.com`, role: id < 100 ? 'agent' : 'end-user' })) });
    }
  }
  if (p.startsWith('/rest/api/3/')) {
    if (req.headers.authorization !== AUTH_JIRA) return send(401, { errorMessages: ['not authenticated'], errors: {} });
    if (p === '/rest/api/3/myself') return send(200, { accountId: 'bot', timeZone: 'UTC' });
    if (p === '/rest/api/3/search/jql') {
      const m = /updated >= "(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d)"/.exec(u.searchParams.get('jql') ?? '');
      const since = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) : 0;
      const max = Math.min(100, Number(u.searchParams.get('maxResults') ?? 50));
      const token = u.searchParams.get('nextPageToken');
      let from = token ? Number(Buffer.from(token, 'base64url').toString()) : 1;
      if (!token) while (from <= N && updated(from) < since) from = Math.max(from + 1, firstAtOrAfter(since));
      const to = Math.min(N, from + max - 1);
      const issues = [];
      for (let i = from; i <= to; i++) issues.push(jIssue(i));
      return send(200, to >= N ? { issues, isLast: true } : { issues, nextPageToken: Buffer.from(String(to + 1)).toString('base64url'), isLast: false });
    }
  }
  send(404, { error: 'not found' });
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
