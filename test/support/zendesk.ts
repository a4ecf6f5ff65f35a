// A local Zendesk Support API for `sla pull`: just the endpoints a pull reads, answering as
// Zendesk documents them, over real HTTP on 127.0.0.1.
// - Cursor-based incremental ticket export: GET /api/v2/incremental/tickets/cursor.json with
//   start_time (epoch seconds) on the first request, then cursor=<after_cursor>; per_page (at most
//   1000); answers {tickets, after_cursor, after_url, before_cursor, before_url, end_of_stream}.
//   https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
// - Ticket audits: GET /api/v2/tickets/{id}/audits.json, oldest first, offset pagination
//   ({audits, next_page, previous_page, count}); each audit {id, ticket_id, created_at, author_id,
//   via, events}, events Create {field_name, value}, Change {field_name, value, previous_value},
//   Comment {body, public, author_id}.
//   https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/ and
//   https://developer.zendesk.com/documentation/ticketing/reference-guides/ticket-audit-events-reference
// - Users: GET /api/v2/users/show_many.json?ids=1,2 → {users: [{id, name, email, role}]}, role
//   "end-user", "agent" or "admin".
//   https://developer.zendesk.com/api-reference/ticketing/users/users/#show-many-users
// - API token authentication: Basic base64("{email}/token:{token}"), else 401
//   {"error": "Couldn't authenticate you"}; 429 with Retry-After (seconds) when rate limited.
//   https://developer.zendesk.com/api-reference/introduction/security-and-auth/ and
//   https://developer.zendesk.com/api-reference/introduction/rate-limits/
// Faults are scripted per path (a 500 in the middle of a walk, a 429, a stall, a refused cursor),
// and `overlap` makes each export page repeat the end of the one before.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ZUser { id: number; name: string; email: string; role: 'end-user' | 'agent' | 'admin' }
export interface ZEvent { id: number; type: string; field_name?: string; value?: unknown; previous_value?: unknown; public?: boolean; body?: string; author_id?: number }
export interface ZAudit { id: number; ticket_id: number; created_at: string; author_id: number; via: { channel: string }; events: ZEvent[] }
export interface ZTicket {
  id: number; subject: string; status: string; priority: string | null; type: string | null; requester_id: number; submitter_id: number;
  assignee_id: number | null; group_id: number | null; organization_id: number | null; tags: string[];
  custom_fields: Array<{ id: number; value: unknown }>; via: { channel: string }; created_at: string; updated_at: string;
  generated_timestamp: number; url: string;
}

export type Fault = { status: number; retryAfter?: string; body?: string } | 'stall';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export class FakeZendesk {
  readonly users = new Map<number, ZUser>();
  readonly tickets = new Map<number, ZTicket>();
  readonly audits = new Map<number, ZAudit[]>();
  /** Every request: its path and query, and what it was answered. */
  readonly log: Array<{ path: string; query: string; status: number | 'stall' }> = [];
  email = 'ops@acme.example';
  token = 'zd-secret-token';
  /** Audits per page (Zendesk: 100). */
  auditsPerPage = 100;
  /** The most tickets an export page holds (Zendesk: 1000; fewer makes a walk of many pages). */
  maxPerPage = 1000;
  /** Each export page starts this many tickets before its cursor (a page that repeats the end of the last). */
  overlap = 0;
  /** Delay of every answer (ms): a pull that takes a while, to be killed in the middle. */
  delayMs = 0;
  /** Requests received, counted on arrival (before the answer's delay). */
  arrived = 0;
  /** Cursors the server no longer accepts (answered 422). */
  readonly expiredCursors = new Set<string>();
  private readonly faults: Array<{ path: RegExp; fault: Fault }> = [];
  private nextId = 9000;
  /**
   * Zendesk's generated_timestamp: when the change was stored (what the export orders and starts
   * by), not the time the ticket says — a change made later always comes after every earlier one.
   */
  private generated = 0;
  private stamp(ms: number): number {
    this.generated = Math.max(Math.floor(ms / 1000), this.generated + 1);
    return this.generated;
  }
  private readonly stalled = new Set<ServerResponse>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<FakeZendesk> {
    let self: FakeZendesk | undefined;
    const server = createServer((req, res) => { self!.arrived++; void self!.handle(req, res); });
    server.keepAliveTimeout = 2000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new FakeZendesk(server, (server.address() as AddressInfo).port);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next request whose path matches gets this answer (in order, once each). */
  fault(path: RegExp, ...faults: Fault[]): void {
    for (const fault of faults) this.faults.push({ path, fault });
  }

  user(id: number, name: string, role: ZUser['role']): number {
    this.users.set(id, { id, name, email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com`, role });
    return id;
  }

  /**
   * A ticket created at `at` by `requester` (the creating audit sets every field, and holds
   * the request as a public comment — by `by`, an agent writing for the customer, when given).
   */
  create(id: number, at: string, o: {
    requester: number; subject?: string; priority?: string | null; status?: string; assignee?: number | null; group?: number | null;
    organization?: number | null; tags?: string[]; custom?: Array<{ id: number; value: unknown }>; by?: number; channel?: string;
  }): void {
    const ms = Date.parse(at);
    const t: ZTicket = {
      id, subject: o.subject ?? `Ticket ${id}`, status: o.status ?? 'new', priority: o.priority ?? null, type: 'question', requester_id: o.requester,
      submitter_id: o.by ?? o.requester, assignee_id: o.assignee ?? null, group_id: o.group ?? null, organization_id: o.organization ?? null,
      tags: o.tags ?? [], custom_fields: o.custom ?? [], via: { channel: o.channel ?? 'web' }, created_at: iso(ms), updated_at: iso(ms),
      generated_timestamp: this.stamp(ms), url: `${this.url}/api/v2/tickets/${id}.json`,
    };
    this.tickets.set(id, t);
    const events: ZEvent[] = [
      { id: this.nextId++, type: 'Comment', body: 'the request', public: true, author_id: o.by ?? o.requester },
      { id: this.nextId++, type: 'Create', field_name: 'subject', value: t.subject },
      { id: this.nextId++, type: 'Create', field_name: 'status', value: t.status },
      { id: this.nextId++, type: 'Create', field_name: 'priority', value: t.priority },
      { id: this.nextId++, type: 'Create', field_name: 'requester_id', value: String(o.requester) },
    ];
    if (t.assignee_id !== null) events.push({ id: this.nextId++, type: 'Create', field_name: 'assignee_id', value: String(t.assignee_id) });
    this.audits.set(id, [{ id: this.nextId++, ticket_id: id, created_at: iso(ms), author_id: o.by ?? o.requester, via: { channel: t.via.channel }, events }]);
  }

  /** An update of ticket `id` at `at` by `author`: field changes and a comment, in one audit. */
  update(id: number, at: string, author: number, o: {
    status?: string; priority?: string | null; assignee?: number | null; comment?: 'public' | 'private'; tags?: string[]; subject?: string;
  }): void {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    const ms = Date.parse(at);
    const events: ZEvent[] = [];
    if (o.comment) events.push({ id: this.nextId++, type: 'Comment', body: 'a comment', public: o.comment === 'public', author_id: author });
    const change = (field: string, value: unknown, previous: unknown): void => {
      events.push({ id: this.nextId++, type: 'Change', field_name: field, value, previous_value: previous });
    };
    if (o.status !== undefined && o.status !== t.status) { change('status', o.status, t.status); t.status = o.status; }
    if (o.priority !== undefined && o.priority !== t.priority) { change('priority', o.priority, t.priority); t.priority = o.priority; }
    if (o.assignee !== undefined && o.assignee !== t.assignee_id) {
      change('assignee_id', o.assignee === null ? null : String(o.assignee), t.assignee_id === null ? null : String(t.assignee_id));
      t.assignee_id = o.assignee;
    }
    if (o.tags !== undefined) { change('tags', o.tags.join(' '), t.tags.join(' ')); t.tags = o.tags; }
    if (o.subject !== undefined) { change('subject', o.subject, t.subject); t.subject = o.subject; }
    t.updated_at = iso(ms);
    t.generated_timestamp = this.stamp(ms);
    this.audits.get(id)!.push({ id: this.nextId++, ticket_id: id, created_at: iso(ms), author_id: author, via: { channel: 'web' }, events });
  }

  /** A ticket deleted in Zendesk (the export shows it with status "deleted"). */
  delete(id: number, at: string): void {
    const t = this.tickets.get(id)!;
    t.status = 'deleted';
    t.updated_at = at;
    t.generated_timestamp = this.stamp(Date.parse(at));
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    const entry: { path: string; query: string; status: number | 'stall' } = { path: u.pathname, query: u.search, status: 200 };
    this.log.push(entry);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const expected = `Basic ${Buffer.from(`${this.email}/token:${this.token}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(401, { error: "Couldn't authenticate you" });
    const k = this.faults.findIndex((f) => f.path.test(u.pathname + u.search));
    if (k >= 0) {
      const { fault } = this.faults.splice(k, 1)[0];
      if (fault === 'stall') {
        entry.status = 'stall';
        this.stalled.add(res);
        return;
      }
      return send(fault.status, fault.body ?? (fault.status === 429 ? 'Too many requests' : { error: 'InternalError' }),
        fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
    }
    if (u.pathname === '/api/v2/incremental/tickets/cursor.json') return this.exportPage(u, send);
    const audits = /^\/api\/v2\/tickets\/(\d+)\/audits\.json$/.exec(u.pathname);
    if (audits) {
      const list = this.audits.get(Number(audits[1]));
      if (!list) return send(404, { error: 'RecordNotFound', description: 'Not found' });
      const page = Number(u.searchParams.get('page') ?? '1');
      const slice = list.slice((page - 1) * this.auditsPerPage, page * this.auditsPerPage);
      const more = page * this.auditsPerPage < list.length;
      return send(200, {
        audits: slice, count: list.length, previous_page: page > 1 ? `${this.url}${u.pathname}?page=${page - 1}` : null,
        next_page: more ? `${this.url}${u.pathname}?page=${page + 1}` : null,
      });
    }
    if (u.pathname === '/api/v2/users/show_many.json') {
      const ids = (u.searchParams.get('ids') ?? '').split(',').map(Number);
      return send(200, { users: ids.map((id) => this.users.get(id)).filter((x) => x !== undefined) });
    }
    return send(404, { error: 'InvalidEndpoint', description: 'Not found' });
  }

  /** Tickets in export order (generated_timestamp, then id), from a position on. */
  private exportPage(u: URL, send: (status: number, body: unknown) => void): void {
    const perPage = Math.min(this.maxPerPage, Number(u.searchParams.get('per_page') ?? '1000'));
    const order = [...this.tickets.values()].sort((a, b) => a.generated_timestamp - b.generated_timestamp || a.id - b.id);
    const cursor = u.searchParams.get('cursor');
    let from: number;
    if (cursor !== null) {
      if (this.expiredCursors.has(cursor)) return send(422, { error: 'InvalidPaginationParameter', description: 'cursor is invalid or has expired' });
      const [ts, id] = Buffer.from(cursor, 'base64url').toString().split('|').map(Number);
      from = order.findIndex((t) => t.generated_timestamp > ts || (t.generated_timestamp === ts && t.id > id));
      if (from < 0) from = order.length;
    } else {
      const start = Number(u.searchParams.get('start_time'));
      if (!Number.isFinite(start)) return send(400, { error: 'InvalidValue', description: 'start_time is required' });
      from = order.findIndex((t) => t.generated_timestamp >= start);
      if (from < 0) from = order.length;
    }
    const begin = Math.max(0, from - (cursor !== null ? this.overlap : 0));
    const tickets = order.slice(begin, from + perPage);
    const last = tickets.at(-1);
    const after = last ? Buffer.from(`${last.generated_timestamp}|${last.id}`).toString('base64url') : cursor;
    send(200, {
      tickets, after_cursor: after, after_url: after === null ? null : `${this.url}/api/v2/incremental/tickets/cursor.json?cursor=${after}`,
      before_cursor: null, before_url: null, end_of_stream: from + perPage >= order.length,
    });
  }
}
