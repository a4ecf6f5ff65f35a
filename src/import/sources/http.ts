// A pull's HTTP client: GET of a helpdesk API's JSON, under the pull's time budget. It waits
// out a 429 (its Retry-After), tries again after a 5xx, a timeout or a dropped connection
// (backing off), and stops with one clear line on what retrying cannot fix (a refused token,
// a wrong subdomain). Every request goes to the source's own origin, whatever URL a page
// names for the next one: the credentials are never sent anywhere else. Messages never
// hold a URL's query, a header or a credential.

import { UserError } from '../../errors.js';
import { describeNetworkError, envMs, parseRetryAfter, sleep } from '../../http.js';

/** What retrying cannot fix, said for the user: exit 1. */
export class SourceError extends UserError {
  constructor(message: string, hint: string, readonly status: number | null = null, readonly body: unknown = null) {
    super(message, hint, 1);
  }
}

/** The pull's time budget ran out (or a Retry-After would outlast it): the pull stops; the next one resumes. */
export class TimeBudgetSpent extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

/** What each kind of source says to check when the helpdesk refuses a request. */
export interface RefusalHints {
  /** 401: the credentials. */
  auth: string;
  /** 403: the account's rights. */
  forbidden: string;
  /** 404: the account's address. */
  notFound: string;
}

export interface HttpTuning {
  /** Connect, headers and body timeouts of one request (SLA_HTTP_TIMEOUT_MS, default 30 s for pulls). */
  timeoutMs: number;
  /** First wait after a failure, doubled each time (SLA_RETRY_BASE_MS, default 500 ms). */
  retryBaseMs: number;
  /** Tries of one request before the pull stops with its failure. */
  attempts: number;
}

export function pullTuning(env: NodeJS.ProcessEnv): HttpTuning {
  return { timeoutMs: envMs(env, 'SLA_HTTP_TIMEOUT_MS', 30_000), retryBaseMs: envMs(env, 'SLA_RETRY_BASE_MS', 500), attempts: 6 };
}

export interface HttpOptions {
  /** The source's name in the config (messages say it). */
  source: string;
  /** The API's base URL: the vendor's, or the source's `url`. */
  base: string;
  headers: Record<string, string>;
  hints: RefusalHints;
  /** The real clock (ms) and the instant at which the pull's time budget ends on it. */
  wall: () => number;
  deadline: number;
  tuning: HttpTuning;
}

/** What a request answered: its status and its body as JSON. */
export interface JsonAnswer<T> { status: number; body: T; headers: Record<string, string | string[] | undefined> }

export class PullHttp {
  /** Requests sent (every try counts). */
  requests = 0;
  private readonly agents: { http?: import('node:http').Agent; https?: import('node:https').Agent } = {};
  private readonly origin: URL;

  constructor(private readonly o: HttpOptions) {
    this.origin = new URL(o.base.endsWith('/') ? o.base : `${o.base}/`);
  }

  /**
   * The URL of `pathOrUrl` below the source's base: a path ("/api/v2/…") with `query`, or a
   * URL a page named for the next page (its path and query, on the source's own origin).
   */
  url(pathOrUrl: string, query: Record<string, string | number | undefined> = {}): URL {
    // the base's own path ('' or a proxy's prefix) goes before the vendor's paths
    const prefix = this.origin.pathname.replace(/\/$/, '');
    const u = new URL(this.origin.href);
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const named = new URL(pathOrUrl);
      u.pathname = prefix !== '' && named.pathname.startsWith(`${prefix}/`) ? named.pathname : prefix + named.pathname;
      u.search = named.search;
    } else {
      u.pathname = prefix + pathOrUrl;
    }
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** GET `url`'s JSON: retried as above; 4xx other than 429 thrown as a SourceError (its status and body kept). */
  async getJson<T>(url: URL): Promise<JsonAnswer<T>> {
    const { tuning, wall, deadline } = this.o;
    let lastError = '';
    for (let attempt = 1; attempt <= tuning.attempts; attempt++) {
      const left = deadline - wall();
      if (left <= 0) throw new TimeBudgetSpent('the time budget ran out');
      let wait: number;
      const answer = await this.send(url, Math.min(tuning.timeoutMs, left));
      if ('error' in answer) {
        // a request cut short by the end of the budget (its timeout was what was left of it)
        if (answer.error === 'timeout' && wall() >= deadline - 5) throw new TimeBudgetSpent('the time budget ran out');
        lastError = answer.error;
        if (answer.permanent) throw new SourceError(`${this.o.source}: ${answer.error}`, `check sources.${this.o.source}.url (or the account's address)`);
        wait = this.backoff(attempt);
      } else {
        const { status, text, headers } = answer;
        if (status >= 200 && status < 300) {
          try {
            return { status, body: JSON.parse(text) as T, headers };
          } catch {
            lastError = `HTTP ${status} with a body that is not JSON`;
            wait = this.backoff(attempt);
          }
        } else if (status === 429) {
          lastError = 'HTTP 429 (rate limited)';
          wait = parseRetryAfter(headers['retry-after'], wall(), 24 * 3_600_000) ?? this.backoff(attempt);
          if (wall() + wait > deadline) throw new TimeBudgetSpent(`the helpdesk asked to wait ${Math.ceil(wait / 1000)} s (HTTP 429), past the time budget`);
          attempt--; // a rate limit is not a failure: it does not use up the tries
        } else if (status === 408 || status >= 500) {
          lastError = `HTTP ${status}`;
          wait = parseRetryAfter(headers['retry-after'], wall(), 60_000) ?? this.backoff(attempt);
        } else {
          throw this.refusal(status, text);
        }
      }
      if (attempt >= tuning.attempts) break;
      if (wall() + wait > deadline) throw new TimeBudgetSpent(`${lastError}; the time budget ran out while waiting to try again`);
      await sleep(wait);
    }
    throw new SourceError(`${this.o.source}: the helpdesk kept failing (${lastError}, ${tuning.attempts} tries)`,
      'its status page may say more; the next pull resumes from where this one stopped');
  }

  async close(): Promise<void> {
    this.agents.http?.destroy();
    this.agents.https?.destroy();
  }

  private backoff(attempt: number): number {
    const base = this.o.tuning.retryBaseMs * 2 ** (attempt - 1);
    return Math.min(60_000, base + Math.floor(Math.random() * base / 2));
  }

  private refusal(status: number, text: string): SourceError {
    let body: unknown = null;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    const { source, hints } = this.o;
    if (status === 401) return new SourceError(`${source}: the helpdesk refused the credentials (HTTP 401)`, hints.auth, status, body);
    if (status === 403) return new SourceError(`${source}: the helpdesk refused access (HTTP 403)`, hints.forbidden, status, body);
    if (status === 404) return new SourceError(`${source}: no such helpdesk account or endpoint (HTTP 404)`, hints.notFound, status, body);
    return new SourceError(`${source}: the helpdesk refused the request (HTTP ${status}${errorCode(body)})`,
      'this may be a bug in sla\'s request; run with --verbose and report it', status, body);
  }

  /**
   * One GET, its whole answer within `timeoutMs`. Node's own http/https client, not undici:
   * a pull with nothing new must end fast, and loading undici (and its timers' wait at exit)
   * cost several times what the one request does (figures in the commit that chose this).
   */
  private async send(url: URL, timeoutMs: number): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> } | { error: string; permanent: boolean }> {
    this.requests++;
    const secure = url.protocol === 'https:';
    const mod = secure ? await import('node:https') : await import('node:http');
    const agent = secure
      ? (this.agents.https ??= new (mod as typeof import('node:https')).Agent({ keepAlive: true, maxSockets: 8 }))
      : (this.agents.http ??= new mod.Agent({ keepAlive: true, maxSockets: 8 }));
    return new Promise((resolve) => {
      let settled = false;
      const finish = (v: Awaited<ReturnType<PullHttp['send']>>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      };
      const failed = (err: unknown): void => {
        const f = describeNetworkError(err);
        finish({ error: f.error, permanent: f.permanent || f.error === 'host not found' });
      };
      const req = mod.request(url, { method: 'GET', agent, headers: { accept: 'application/json', 'user-agent': 'sla-monitor', ...this.o.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', failed);
      });
      const timer = setTimeout(() => {
        finish({ error: 'timeout', permanent: false });
        req.destroy();
      }, timeoutMs);
      req.on('error', failed);
      req.end();
    });
  }
}

/** A short, safe detail of an error body: a vendor's error code ("InvalidCursor"), never free text. */
function errorCode(body: unknown): string {
  const b = body as { error?: unknown; code?: unknown; errors?: unknown } | null;
  const code = typeof b?.error === 'string' ? b.error : typeof b?.code === 'string' ? b.code : null;
  return code !== null && /^[A-Za-z_.]{1,60}$/.test(code) ? `: ${code}` : '';
}
