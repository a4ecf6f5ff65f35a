// Freshdesk: the tickets updated since the cursor, oldest change first, from the tickets list
// with their stats (GET /api/v2/tickets?updated_since=…&order_by=updated_at&order_type=asc
// &include=stats, 100 a page). Freshdesk's API keeps no status history, so a ticket's history
// is what its stats say — created, first responded, resolved, closed, reopened, pending since —
// and each status a pull sees, at the instant Freshdesk says it was set: pulled every few
// minutes, every pending spell is seen to begin and end.
//
// A list walk is by time windows: each page's request starts at the updated_at of the last
// ticket read (a ticket updated during the walk moves to its end, and a page number would skip
// one), so the walk never needs more than the first pages of a window; tickets read twice at a
// window's edge are recognised by their rows' identities.
//
// API reference (the fake server of the tests follows it): https://developers.freshdesk.com/api/
// (#list_all_tickets, #view_a_ticket "stats", #pagination, #ratelimit, #authentication).
import { z } from 'zod';
import { resolveSecrets } from '../../config/secrets.js';
import type { Instant } from '../../domain/types.js';
import type { EventRow } from '../types.js';
import { literalSecret, ticketAttrs } from './fields.js';
import type { PullContext, PullPage, SourceConfigBase, SourceKind } from './kind.js';

export interface FreshdeskSource extends SourceConfigBase {
  type: 'freshdesk';
  /** The account's host: "acme" for acme.freshdesk.com, or a whole host name. */
  domain: string;
  /** The API key; a $VAR. */
  apiKey: string;
}

const PER_PAGE = 100;
/** Freshdesk numbers its statuses and priorities; the words go through the vocabulary. */
const STATUS: Record<string, string> = { 2: 'open', 3: 'pending', 4: 'resolved', 5: 'closed' };
const PRIORITY: Record<string, string> = { 1: 'low', 2: 'medium', 3: 'high', 4: 'urgent' };
const SOURCE: Record<string, string> = { 1: 'email', 2: 'portal', 3: 'phone', 7: 'chat', 9: 'feedback widget', 10: 'outbound email' };

const DEFAULT_COLUMNS: Record<string, string> = {
  subject: 'subject', requester: 'requester', customer: 'company_id', group: 'group_id', assignee: 'responder_id', channel: 'source', tags: 'tags',
};

interface FTicket {
  id: number; subject?: string; status: number; priority: number; requester_id?: number; responder_id?: number | null;
  group_id?: number | null; company_id?: number | null; type?: string | null; source?: number; tags?: string[];
  custom_fields?: Record<string, unknown>; created_at: string; updated_at: string;
  requester?: { name?: string; email?: string } | null;
  stats?: {
    first_responded_at?: string | null; resolved_at?: string | null; closed_at?: string | null; reopened_at?: string | null;
    pending_since?: string | null; status_updated_at?: string | null;
  };
  [k: string]: unknown;
}
interface Cursor { since: string }

export const freshdesk: SourceKind<FreshdeskSource> = {
  type: 'freshdesk',
  fields: {
    domain: z.string().min(1).meta({ description: 'the account: "acme" for https://acme.freshdesk.com' }),
    apiKey: z.string().min(1).meta({ description: 'an API key, as "$VAR" (an environment variable): never the key itself' }),
  },
  load(raw, base, report) {
    const r = raw as { domain: string; apiKey: string };
    if (!/^[a-z0-9][a-z0-9.-]*$/i.test(r.domain)) report(['domain'], `${JSON.stringify(r.domain)} is not a Freshdesk domain: "acme" for https://acme.freshdesk.com`);
    if (literalSecret(r.apiKey)) report(['apiKey'], 'an API key is a secret: write "$FRESHDESK_API_KEY" here and export that variable where sla runs');
    return { ...base, type: 'freshdesk', domain: r.domain, apiKey: r.apiKey };
  },
  variableTexts: (c) => [{ path: ['apiKey'], text: c.apiKey }],
  vendorUrl: (c) => `https://${c.domain.includes('.') ? c.domain : `${c.domain}.freshdesk.com`}`,
  headers(c, env) {
    const key = resolveSecrets(c.apiKey, env, `sources.${c.name}.apiKey`);
    return { authorization: `Basic ${Buffer.from(`${key}:X`).toString('base64')}` };
  },
  hints: (c) => ({
    auth: `check the API key in ${c.apiKey} (Freshdesk: your profile → View API key)`,
    forbidden: 'the API key\'s agent cannot see these tickets: use an admin\'s key, or give the agent access to every group',
    notFound: `check sources.${c.name}.domain (${c.url ?? freshdesk.vendorUrl(c)})`,
  }),
  pages: freshdeskPages,
};

async function* freshdeskPages(c: FreshdeskSource, ctx: PullContext, cursorText: string | null): AsyncGenerator<PullPage> {
  const { http } = ctx;
  let cursor: Cursor = cursorText ? JSON.parse(cursorText) as Cursor : { since: isoSeconds(ctx.since) };
  const columns = { ...DEFAULT_COLUMNS, ...c.columns };
  // page > 1 only while one instant holds more tickets than a page
  let page = 1;
  for (;;) {
    const url = http.url('/api/v2/tickets', {
      updated_since: cursor.since, order_by: 'updated_at', order_type: 'asc', per_page: PER_PAGE, page, include: 'stats,requester',
    });
    const answer = await http.getJson<FTicket[]>(url);
    const tickets = Array.isArray(answer.body) ? answer.body : [];
    const rows: EventRow[] = [];
    for (const t of tickets) rows.push(...ticketRows(ctx, columns, t));
    // more to come while Freshdesk names a next page (#pagination: the Link header)
    const end = !/rel="?next"?/.test(String(answer.headers.link ?? ''));
    const last = tickets.at(-1)?.updated_at;
    let next = cursor;
    if (last !== undefined && Date.parse(last) > Date.parse(cursor.since)) {
      next = { since: last };
      page = 1;
    } else if (!end) {
      page++; // a whole page at the window's first instant: the next page of the same window
    }
    yield { rows, cursor: JSON.stringify(next), end, through: last === undefined ? null : Date.parse(last) };
    if (end) return;
    cursor = next;
  }
}

const isoSeconds = (t: Instant): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A ticket's rows: its creation, what its stats say, its status as seen now, its fields as now. */
function ticketRows(ctx: PullContext, columns: Record<string, string>, t: FTicket): EventRow[] {
  const id = String(t.id);
  const time = (s: string | null | undefined): Instant | null => {
    if (!s) return null;
    const v = Date.parse(s);
    return Number.isFinite(v) ? v : null;
  };
  const created = time(t.created_at);
  const updated = time(t.updated_at) ?? created;
  if (created === null || updated === null) {
    ctx.count('tickets without a valid created_at (skipped)');
    return [];
  }
  const row = (at: Instant, key: string, o: Partial<EventRow>): EventRow => ({
    ticketId: id, at, events: [], actor: null, attrs: {}, createdAt: null, firstResponseAt: null, resolvedAt: null, closedAt: null,
    digest: ctx.identity(`freshdesk ${t.id} ${key}`), ...o,
  });
  const word = (map: Record<string, string>, n: unknown): string => map[String(n)] ?? String(n);
  const status = ctx.vocab.status(word(STATUS, t.status));
  if (status === null) ctx.count(`tickets in a status sla does not know ("${t.status}"; map it under "values.status")`);
  const priority = ctx.vocab.priority(word(PRIORITY, t.priority));
  if (priority === null) ctx.count(`tickets with a priority sla does not know ("${word(PRIORITY, t.priority)}"; map it under "values.priority")`);
  const st = t.stats ?? {};
  const rows: EventRow[] = [row(created, 'created', { events: [{ type: 'created', value: null }], createdAt: created, attrs: priority ? { priority } : {} })];
  const fr = time(st.first_responded_at);
  if (fr !== null) rows.push(row(fr, `first response ${fr}`, { firstResponseAt: fr }));
  const resolved = time(st.resolved_at);
  const closed = time(st.closed_at);
  const reopened = time(st.reopened_at);
  if (resolved !== null && (reopened === null || resolved < reopened || status === 'resolved' || status === 'closed')) {
    rows.push(row(resolved, `resolved ${resolved}`, { resolvedAt: resolved }));
  }
  if (closed !== null && status === 'closed') rows.push(row(closed, `closed ${closed}`, { closedAt: closed }));
  if (reopened !== null) rows.push(row(reopened, `reopened ${reopened}`, { attrs: { status: 'open' } }));
  // the status as seen now, at the instant Freshdesk says it was set
  if (status !== null && status !== 'resolved' && status !== 'closed') {
    const since = (status === 'pending' ? time(st.pending_since) : null) ?? time(st.status_updated_at) ?? updated;
    rows.push(row(since, `status ${status} ${since}`, { attrs: { status } }));
  }
  // the fields as they are now (and the priority as now, at the last update)
  const flat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) if (v === null || typeof v !== 'object' || Array.isArray(v)) flat[k] = v;
  for (const [k, v] of Object.entries(t.custom_fields ?? {})) flat[`custom_fields.${k}`] = v;
  flat.source = t.source === undefined ? null : word(SOURCE, t.source);
  flat.requester = t.requester?.email ?? t.requester?.name ?? (t.requester_id === undefined ? null : String(t.requester_id));
  const attrs = ticketAttrs(flat, columns, ctx);
  if (priority) attrs.priority = priority;
  rows.push(row(updated, `fields ${t.updated_at}`, { attrs }));
  return rows;
}
