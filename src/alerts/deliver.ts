// Delivering the outbox, after the recording transaction has committed.
//
// 1. Claim: one short transaction marks due alerts 'sending' with a lease, so
//    concurrent runs never send the same alert; a crashed run's claims lapse and are
//    claimed again (at most the alert that was in flight is sent twice — receivers
//    drop it by its event id).
// 2. Send, outside any transaction: per destination, one message per alert, or one
//    digest when more than alerts.digestAbove are due for a Slack or e-mail
//    destination. Network errors, timeouts, 5xx and 429 are retried a few times
//    with exponential backoff and jitter (Retry-After honoured, capped); then the
//    alert — and the destination's other alerts, not tried again in this run —
//    wait for a later run. Other 4xx are permanent: 'failed', reported.
// 3. Record: 'sent' only after a 2xx (or SMTP acceptance), in a short transaction.
//
// Secrets ($VARS in url, headers, smtp) are resolved here, at the moment of use,
// and never stored, printed or put into an error text.

import type { Config, DestinationConfig } from '../config/types.js';
import { resolveSecrets } from '../config/secrets.js';
import type { Instant } from '../domain/types.js';
import type { AlertStore, OutboxRow } from '../store/alerts.js';
import type { AlertFacts } from './facts.js';
import { emailDigest, emailMessage, slackDigest, slackMessage } from './render.js';
import { sleep, Transport, tuningFromEnv, type Outcome, type Tuning } from './transport.js';

export interface DeliveryFailure {
  destination: string | null;
  alertIds: string[];
  error: string;
  /** true: the alerts are 'failed' (or blocked by the config) — the run exits 1. */
  permanent: boolean;
}

export interface DeliveryReport {
  /** Alerts marked sent. */
  sent: number;
  /** Messages actually sent (a digest is one). */
  messages: number;
  digests: number;
  /** Alerts left pending for a later run. */
  retrying: number;
  /** Alerts marked failed in this run. */
  failed: number;
  failures: DeliveryFailure[];
}

export interface DeliveryOptions {
  alerts: AlertStore;
  config: Config;
  env: NodeJS.ProcessEnv;
  /** The run's clock: --at (or now) plus the wall time spent since the run began. */
  now: () => Instant;
  /** Deliver only these alerts (sla escalate --notify). */
  onlyIds?: readonly string[];
  tuning?: Tuning;
  /** For jitter; Math.random by default. */
  random?: () => number;
}

const DAY = 86_400_000;
/** A transient failure turns permanent after this long and this many attempts. */
const GIVE_UP_AFTER_MS = DAY;
const GIVE_UP_ATTEMPTS = 10;

interface Resolved { kind: 'http'; url: string; headers: Record<string, string> }
interface ResolvedMail { kind: 'mail'; smtp: string }

function resolveDestination(d: DestinationConfig, env: NodeJS.ProcessEnv): Resolved | ResolvedMail | { kind: 'file'; path: string } {
  const where = `alerts.destinations.${d.name}`;
  switch (d.type) {
    case 'slack':
      return { kind: 'http', url: resolveSecrets(d.url, env, `${where}.url`), headers: {} };
    case 'webhook': {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.headers)) headers[k] = resolveSecrets(v, env, `${where}.headers.${k}`);
      return { kind: 'http', url: resolveSecrets(d.url, env, `${where}.url`), headers };
    }
    case 'email':
      return { kind: 'mail', smtp: resolveSecrets(d.smtp, env, `${where}.smtp`) };
    case 'file':
      return { kind: 'file', path: d.path };
  }
}

/** Delay before the next run may retry: 1 min doubling per failed run, at most 15 min, jittered down. */
export function betweenRunsDelay(totalAttempts: number, inRunAttempts: number, random: () => number): number {
  const failedRuns = Math.max(1, Math.ceil(totalAttempts / inRunAttempts));
  const base = Math.min(60_000 * 2 ** (failedRuns - 1), 15 * 60_000);
  return Math.round(base * (0.75 + 0.25 * random()));
}

/** Delay before the next attempt within a run: base × 2^(n-1), full jitter in [½, 1]. */
export function inRunDelay(attempt: number, baseMs: number, random: () => number): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (0.5 + 0.5 * random()));
}

export async function deliverPending(opts: DeliveryOptions): Promise<DeliveryReport> {
  const tuning = opts.tuning ?? tuningFromEnv(opts.env);
  const random = opts.random ?? Math.random;
  const report: DeliveryReport = { sent: 0, messages: 0, digests: 0, retrying: 0, failed: 0, failures: [] };
  const transport = new Transport(tuning);
  const { alerts, config } = opts;
  try {
    for (let round = 0; round < 3; round++) {
      const now = opts.now();
      const claimed = opts.onlyIds
        ? opts.onlyIds.map((id) => alerts.claimOne(id, now, now + tuning.leaseMs)).filter((r): r is OutboxRow => r !== null)
        : alerts.claim(now, now + tuning.leaseMs, 10_000);
      if (claimed.length === 0) break;
      const byDest = new Map<string, OutboxRow[]>();
      for (const r of claimed) {
        const key = r.destination ?? '';
        const list = byDest.get(key);
        if (list) list.push(r);
        else byDest.set(key, [r]);
      }
      // Destinations are independent: deliver them side by side, each in order.
      await Promise.all([...byDest].map(([name, rows]) => deliverToDestination(name, rows)));
      if (opts.onlyIds) break;
    }
  } finally {
    await transport.close();
  }
  return report;

  /** Mark the alerts 'failed' and report them (permanent). */
  function fail(name: string, ids: string[], attempts: number, error: string): void {
    alerts.markFailed(ids, attempts, error);
    report.failed += ids.length;
    report.failures.push({ destination: name, alertIds: ids, error, permanent: true });
  }

  /** Leave the alerts pending until `at` and report them (`permanent`: retrying will not help by itself). */
  function retryAt(name: string, ids: string[], at: Instant, attempts: number, error: string, permanent: boolean): void {
    alerts.markRetry(ids, at, attempts, error);
    report.retrying += ids.length;
    report.failures.push({ destination: name, alertIds: ids, error, permanent });
  }

  async function deliverToDestination(name: string, rows: OutboxRow[]): Promise<void> {
    const dest = config.alerts.destinations[name];
    if (!dest) {
      fail(name, rows.map((r) => r.id), 0, `destination "${name}" is not in the config any more`);
      return;
    }
    let target: ReturnType<typeof resolveDestination>;
    try {
      target = resolveDestination(dest, opts.env);
    } catch (err) {
      // Not set in this environment (cron's, a service's): keep them queued, say so loudly.
      const error = (err as Error).message;
      const total = Math.max(...rows.map((r) => r.attempts));
      retryAt(name, rows.map((r) => r.id), opts.now() + betweenRunsDelay(total, tuning.inRunAttempts, random), 0, error, true);
      return;
    }
    const facts = rows.map((r) => JSON.parse(r.payload) as AlertFacts);
    const digest = (dest.type === 'slack' || dest.type === 'email') && rows.length > config.alerts.digestAbove;
    if (digest) {
      await deliverUnit(name, dest, target, rows, facts, true);
      return;
    }
    for (let i = 0; i < rows.length; i++) {
      const outcome = await deliverUnit(name, dest, target, [rows[i]], [facts[i]], false);
      if (outcome.kind === 'retry' && i + 1 < rows.length) {
        // The destination is failing: do not spend this run's time on the others; they wait with it.
        const rest = rows.slice(i + 1);
        const total = Math.max(...rest.map((r) => r.attempts));
        const at = opts.now() + Math.max(outcome.delayMs, betweenRunsDelay(total, tuning.inRunAttempts, random));
        retryAt(name, rest.map((r) => r.id), at, 0, outcome.error, false);
        return;
      }
    }
  }

  async function sendOnce(dest: DestinationConfig, target: ReturnType<typeof resolveDestination>, rows: OutboxRow[], facts: AlertFacts[], digest: boolean): Promise<Outcome> {
    const zone = config.timezone;
    if (target.kind === 'file') {
      for (let i = 0; i < rows.length; i++) {
        const out = transport.appendLine(target.path, { ...facts[i], alertId: rows[i].id, destination: dest.name });
        if (!out.ok) return out;
      }
      return { ok: true };
    }
    if (target.kind === 'mail') {
      const d = dest as Extract<DestinationConfig, { type: 'email' }>;
      const msg = digest ? emailDigest(facts, zone) : emailMessage(facts[0], zone);
      return transport.mail(target.smtp, { from: d.from, to: d.to, ...msg, messageId: `<${digest ? rows[0].id + '.digest' : rows[0].id}@sla>` });
    }
    if (dest.type === 'slack') {
      await transport.slackTurn(target.url);
      const msg = digest ? slackDigest(facts, zone) : slackMessage(facts[0], zone);
      return transport.postJson(target.url, target.headers, msg);
    }
    // webhook: one event per request, its stable id in the body and as the idempotency key.
    return transport.postJson(target.url, { ...target.headers, 'idempotency-key': facts[0].id }, { ...facts[0], alertId: rows[0].id, destination: dest.name });
  }

  async function deliverUnit(
    name: string, dest: DestinationConfig, target: ReturnType<typeof resolveDestination>,
    rows: OutboxRow[], facts: AlertFacts[], digest: boolean,
  ): Promise<{ kind: 'sent' | 'failed' } | { kind: 'retry'; error: string; delayMs: number }> {
    const ids = rows.map((r) => r.id);
    let attempts = 0;
    let last: Outcome = { ok: false, permanent: false, error: 'not attempted' };
    let laterMs = 0;
    while (attempts < tuning.inRunAttempts) {
      last = await sendOnce(dest, target, rows, facts, digest);
      attempts++;
      if (last.ok) {
        alerts.markSent(ids, opts.now(), attempts);
        report.sent += rows.length;
        report.messages += dest.type === 'file' ? rows.length : 1;
        if (digest) report.digests++;
        return { kind: 'sent' };
      }
      if (last.permanent) {
        fail(name, ids, attempts, last.error);
        return { kind: 'failed' };
      }
      if (attempts >= tuning.inRunAttempts) break;
      const wait = last.retryAfterMs ?? inRunDelay(attempts, tuning.retryBaseMs, random);
      if (wait > tuning.maxInRunWaitMs) {
        laterMs = wait;
        break;
      }
      await sleep(wait);
    }
    const error = last.ok ? '' : last.error;
    const now = opts.now();
    const oldest = Math.min(...rows.map((r) => r.createdAt));
    const total = Math.max(...rows.map((r) => r.attempts)) + attempts;
    if (now - oldest > GIVE_UP_AFTER_MS && total >= GIVE_UP_ATTEMPTS) {
      fail(name, ids, attempts, `gave up after ${total} attempts over ${Math.round((now - oldest) / 3_600_000)}h: ${error}`);
      return { kind: 'failed' };
    }
    const delay = Math.max(laterMs, betweenRunsDelay(total, tuning.inRunAttempts, random));
    retryAt(name, ids, now + delay, attempts, error, false);
    return { kind: 'retry', error, delayMs: laterMs };
  }
}
