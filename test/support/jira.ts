// A local Jira Cloud REST API (v3) for `sla pull`, over real HTTP on 127.0.0.1, answering as
// Atlassian's reference documents:
// - GET /rest/api/3/myself → {accountId, displayName, timeZone}
//   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
// - GET /rest/api/3/search/jql?jql=…&nextPageToken=…&maxResults=…&fields=…&expand=changelog →
//   {issues, nextPageToken, isLast}; on the last page the token's key is left out (as Jira has
//   done: JRACLOUD-92184). JQL here: the bounded `(…) AND updated >= "yyyy/MM/dd HH:mm"` (in the
//   user's time zone, to the minute) `ORDER BY updated ASC, key ASC` that a pull sends. An
//   expanded changelog holds the latest `changelogCap` entries, newest first, with its total.
//   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get
// - GET /rest/api/3/issue/{key}/changelog?startAt&maxResults → {values (oldest first), startAt,
//   maxResults, total, isLast}.
//   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-changelog-get
// - GET /rest/api/3/issue/{key}/comment?startAt&maxResults → {comments, startAt, maxResults, total};
//   a comment's author has `accountType` ("atlassian" for agents, "customer" for portal
//   customers) and the comment `jsdPublic` (visible to the customer).
//   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/
// - Basic auth with e-mail and API token, else 401 {"errorMessages": [...], "errors": {}}.
// Timestamps are written as Jira does: 2026-11-02T09:00:00.000+0000.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fakeHelpdeskServer } from './servers.js';
import { DateTime } from 'luxon';

export interface JUser { accountId: string; displayName: string; emailAddress: string; accountType: 'atlassian' | 'customer' }
interface JHistory { id: string; created: string; author: JUser; items: Array<{ field: string; fieldtype: string; fromString: string | null; toString: string | null }> }
interface JComment { id: string; created: string; author: JUser; jsdPublic: boolean; body: string }
interface JIssue {
  id: string; key: string;
  fields: {
    summary: string; status: { name: string; statusCategory: { key: string } }; priority: { name: string } | null; assignee: JUser | null;
    reporter: JUser; created: string; updated: string; labels: string[]; issuetype: { name: string }; [k: string]: unknown;
  };
  histories: JHistory[]; comments: JComment[];
}

const CATEGORY: Record<string, string> = {
  'Waiting for support': 'new', 'Waiting for customer': 'indeterminate', 'In Progress': 'indeterminate', Resolved: 'done', Closed: 'done',
};
const jiraTime = (iso: string): string => DateTime.fromISO(iso, { zone: 'utc' }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZZZ");

export class FakeJira {
  readonly issues = new Map<string, JIssue>();
  readonly log: Array<{ path: string; query: URLSearchParams; status: number }> = [];
  email = 'ops@acme.example';
  token = 'jira-secret-token';
  timeZone = 'Europe/Berlin';
  /** Latest changelog entries a search carries. */
  changelogCap = 40;
  /** Comments a search carries in fields.comment. */
  commentCap = 20;
  maxResults = 100;
  /** Delay of every answer (ms): a pull that takes a while, to be killed in the middle. */
  delayMs = 0;
  /** Requests received, counted on arrival (before the answer's delay). */
  arrived = 0;
  private nextId = 10_000;
  private readonly faults: Array<{ path: RegExp; status: number; retryAfter?: string }> = [];

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<FakeJira> {
    let self: FakeJira | undefined;
    const { server, port } = await fakeHelpdeskServer(() => self!, (req, res) => self!.handle(req, res));
    self = new FakeJira(server, port);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next request whose path and query match gets this status (with Retry-After, if given), once. */
  fault(path: RegExp, status: number, retryAfter?: string): void {
    this.faults.push({ path, status, retryAfter });
  }

  user(id: string, name: string, accountType: JUser['accountType']): JUser {
    return { accountId: id, displayName: name, emailAddress: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com`, accountType };
  }

  create(key: string, at: string, reporter: JUser, o: { priority?: string; summary?: string; labels?: string[]; custom?: Record<string, unknown> } = {}): void {
    this.issues.set(key, {
      id: String(this.nextId++), key,
      fields: {
        summary: o.summary ?? `Issue ${key}`, status: { name: 'Waiting for support', statusCategory: { key: 'new' } },
        priority: o.priority ? { name: o.priority } : null, assignee: null, reporter, created: jiraTime(at), updated: jiraTime(at),
        labels: o.labels ?? [], issuetype: { name: 'Service request' }, ...(o.custom ?? {}),
      },
      histories: [], comments: [],
    });
  }

  /** A transition, a priority change or an assignment at `at`, by `by`: one changelog entry. */
  change(key: string, at: string, by: JUser, o: { status?: string; priority?: string; assignee?: JUser | null }): void {
    const i = this.get(key, at);
    const items: JHistory['items'] = [];
    if (o.status !== undefined) {
      items.push({ field: 'status', fieldtype: 'jira', fromString: i.fields.status.name, toString: o.status });
      i.fields.status = { name: o.status, statusCategory: { key: CATEGORY[o.status] ?? 'indeterminate' } };
    }
    if (o.priority !== undefined) {
      items.push({ field: 'priority', fieldtype: 'jira', fromString: i.fields.priority?.name ?? null, toString: o.priority });
      i.fields.priority = { name: o.priority };
    }
    if (o.assignee !== undefined) {
      items.push({ field: 'assignee', fieldtype: 'jira', fromString: i.fields.assignee?.displayName ?? null, toString: o.assignee?.displayName ?? null });
      i.fields.assignee = o.assignee;
    }
    i.histories.push({ id: String(this.nextId++), created: jiraTime(at), author: by, items });
  }

  comment(key: string, at: string, by: JUser, visible = true): void {
    this.get(key, at).comments.push({ id: String(this.nextId++), created: jiraTime(at), author: by, jsdPublic: visible, body: 'a comment' });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private get(key: string, at: string): JIssue {
    const i = this.issues.get(key);
    if (!i) throw new Error(`no issue ${key}`);
    i.fields.updated = jiraTime(at);
    return i;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', this.url);
    const entry = { path: u.pathname, query: u.searchParams, status: 200 };
    this.log.push(entry);
    const send = (status: number, body: unknown): void => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Basic ${Buffer.from(`${this.email}:${this.token}`).toString('base64')}`) {
      return send(401, { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'], errors: {} });
    }
    const k = this.faults.findIndex((f) => f.path.test(u.pathname + u.search));
    if (k >= 0) {
      const f = this.faults.splice(k, 1)[0];
      entry.status = f.status;
      res.writeHead(f.status, { 'content-type': 'application/json;charset=UTF-8', ...(f.retryAfter ? { 'retry-after': f.retryAfter } : {}) });
      res.end(JSON.stringify({ errorMessages: [f.status === 429 ? 'Rate limit exceeded.' : 'Internal server error'], errors: {} }));
      return;
    }
    if (u.pathname === '/rest/api/3/myself') return send(200, { accountId: 'bot', displayName: 'SLA bot', timeZone: this.timeZone, accountType: 'atlassian' });
    if (u.pathname === '/rest/api/3/search/jql') return this.search(u, send);
    const sub = /^\/rest\/api\/3\/issue\/([^/]+)\/(changelog|comment)$/.exec(u.pathname);
    if (sub) {
      const issue = this.issues.get(sub[1]);
      if (!issue) return send(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
      const startAt = Number(u.searchParams.get('startAt') ?? '0');
      const max = Math.min(100, Number(u.searchParams.get('maxResults') ?? '50'));
      if (sub[2] === 'changelog') {
        const values = issue.histories.slice(startAt, startAt + max);
        return send(200, { self: u.href, maxResults: max, startAt, total: issue.histories.length, isLast: startAt + max >= issue.histories.length, values });
      }
      return send(200, { startAt, maxResults: max, total: issue.comments.length, comments: issue.comments.slice(startAt, startAt + max) });
    }
    return send(404, { errorMessages: ['Not found'], errors: {} });
  }

  private search(u: URL, send: (status: number, body: unknown) => void): void {
    const jql = u.searchParams.get('jql') ?? '';
    const m = /updated >= "(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d)"/.exec(jql);
    if (!m || !/ORDER BY updated ASC, key ASC$/.test(jql)) {
      return send(400, { errorMessages: ['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.'], errors: {} });
    }
    const since = DateTime.fromObject({ year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5] }, { zone: this.timeZone }).toMillis();
    const list = [...this.issues.values()].filter((i) => Date.parse(i.fields.updated) >= since)
      .sort((a, b) => Date.parse(a.fields.updated) - Date.parse(b.fields.updated) || a.key.localeCompare(b.key));
    const offset = u.searchParams.get('nextPageToken') ? Number(Buffer.from(u.searchParams.get('nextPageToken')!, 'base64url').toString()) : 0;
    const size = Math.min(this.maxResults, Number(u.searchParams.get('maxResults') ?? '50'));
    const fields = new Set((u.searchParams.get('fields') ?? 'id').split(','));
    const expand = (u.searchParams.get('expand') ?? '').split(',');
    const issues = list.slice(offset, offset + size).map((i) => {
      const f: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(i.fields)) if (fields.has(k)) f[k] = v;
      if (fields.has('comment')) f.comment = { comments: i.comments.slice(0, this.commentCap), maxResults: this.commentCap, total: i.comments.length, startAt: 0 };
      const out: Record<string, unknown> = { id: i.id, key: i.key, self: `${this.url}/rest/api/3/issue/${i.id}`, fields: f };
      if (expand.includes('changelog')) {
        const latest = [...i.histories].reverse().slice(0, this.changelogCap);
        out.changelog = { startAt: 0, maxResults: this.changelogCap, total: i.histories.length, histories: latest };
      }
      return out;
    });
    const more = offset + size < list.length;
    send(200, more ? { issues, nextPageToken: Buffer.from(String(offset + size)).toString('base64url'), isLast: false } : { issues, isLast: true });
  }
}
