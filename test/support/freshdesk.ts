// A local Freshdesk API (v2) for `sla pull`, over real HTTP on 127.0.0.1, answering as
// https://developers.freshdesk.com/api/ documents:
// - GET /api/v2/tickets?updated_since=ISO&order_by=updated_at&order_type=asc&per_page=N&page=P
//   &include=stats,requester → a JSON array of tickets with updated_at ≥ updated_since, oldest
//   change first; per_page at most 100; a `Link: <…page=P+1…>; rel="next"` header while there are
//   more; page numbers beyond the cap (Freshdesk documents none we could confirm: 300 here, as
//   the issue states) answer 400. Each ticket: {id, subject, status (2 Open, 3 Pending, 4 Resolved,
//   5 Closed), priority (1 Low … 4 Urgent), source (1 Email, 2 Portal, 3 Phone, 7 Chat …),
//   requester_id, responder_id, group_id, company_id, type, tags, custom_fields {cf_…},
//   created_at, updated_at, stats {first_responded_at, resolved_at, closed_at, reopened_at,
//   pending_since, status_updated_at, agent_responded_at, requester_responded_at}, requester
//   {name, email}}.
// - Authentication: Basic base64("APIKEY:X"); else 401 {"code": "invalid_credentials", "message": …}.
// - 429 with Retry-After (seconds) when over the rate.
// Time here is the scenario's: each change says when it happened.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fakeHelpdeskServer } from './servers.js';

export interface FStats {
  first_responded_at: string | null; agent_responded_at: string | null; requester_responded_at: string | null; resolved_at: string | null;
  closed_at: string | null; reopened_at: string | null; pending_since: string | null; status_updated_at: string | null;
}
export interface FTicket {
  id: number; subject: string; status: number; priority: number; source: number; requester_id: number; responder_id: number | null;
  group_id: number | null; company_id: number | null; type: string | null; tags: string[]; custom_fields: Record<string, unknown>;
  created_at: string; updated_at: string; stats: FStats; requester: { id: number; name: string; email: string };
}

export type Fault = { status: number; retryAfter?: string } | 'stall';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const STATUS: Record<string, number> = { open: 2, pending: 3, resolved: 4, closed: 5 };

export class FakeFreshdesk {
  readonly tickets = new Map<number, FTicket>();
  readonly log: Array<{ path: string; query: URLSearchParams; status: number | 'stall' }> = [];
  apiKey = 'fd-secret-key';
  maxPerPage = 100;
  /** Delay of every answer (ms): a pull that takes a while, to be killed in the middle. */
  delayMs = 0;
  /** Requests received, counted on arrival (before the answer's delay). */
  arrived = 0;
  pageCap = 300;
  private readonly faults: Array<{ path: RegExp; fault: Fault }> = [];
  private readonly stalled = new Set<ServerResponse>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<FakeFreshdesk> {
    let self: FakeFreshdesk | undefined;
    const { server, port } = await fakeHelpdeskServer(() => self!, (req, res) => self!.handle(req, res));
    self = new FakeFreshdesk(server, port);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  fault(path: RegExp, ...faults: Fault[]): void {
    for (const fault of faults) this.faults.push({ path, fault });
  }

  /** A ticket created at `at` (Freshdesk opens it at once). */
  create(id: number, at: string, o: { priority?: number; subject?: string; company?: number | null; custom?: Record<string, unknown>; tags?: string[]; requester?: string } = {}): void {
    const name = o.requester ?? 'Rae Customer';
    this.tickets.set(id, {
      id, subject: o.subject ?? `Ticket ${id}`, status: 2, priority: o.priority ?? 2, source: 2, requester_id: 1, responder_id: null, group_id: null,
      company_id: o.company ?? null, type: 'Question', tags: o.tags ?? [], custom_fields: o.custom ?? {}, created_at: at, updated_at: at,
      stats: {
        first_responded_at: null, agent_responded_at: null, requester_responded_at: null, resolved_at: null, closed_at: null,
        reopened_at: null, pending_since: null, status_updated_at: at,
      },
      requester: { id: 1, name, email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com` },
    });
  }

  /** An agent's public reply at `at` (the first one is the ticket's first response). */
  reply(id: number, at: string): void {
    const t = this.get(id, at);
    t.stats.first_responded_at ??= at;
    t.stats.agent_responded_at = at;
  }

  /** The ticket's status changes at `at` (as Freshdesk keeps its stats). */
  status(id: number, at: string, status: 'open' | 'pending' | 'resolved' | 'closed' | number): void {
    const t = this.get(id, at);
    const n = typeof status === 'number' ? status : STATUS[status];
    const wasDone = t.status === 4 || t.status === 5;
    t.status = n;
    t.stats.status_updated_at = at;
    t.stats.pending_since = n === 3 ? at : null;
    if (n === 4) t.stats.resolved_at = at;
    if (n === 5) { t.stats.closed_at = at; t.stats.resolved_at ??= at; }
    if (wasDone && n !== 4 && n !== 5) t.stats.reopened_at = at;
  }

  priority(id: number, at: string, priority: number): void {
    this.get(id, at).priority = priority;
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private get(id: number, at: string): FTicket {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    t.updated_at = iso(Date.parse(at));
    return t;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', this.url);
    const entry: { path: string; query: URLSearchParams; status: number | 'stall' } = { path: u.pathname, query: u.searchParams, status: 200 };
    this.log.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const expected = `Basic ${Buffer.from(`${this.apiKey}:X`).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
    const k = this.faults.findIndex((f) => f.path.test(u.pathname + u.search));
    if (k >= 0) {
      const { fault } = this.faults.splice(k, 1)[0];
      if (fault === 'stall') { entry.status = 'stall'; this.stalled.add(res); return; }
      return send(fault.status, { code: fault.status === 429 ? 'rate_limited' : 'internal_error' }, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
    }
    if (u.pathname !== '/api/v2/tickets') return send(404, {});
    const perPage = Number(u.searchParams.get('per_page') ?? '30');
    const page = Number(u.searchParams.get('page') ?? '1');
    if (perPage > 100) return send(400, { description: 'Validation failed', errors: [{ field: 'per_page', message: 'Has to be less than or equal to 100', code: 'invalid_value' }] });
    if (page > this.pageCap) return send(400, { description: 'Validation failed', errors: [{ field: 'page', message: `Has to be less than or equal to ${this.pageCap}`, code: 'invalid_value' }] });
    const since = Date.parse(u.searchParams.get('updated_since') ?? '1970-01-01T00:00:00Z');
    const asc = (u.searchParams.get('order_type') ?? 'desc') === 'asc';
    const list = [...this.tickets.values()].filter((t) => Date.parse(t.updated_at) >= since)
      .sort((a, b) => (asc ? 1 : -1) * (Date.parse(a.updated_at) - Date.parse(b.updated_at)) || a.id - b.id);
    const size = Math.min(perPage, this.maxPerPage);
    const slice = list.slice((page - 1) * size, page * size);
    const include = new Set((u.searchParams.get('include') ?? '').split(','));
    const body = slice.map((t) => {
      const { stats, requester, ...rest } = t;
      return { ...rest, ...(include.has('stats') ? { stats } : {}), ...(include.has('requester') ? { requester } : {}) };
    });
    const more = page * size < list.length;
    const next = new URL(u.href);
    next.searchParams.set('page', String(page + 1));
    send(200, body, more ? { link: `<${next.href}>; rel="next"` } : {});
  }
}
