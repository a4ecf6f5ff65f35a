// What every HTTP client of sla shares (alert delivery, pulls from a helpdesk): reading a
// Retry-After, a network error said without any address or credential in it, the tuning knobs.

/** A request that got no answer: why, and whether trying again may help. */
export interface NetworkFailure { ok: false; permanent: boolean; error: string }

/** Retry-After: delay-seconds or an HTTP date; capped; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number, capMs: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  let ms: number;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) ms = Number(v) * 1000;
  else {
    const t = Date.parse(v);
    if (Number.isNaN(t)) return null;
    ms = t - nowMs;
  }
  return Math.min(Math.max(0, ms), capMs);
}

const NETWORK_ERRORS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout waiting for the response',
  UND_ERR_BODY_TIMEOUT: 'timeout reading the response',
  UND_ERR_SOCKET: 'connection dropped',
  UND_ERR_CLOSED: 'connection closed',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection dropped',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** A network error as a short text with no address in it. */
export function describeNetworkError(err: unknown): NetworkFailure {
  const e = err as { code?: string; cause?: { code?: string }; name?: string };
  const code = e?.code ?? e?.cause?.code ?? '';
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG' || e?.name === 'InvalidArgumentError') {
    return { ok: false, permanent: true, error: 'invalid URL (check the destination\'s url and the variable it names)' };
  }
  const known = NETWORK_ERRORS[code];
  return { ok: false, permanent: false, error: known ?? `network error${code ? ` (${code})` : ''}` };
}


export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A number of milliseconds from the variable `name` of `env` (a tuning knob), else `fallback`. */
export function envMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
