// Jira Service Management (Jira Cloud): the issues of the source's JQL updated since the
// cursor, oldest change first (enhanced search, /rest/api/3/search/jql, nextPageToken), each with
// its changelog (status and priority transitions, assignee changes; read in full from
// /rest/api/3/issue/{key}/changelog when the search gave only its latest entries) and its
// comments (the first public comment by someone who is neither the reporter nor a customer is
// the first response). JQL compares `updated` in the API user's time zone, to the minute: the
// zone is read from /rest/api/3/myself, and issues at the cursor's minute are read again
// (recognised by their rows' identities).
//
// API reference (the fake server of the tests follows it):
// - https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get
// - https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-changelog-get
// - https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-get
// - https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
// - https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/ and …/rate-limiting/
import { z } from 'zod';
import { resolveSecrets } from '../../config/secrets.js';
import type { Instant } from '../../domain/types.js';
import type { EventRow, RowEvent, TicketAttrs } from '../types.js';
import { literalSecret, ticketAttrs } from './fields.js';
import type { PullContext, PullPage, SourceConfigBase, SourceKind } from './kind.js';

export interface JiraSource extends SourceConfigBase {
  type: 'jira';
  /** "acme" for acme.atlassian.net, or a whole host name. */
  site: string;
  email: string;
  /** An API token; a $VAR. */
  token: string;
  /** Which issues: a JQL condition (no ORDER BY), e.g. `project = SUP`. */
  jql: string;
}

const PAGE = 100;
const FIELDS = ['summary', 'status', 'priority', 'assignee', 'reporter', 'created', 'updated', 'labels', 'comment', 'issuetype'];
const DEFAULT_COLUMNS: Record<string, string> = { subject: 'summary', requester: 'reporter', assignee: 'assignee', tags: 'labels' };

/** Status names JSM's templates use, when neither the mapping nor the config names them. */
const STATUS_NAMES: Record<string, string> = {
  'waiting for customer': 'waiting_customer', 'waiting for support': 'open', 'in progress': 'in_progress', 'work in progress': 'in_progress',
  pending: 'pending', escalated: 'open', 'to do': 'new', open: 'open', done: 'resolved', resolved: 'resolved', closed: 'closed',
  canceled: 'closed', cancelled: 'closed', declined: 'closed', completed: 'resolved',
};
/** Else a status's category: To Do, In Progress, Done. */
const CATEGORY: Record<string, string> = { new: 'new', indeterminate: 'open', done: 'resolved' };

interface JUser { accountId?: string; displayName?: string; emailAddress?: string; accountType?: string }
interface JHistory { id: string; created: string; author?: JUser; items: Array<{ field: string; fieldId?: string; fromString?: string | null; toString?: string | null }> }
interface JComment { id: string; created: string; author?: JUser; jsdPublic?: boolean }
interface JIssue {
  id: string; key: string;
  fields: {
    summary?: string; status?: { name: string; statusCategory?: { key: string } }; priority?: { name: string } | null;
    assignee?: JUser | null; reporter?: JUser | null; created: string; updated: string; labels?: string[];
    comment?: { comments: JComment[]; total?: number; maxResults?: number };
    [k: string]: unknown;
  };
  changelog?: { histories: JHistory[]; total?: number; maxResults?: number };
}
interface Cursor { since: number }

export const jira: SourceKind<JiraSource> = {
  type: 'jira',
  fields: {
    site: z.string().min(1).meta({ description: 'the site: "acme" for https://acme.atlassian.net' }),
    email: z.string().min(3).meta({ description: 'the account whose API token this is' }),
    token: z.string().min(1).meta({ description: 'an API token, as "$VAR" (an environment variable): never the token itself' }),
    jql: z.string().min(1).meta({ description: 'which issues, as a JQL condition without ORDER BY, e.g. "project = SUP"' }),
  },
  load(raw, base, report) {
    const r = raw as { site: string; email: string; token: string; jql: string };
    if (!/^[a-z0-9][a-z0-9.-]*$/i.test(r.site)) report(['site'], `${JSON.stringify(r.site)} is not a Jira site: "acme" for https://acme.atlassian.net`);
    if (literalSecret(r.token)) report(['token'], 'an API token is a secret: write "$JIRA_TOKEN" here and export that variable where sla runs');
    if (/\border\s+by\b/i.test(r.jql)) report(['jql'], 'give the condition only: sla orders the issues itself (by their last update)');
    return { ...base, type: 'jira', site: r.site, email: r.email, token: r.token, jql: r.jql };
  },
  variableTexts: (c) => [{ path: ['token'], text: c.token }, { path: ['email'], text: c.email }],
  vendorUrl: (c) => `https://${c.site.includes('.') ? c.site : `${c.site}.atlassian.net`}`,
  headers(c, env) {
    const email = resolveSecrets(c.email, env, `sources.${c.name}.email`);
    const token = resolveSecrets(c.token, env, `sources.${c.name}.token`);
    return { authorization: `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}` };
  },
  hints: (c) => ({
    auth: `check sources.${c.name}.email and the API token in ${c.token} (id.atlassian.com → Security → API tokens)`,
    forbidden: `${c.email} may not browse these issues: give it the project's "Browse projects" permission (and JSM agent access)`,
    notFound: `check sources.${c.name}.site (${c.url ?? jira.vendorUrl(c)})`,
  }),
  pages: jiraPages,
};

async function* jiraPages(c: JiraSource, ctx: PullContext, cursorText: string | null): AsyncGenerator<PullPage> {
  const { http } = ctx;
  const cursor: Cursor = cursorText ? JSON.parse(cursorText) as Cursor : { since: ctx.since };
  const { DateTime } = await import('luxon');
  const me = (await http.getJson<{ timeZone?: string }>(http.url('/rest/api/3/myself'))).body;
  const zone = me.timeZone && DateTime.local().setZone(me.timeZone).isValid ? me.timeZone : 'UTC';
  const since = DateTime.fromMillis(cursor.since, { zone }).toFormat('yyyy/MM/dd HH:mm');
  const columns = { ...DEFAULT_COLUMNS, ...c.columns };
  const extra = Object.values(columns).filter((f) => !FIELDS.includes(f));
  const jql = `(${c.jql}) AND updated >= "${since}" ORDER BY updated ASC, key ASC`;
  const categories = new Map<string, string>();
  let token: string | undefined;
  let last = cursor.since;
  for (;;) {
    const url = http.url('/rest/api/3/search/jql', {
      jql, nextPageToken: token, maxResults: PAGE, fields: [...new Set([...FIELDS, ...extra])].join(','), expand: 'changelog',
    });
    const page = (await http.getJson<{ issues?: JIssue[]; nextPageToken?: string | null; isLast?: boolean }>(url)).body;
    const issues = page.issues ?? [];
    for (const i of issues) if (i.fields.status?.statusCategory) categories.set(i.fields.status.name.toLowerCase(), i.fields.status.statusCategory.key);
    const rows: EventRow[] = [];
    for (const issue of issues) {
      const histories = await fullChangelog(ctx, issue);
      const comments = await allComments(ctx, issue);
      rows.push(...issueRows(ctx, columns, categories, issue, histories, comments));
      const u = Date.parse(issue.fields.updated);
      if (Number.isFinite(u) && u > last) last = u;
    }
    // the end: isLast, or no token (Jira has left the key out on the last page: JRACLOUD-92184)
    const end = page.isLast === true || !page.nextPageToken;
    yield { rows, cursor: JSON.stringify({ since: last }), end, through: issues.length > 0 ? last : null };
    if (end) return;
    token = page.nextPageToken!;
  }
}

/** An issue's whole changelog, oldest first (the search gives its latest entries only, newest first). */
async function fullChangelog(ctx: PullContext, issue: JIssue): Promise<JHistory[]> {
  const cl = issue.changelog;
  const got = cl?.histories ?? [];
  if (cl && (cl.total ?? got.length) <= got.length) return [...got].sort(byCreated);
  const out: JHistory[] = [];
  for (let startAt = 0; ;) {
    const body = (await ctx.http.getJson<{ values?: JHistory[]; isLast?: boolean; total?: number }>(
      ctx.http.url(`/rest/api/3/issue/${issue.key}/changelog`, { startAt, maxResults: 100 }))).body;
    const values = body.values ?? [];
    out.push(...values);
    startAt += values.length;
    if (body.isLast === true || values.length === 0 || (body.total !== undefined && startAt >= body.total)) break;
  }
  return out.sort(byCreated);
}

/** An issue's comments, oldest first (more than the search carried are read from the issue). */
async function allComments(ctx: PullContext, issue: JIssue): Promise<JComment[]> {
  const field = issue.fields.comment;
  const got = field?.comments ?? [];
  if (!field || (field.total ?? got.length) <= got.length) return got;
  const out: JComment[] = [];
  for (let startAt = 0; ;) {
    const body = (await ctx.http.getJson<{ comments?: JComment[]; total?: number }>(
      ctx.http.url(`/rest/api/3/issue/${issue.key}/comment`, { startAt, maxResults: 100, orderBy: 'created' }))).body;
    const list = body.comments ?? [];
    out.push(...list);
    startAt += list.length;
    if (list.length === 0 || startAt >= (body.total ?? 0)) break;
  }
  return out;
}

const byCreated = (a: { created: string; id: string }, b: { created: string; id: string }): number =>
  Date.parse(a.created) - Date.parse(b.created) || Number(a.id) - Number(b.id);

/** An issue's rows: its creation (with its first status and priority), each changelog entry, the first reply, its fields as now. */
function issueRows(
  ctx: PullContext, columns: Record<string, string>, categories: Map<string, string>, issue: JIssue, histories: JHistory[], comments: JComment[],
): EventRow[] {
  const f = issue.fields;
  const id = issue.key;
  const created = Date.parse(f.created);
  const updated = Date.parse(f.updated);
  if (!Number.isFinite(created)) {
    ctx.count('issues without a valid created (skipped)');
    return [];
  }
  const status = (name: string | null | undefined): string | null => {
    if (!name) return null;
    const s = ctx.vocab.status(name) ?? ctx.vocab.status(STATUS_NAMES[name.toLowerCase()] ?? CATEGORY[categories.get(name.toLowerCase()) ?? ''] ?? name);
    if (s === null) ctx.count(`changes to a status sla does not know ("${name}"; map it under "values.status")`);
    return s;
  };
  const priority = (name: string | null | undefined): string | undefined => {
    if (!name) return undefined;
    const p = ctx.vocab.priority(name);
    if (p === null) ctx.count(`changes to a priority sla does not know ("${name}"; map it under "values.priority")`);
    return p ?? undefined;
  };
  const row = (at: Instant, key: string, o: Partial<EventRow>): EventRow => ({
    ticketId: id, at, events: [], actor: null, attrs: {}, createdAt: null, firstResponseAt: null, resolvedAt: null, closedAt: null,
    digest: ctx.identity(`jira ${issue.id} ${key}`), ...o,
  });
  const firstOf = (field: string) => histories.flatMap((h) => h.items).find((i) => i.field.toLowerCase() === field);
  // the first status and priority: what the first change changed from, else what they are now
  const firstStatus = status(firstOf('status')?.fromString ?? f.status?.name);
  const firstPriority = priority(firstOf('priority')?.fromString ?? f.priority?.name);
  const start: TicketAttrs = {};
  if (firstStatus) start.status = firstStatus;
  if (firstPriority) start.priority = firstPriority;
  const rows: EventRow[] = [row(created, 'created', { events: [{ type: 'created', value: null }], createdAt: created, attrs: start, actor: name(f.reporter) })];
  for (const h of histories) {
    const at = Date.parse(h.created);
    if (!Number.isFinite(at)) continue;
    const attrs: TicketAttrs = {};
    const events: RowEvent[] = [];
    for (const item of h.items) {
      const field = item.field.toLowerCase();
      if (field === 'status') {
        const s = status(item.toString);
        if (s) attrs.status = s;
      } else if (field === 'priority') {
        const p = priority(item.toString);
        if (p) attrs.priority = p;
      } else if (field === 'assignee' && columns.assignee === 'assignee') {
        events.push({ type: 'assign', value: item.toString ?? null });
      }
    }
    if (events.length > 0 || attrs.status !== undefined || attrs.priority !== undefined) {
      rows.push(row(at, `history ${h.id}`, { attrs, events, actor: name(h.author) }));
    }
  }
  const reporter = f.reporter?.accountId;
  const reply = [...comments].sort(byCreated).find((cm) => cm.jsdPublic !== false && cm.author?.accountType !== 'customer' && cm.author?.accountId !== reporter);
  if (reply) {
    const at = Date.parse(reply.created);
    if (Number.isFinite(at)) rows.push(row(at, `comment ${reply.id}`, { events: [{ type: 'reply', value: null }], actor: name(reply.author) }));
  }
  const flat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) flat[k] = plain(v);
  flat.reporter = f.reporter ? f.reporter.emailAddress ?? f.reporter.displayName ?? null : null;
  rows.push(row(Number.isFinite(updated) ? updated : created, `fields ${f.updated}`, { attrs: ticketAttrs(flat, columns, ctx) }));
  return rows;
}

const name = (u: JUser | null | undefined): string | null => u?.displayName ?? u?.emailAddress ?? null;

/** A field's value as text: a select's value, a user's name, an object's name; lists as lists. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plain);
  const o = v as Record<string, unknown>;
  return o.value ?? o.displayName ?? o.name ?? o.key ?? null;
}
