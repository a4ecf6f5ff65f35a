// Zendesk Support: the tickets changed since the cursor, from the cursor-based incremental
// ticket export, each with its whole history from its audits (every update of a ticket is an
// audit: field changes, comments). The first reply — Zendesk's own "first reply time" — is the
// first public comment by an agent or admin after the ticket's creating update, so the
// authors' roles are read from the users API.
//
// API reference (the fake server of the tests follows the same pages):
// - https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
// - https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/
// - https://developer.zendesk.com/documentation/ticketing/reference-guides/ticket-audit-events-reference
// - https://developer.zendesk.com/api-reference/ticketing/users/users/#show-many-users
// - https://developer.zendesk.com/api-reference/introduction/rate-limits/ (429 and Retry-After)
import { z } from 'zod';
import { resolveSecrets } from '../../config/secrets.js';
import type { Instant } from '../../domain/types.js';
import type { EventRow, RowEvent, TicketAttrs } from '../types.js';
import { SourceError } from './http.js';
import type { PullContext, PullPage, SourceConfigBase, SourceKind } from './kind.js';
import { literalSecret, ticketAttrs } from './fields.js';

export interface ZendeskSource extends SourceConfigBase {
  type: 'zendesk';
  subdomain: string;
  email: string;
  /** An API token; a $VAR (never the token itself). */
  token: string;
}

/** Tickets per page of the export (its maximum), and per transaction. */
const EXPORT_PAGE = 1000;
const TICKETS_PER_BATCH = 100;
/** Audit requests at once (each ticket's audits are one request, or a few for a long history). */
const CONCURRENCY = 8;

/** Zendesk's statuses → sla's (the source's `values.status` and the config's statusMap come first). */
const STATUS: Record<string, string> = { new: 'new', open: 'open', pending: 'pending', hold: 'in_progress', solved: 'resolved', closed: 'closed' };

/** The fields a mapping's columns may name, and the defaults. */
const DEFAULT_COLUMNS: Record<string, string> = {
  subject: 'subject', requester: 'requester', customer: 'organization_id', group: 'group_id', assignee: 'assignee', channel: 'via.channel', tags: 'tags',
};

interface ZTicket {
  id: number; subject?: string | null; status: string; priority?: string | null; requester_id?: number | null;
  assignee_id?: number | null; group_id?: number | null; organization_id?: number | null; type?: string | null;
  tags?: string[]; custom_fields?: Array<{ id: number; value: unknown }>; via?: { channel?: string };
  created_at: string; updated_at: string; [k: string]: unknown;
}
interface ZEvent { id: number; type: string; field_name?: string; value?: unknown; previous_value?: unknown; public?: boolean; author_id?: number }
interface ZAudit { id: number; ticket_id: number; created_at: string; author_id: number; events: ZEvent[] }
interface ZUser { id: number; name?: string; email?: string | null; role?: string }
interface Cursor { start?: number; after?: string }

const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

export const zendesk: SourceKind<ZendeskSource> = {
  type: 'zendesk',
  fields: {
    subdomain: z.string().min(1).meta({ description: 'the account: https://SUBDOMAIN.zendesk.com' }),
    email: z.string().min(3).meta({ description: 'the agent or admin whose API token this is' }),
    token: z.string().min(1).meta({ description: 'an API token, as "$VAR" (an environment variable): never the token itself' }),
  },
  load(raw, base, report) {
    const r = raw as { subdomain: string; email: string; token: string };
    if (!/^[a-z0-9][a-z0-9-]*$/i.test(r.subdomain)) report(['subdomain'], `${JSON.stringify(r.subdomain)} is not a Zendesk subdomain: "acme" for https://acme.zendesk.com`);
    if (literalSecret(r.token)) report(['token'], 'an API token is a secret: write "$ZENDESK_TOKEN" here and export that variable where sla runs');
    return { ...base, type: 'zendesk', subdomain: r.subdomain, email: r.email, token: r.token };
  },
  variableTexts: (c) => [{ path: ['token'], text: c.token }, { path: ['email'], text: c.email }],
  vendorUrl: (c) => `https://${c.subdomain}.zendesk.com`,
  headers(c, env) {
    const email = resolveSecrets(c.email, env, `sources.${c.name}.email`);
    const token = resolveSecrets(c.token, env, `sources.${c.name}.token`);
    return { authorization: `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}` };
  },
  hints: (c) => ({
    auth: `check sources.${c.name}.email and the API token in ${c.token} (Admin Center → Apps and integrations → Zendesk API: token access on)`,
    forbidden: `the incremental export is for admins: make ${c.email} an admin, or use an admin's token`,
    notFound: `check sources.${c.name}.subdomain (${c.url ?? `https://${c.subdomain}.zendesk.com`})`,
  }),
  pages: zendeskPages,
};

async function* zendeskPages(c: ZendeskSource, ctx: PullContext, cursorText: string | null): AsyncGenerator<PullPage> {
  const { http } = ctx;
  let cursor: Cursor = cursorText ? JSON.parse(cursorText) as Cursor : { start: startTime(ctx.since, ctx.now) };
  const users = new Map<number, ZUser | null>();
  const columns = { ...DEFAULT_COLUMNS, ...c.columns };
  for (;;) {
    const url = cursor.after !== undefined
      ? http.url('/api/v2/incremental/tickets/cursor.json', { cursor: cursor.after, per_page: EXPORT_PAGE })
      : http.url('/api/v2/incremental/tickets/cursor.json', { start_time: cursor.start, per_page: EXPORT_PAGE });
    const page = (await http.getJson<{ tickets: ZTicket[]; after_cursor: string | null; end_of_stream: boolean }>(url).catch((e: unknown) => {
      // Zendesk documents no answer for a cursor it no longer takes: any other refusal of one is that
      if (cursor.after !== undefined && e instanceof SourceError && (e.status === 400 || e.status === 422)) {
        throw new SourceError(`${c.name}: Zendesk refused the saved cursor (HTTP ${e.status})`,
          `\`sla pull ${c.name} --since DATE\` starts over from a date before the last pull (what was pulled already is recognised, not doubled)`, e.status);
      }
      throw e;
    })).body;
    const tickets = page.tickets ?? [];
    const next: Cursor = page.after_cursor ? { after: page.after_cursor } : cursor;
    const end = page.end_of_stream === true;
    const live = tickets.filter((t) => {
      if (t.status !== 'deleted') return true;
      ctx.count('tickets deleted in Zendesk (left as they are)');
      return false;
    });
    if (live.length === 0) {
      yield { rows: [], cursor: JSON.stringify(next), end, through: null };
    }
    for (let i = 0; i < live.length; i += TICKETS_PER_BATCH) {
      const batch = live.slice(i, i + TICKETS_PER_BATCH);
      const audits = await mapLimit(batch, CONCURRENCY, (t) => ticketAudits(ctx, t.id));
      await loadUsers(ctx, users, batch, audits);
      const rows: EventRow[] = [];
      batch.forEach((t, k) => rows.push(...ticketRows(c, ctx, columns, users, t, audits[k])));
      const last = i + TICKETS_PER_BATCH >= live.length;
      const through = Math.max(...batch.map((t) => Date.parse(t.updated_at)).filter(Number.isFinite));
      // the cursor moves with the page's last batch; a batch before it is written under the old one (re-read after a kill, it is known)
      yield { rows, cursor: JSON.stringify(last ? next : cursor), end: last && end, through: Number.isFinite(through) ? through : null };
    }
    cursor = next;
    if (end) return;
  }
}

/** The export's start_time for a first pull: seconds, and at least a minute ago (the API refuses less). */
function startTime(since: Instant, now: Instant): number {
  return Math.floor(Math.min(since, now - 60_000) / 1000);
}

/** Every audit of a ticket, oldest first (100 a page, `next_page` until null). */
async function ticketAudits(ctx: PullContext, id: number): Promise<ZAudit[]> {
  const out: ZAudit[] = [];
  let url = ctx.http.url(`/api/v2/tickets/${id}/audits.json`);
  for (;;) {
    const body = (await ctx.http.getJson<{ audits: ZAudit[]; next_page: string | null }>(url)).body;
    out.push(...(body.audits ?? []));
    if (!body.next_page) break;
    url = ctx.http.url(body.next_page);
  }
  return out;
}

/** The users the rows name (requesters, assignees, comment authors) not read yet, 100 a request. */
async function loadUsers(ctx: PullContext, users: Map<number, ZUser | null>, tickets: ZTicket[], audits: ZAudit[][]): Promise<void> {
  const want = new Set<number>();
  const add = (id: unknown): void => { if (typeof id === 'number' && !users.has(id)) want.add(id); };
  for (const t of tickets) { add(t.requester_id); add(t.assignee_id); }
  for (const list of audits) {
    for (const a of list) {
      for (const e of a.events ?? []) {
        if (e.type === 'Comment' && e.public) add(e.author_id ?? a.author_id);
        if ((e.type === 'Change' || e.type === 'Create') && e.field_name === 'assignee_id') add(Number(e.value));
      }
    }
  }
  const ids = [...want];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const body = (await ctx.http.getJson<{ users: ZUser[] }>(ctx.http.url('/api/v2/users/show_many.json', { ids: chunk.join(',') }))).body;
    for (const id of chunk) users.set(id, null);
    for (const u of body.users ?? []) users.set(u.id, u);
  }
}

/** A ticket's rows: one per audit (its instant, its changes, a first reply), and one of its fields as now. */
function ticketRows(
  c: ZendeskSource, ctx: PullContext, columns: Record<string, string>, users: Map<number, ZUser | null>, t: ZTicket, audits: ZAudit[],
): EventRow[] {
  const id = String(t.id);
  const rows: EventRow[] = [];
  const userName = (v: unknown): string | null => {
    const u = typeof v === 'number' ? users.get(v) : typeof v === 'string' && /^\d+$/.test(v) ? users.get(Number(v)) : undefined;
    return u ? u.name ?? u.email ?? String(u.id) : str(v);
  };
  const status = (word: unknown): string | null => {
    const w = str(word);
    if (w === null) return null;
    const s = ctx.vocab.status(w) ?? ctx.vocab.status(STATUS[w.toLowerCase()] ?? w);
    if (s === null) ctx.count(`changes to a status sla does not know ("${w}"; map it under "values.status")`);
    return s;
  };
  const priority = (word: unknown): string | null | undefined => {
    const w = str(word);
    if (w === null) return null;
    const p = ctx.vocab.priority(w);
    if (p === null) { ctx.count(`changes to a priority sla does not know ("${w}"; map it under "values.priority")`); return undefined; }
    return p;
  };
  const sorted = [...audits].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
  for (const a of sorted) {
    const at = Date.parse(a.created_at);
    if (!Number.isFinite(at)) { ctx.count('audits without a valid created_at (skipped)'); continue; }
    const events: RowEvent[] = [];
    const attrs: TicketAttrs = {};
    const creating = (a.events ?? []).some((e) => e.type === 'Create');
    if (creating) events.push({ type: 'created', value: null });
    for (const e of a.events ?? []) {
      if (e.type === 'Create' || e.type === 'Change') {
        if (e.field_name === 'status') {
          const s = status(e.value);
          if (s !== null) attrs.status = s;
        } else if (e.field_name === 'priority') {
          const p = priority(e.value);
          if (p !== undefined && p !== null) attrs.priority = p;
        } else if (e.field_name === 'assignee_id' && columns.assignee === 'assignee') {
          events.push({ type: 'assign', value: e.value === null || e.value === undefined || e.value === '' ? null : userName(e.value) });
        }
      } else if (e.type === 'Comment' && e.public && !creating) {
        // the creating update's comment is the request itself (an agent may write it for a customer)
        const author = users.get(e.author_id ?? a.author_id);
        if (author && (author.role === 'agent' || author.role === 'admin')) events.push({ type: 'reply', value: null });
      }
    }
    if (events.length === 0 && attrs.status === undefined && attrs.priority === undefined) continue;
    rows.push({
      ticketId: id, at, events, actor: userName(a.author_id), attrs, createdAt: creating ? Date.parse(t.created_at) : null,
      firstResponseAt: null, resolvedAt: null, closedAt: null, digest: ctx.identity(`zendesk audit ${a.id}`),
    });
  }
  // The ticket's fields as they are now (subject, customer, tags …), at its last update.
  const updated = Date.parse(t.updated_at);
  const created = Date.parse(t.created_at);
  const flat = flatten(t, userName, (rid) => { const u = users.get(rid); return u ? u.email ?? u.name ?? String(rid) : String(rid); });
  rows.push({
    ticketId: id, at: Number.isFinite(updated) ? updated : created, events: [], actor: null, attrs: ticketAttrs(flat, columns, ctx),
    createdAt: Number.isFinite(created) ? created : null, firstResponseAt: null, resolvedAt: null, closedAt: null,
    digest: ctx.identity(`zendesk ticket ${t.id} ${t.updated_at}`),
  });
  return rows;
}

/** A ticket's fields by the names a mapping's columns use (custom_fields.ID, via.channel, requester, assignee …). */
function flatten(t: ZTicket, userName: (v: unknown) => string | null, requesterName: (id: number) => string | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) if (v === null || typeof v !== 'object' || Array.isArray(v)) out[k] = v;
  out['via.channel'] = t.via?.channel ?? null;
  for (const f of t.custom_fields ?? []) out[`custom_fields.${f.id}`] = f.value;
  out.assignee = t.assignee_id === null || t.assignee_id === undefined ? null : userName(t.assignee_id);
  out.requester = t.requester_id === null || t.requester_id === undefined ? null : requesterName(t.requester_id);
  return out;
}

/** `fn` over `items`, at most `limit` at once, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
