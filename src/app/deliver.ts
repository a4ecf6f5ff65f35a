// Delivering the outbox, after the recording transaction has committed.
//
// 1. Claim, just before sending: per destination, one short transaction claims a few due
//    alerts (CLAIM_BATCH; a digest claims what it sums up) under this run's lease — on the
//    real clock, never --at — so concurrent runs never send the same alert. The lease is
//    short (tuning.leaseMs, 60 s) and renewed every third of it while the run works, so a
//    run that outlasts it keeps what it claimed, and a crashed run's claims are free again
//    within a lease (at most the alert that was in flight is sent twice — receivers drop it
//    by its event id). An alert whose lease this run no longer holds is not sent.
// 2. Send, outside any transaction: per destination (its own file, listed in
//    destinations.ts), one message per alert, or one digest when more than
//    alerts.digestAbove are due for a destination that has digests (Slack, e-mail).
//    Network errors, timeouts, 5xx and 429 are retried a few times
//    with exponential backoff and jitter (Retry-After honoured, capped); then the
//    alert — and the destination's other due alerts, not tried in this run — wait for a
//    later run, each on its own schedule (its attempts count this run). Other 4xx are
//    permanent: 'failed', reported. A 410 Gone also disables the destination (the Standard
//    Webhooks specification: the receiver wants nothing more from this sender): its alerts fail
//    at once, without a request, until its resolved URL (or headers, secret) changes or
//    `sla alerts --enable NAME`.
// 3. Record: 'sent' only after a 2xx (or SMTP acceptance), in a short transaction.
//
// Secrets ($VARS in url, headers, smtp) are resolved here (the destination's resolve),
// at the moment of use, and never stored, printed or put into an error text.

import { createHash, randomUUID } from 'node:crypto';
import type { Config, DestinationConfig } from '../config/types.js';
import type { Instant } from '../domain/types.js';
import type { DisabledDestination, IncidentOpened, Lease, OutboxRow, OutboxStore } from '../store/port.js';
import { INCIDENT_CLOSED, type IncidentClose, type QueuedAlert } from '../alerts/destination.js';
import { destinationOf } from '../alerts/destinations.js';
import type { AlertFacts } from '../alerts/facts.js';
import { sleep, Transport, tuningFromEnv, type Outcome, type Tuning } from '../alerts/transport.js';
import { isoUtc } from '../render/format.js';

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
  alerts: OutboxStore;
  config: Config;
  env: NodeJS.ProcessEnv;
  /** The run's clock: --at (or now) plus the wall time spent since the run began. */
  now: () => Instant;
  /** The real clock (leases are measured on it, never on --at). */
  wall: () => Instant;
  /** Deliver only these alerts (sla escalate --notify). */
  onlyIds?: readonly string[];
  tuning?: Tuning;
  /** For jitter; Math.random by default. */
  random?: () => number;
}

/** A destination being delivered to: its config, where it sends (resolved), and that as a digest. */
interface Unit {
  name: string; dest: DestinationConfig; target: unknown; key: string;
  /** The last sent alert's mark, written while the next one is sent (see deliverUnit). */
  marking: Promise<void>;
}

/** Alerts claimed at a time, just before they are sent one by one. */
const CLAIM_BATCH = 5;

const DAY = 86_400_000;
/** A transient failure turns permanent after this long and this many attempts. */
const GIVE_UP_AFTER_MS = DAY;
const GIVE_UP_ATTEMPTS = 10;

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

/**
 * What a resolved destination is, as a digest: the same as long as its URL, headers and secret
 * are (a disabled destination stays so until this changes). Never the values themselves.
 */
export function targetDigest(target: unknown): string {
  return createHash('sha256').update(JSON.stringify(target) ?? '').digest('hex').slice(0, 32);
}

/** Why nothing is sent to a disabled destination, and what to do. */
export function disabledMessage(d: DisabledDestination): string {
  return `destination "${d.name}" is disabled: its receiver answered ${d.reason} at ${isoUtc(d.disabledAt)}; change its URL (sending resumes by itself) ` +
    `or run \`sla alerts --enable ${d.name}\`, then \`sla alerts --failed --retry\``;
}

export async function deliverPending(opts: DeliveryOptions): Promise<DeliveryReport> {
  const tuning = opts.tuning ?? tuningFromEnv(opts.env);
  const random = opts.random ?? Math.random;
  const report: DeliveryReport = { sent: 0, messages: 0, digests: 0, retrying: 0, failed: 0, failures: [] };
  const transport = new Transport(tuning);
  const { alerts, config } = opts;
  const owner = randomUUID();
  const lease: Lease = { owner, wall: opts.wall, ms: tuning.leaseMs };
  /** The alerts this run claimed and has not settled (the leases it renews). */
  const held = new Set<string>();
  const hold = (rows: readonly OutboxRow[]): OutboxRow[] => {
    for (const r of rows) held.add(r.id);
    return [...rows];
  };
  // Asked of the database right before a send: another run may have taken an alert over
  // (this run stopped for longer than its lease, or the other's clock is ahead), whatever
  // this run remembers.
  const holds = (rows: readonly OutboxRow[]): Promise<boolean> => alerts.holds(rows.map((r) => r.id), owner, opts.wall());
  const release = (rows: readonly OutboxRow[]): void => { for (const r of rows) held.delete(r.id); };
  // Renewed every third of a lease while the run works (between sends and waits).
  const renewal = setInterval(() => {
    if (held.size === 0) return;
    const asked = [...held]; // not those claimed while it runs: their claim's lease is fresh
    alerts.renew(lease).then((ids) => {
      const still = new Set(ids);
      for (const id of asked) if (!still.has(id)) held.delete(id);
    }, () => { /* a busy database: the leases stand until they run out, and are checked before each send */ });
  }, Math.max(10, Math.floor(tuning.leaseMs / 3)));
  renewal.unref();
  const disabled = new Map((await alerts.disabledDestinations()).map((d) => [d.name, d]));
  try {
    if (opts.onlyIds) {
      const one: OutboxRow[] = [];
      for (const id of opts.onlyIds) {
        const r = await alerts.claimOne(id, opts.now(), lease);
        if (r !== null) one.push(r);
      }
      const claimed = hold(one);
      const byDest = new Map<string, OutboxRow[]>();
      for (const r of claimed) {
        const list = byDest.get(r.destination ?? '');
        if (list) list.push(r);
        else byDest.set(r.destination ?? '', [r]);
      }
      await Promise.all([...byDest].map(([name, rows]) => deliverToDestination(name, async () => rows.splice(0, rows.length), rows.length)));
    } else {
      // Destinations are independent: deliver them side by side, each in order, claiming as it goes.
      const due = await alerts.dueByDestination(opts.now(), lease);
      await Promise.all(due.map(({ destination, n }) => deliverToDestination(destination, async (limit) => hold(await alerts.claim(destination, opts.now(), lease, limit)), n)));
    }
  } finally {
    clearInterval(renewal);
    await transport.close();
  }
  return report;

  /** Mark the alerts 'failed' (`error` kept on each) and report them (permanent; reported as `shown`). */
  async function fail(name: string, ids: string[], attempts: number, error: string, shown = error): Promise<void> {
    await alerts.markFailed(ids, attempts, error, owner);
    report.failed += ids.length;
    report.failures.push({ destination: name, alertIds: ids, error: shown, permanent: true });
  }

  /** Leave the alerts pending until `at` and report them (`permanent`: retrying will not help by itself). */
  async function retryAt(name: string, ids: string[], at: Instant | Instant[], attempts: number, error: string, permanent: boolean, shown = error): Promise<void> {
    await alerts.markRetry(ids, at, attempts, error, owner);
    report.retrying += ids.length;
    report.failures.push({ destination: name, alertIds: ids, error: shown, permanent });
  }

  /**
   * The destination is failing (`error`): its other due alerts — those this run claimed and
   * did not send, and those it had not claimed yet — count this run as an attempt and wait,
   * each until its own next try (`atLeastMs` from now at the soonest), or give up as the one
   * that failed would. Alerts another run holds are left to it.
   */
  async function holdBack(name: string, claimed: OutboxRow[], error: string, atLeastMs: number): Promise<void> {
    const rows = [...claimed, ...(await alerts.due(name, opts.now(), lease))];
    if (rows.length === 0) return;
    const now = opts.now();
    const giveUp = rows.filter((r) => now - r.createdAt > GIVE_UP_AFTER_MS && r.attempts + 1 >= GIVE_UP_ATTEMPTS);
    const wait = rows.filter((r) => !giveUp.includes(r));
    const why = `not sent: the destination failed in this run (${error})`;
    if (giveUp.length) await fail(name, giveUp.map((r) => r.id), 1, `gave up after ${GIVE_UP_ATTEMPTS} attempts over a day: ${why}`, error);
    if (wait.length) {
      const at = wait.map((r) => now + Math.max(atLeastMs, betweenRunsDelay((r.attempts + 1) * tuning.inRunAttempts, tuning.inRunAttempts, random)));
      await retryAt(name, wait.map((r) => r.id), at, 1, why, false, error);
    }
    release(rows);
  }

  /**
   * Delivers a destination's alerts: `take(limit)` claims (or hands over) the next ones;
   * `due` of them were due when the run began (a digest when more than digestAbove).
   */
  async function deliverToDestination(name: string, take: (limit: number) => Promise<OutboxRow[]>, due: number): Promise<void> {
    const dest = config.alerts.destinations[name];
    if (!dest) {
      for (let rows = await take(10_000); rows.length > 0; rows = await take(10_000)) {
        await fail(name, rows.map((r) => r.id), 0, `destination "${name}" is not in the config any more`);
        release(rows);
      }
      return;
    }
    let target: unknown;
    try {
      target = destinationOf(dest.type).resolve(dest, opts.env);
    } catch (err) {
      // Not set in this environment (cron's, a service's): keep them queued, say so loudly.
      const error = (err as Error).message;
      const rows = await take(10_000);
      const total = Math.max(0, ...rows.map((r) => r.attempts));
      await retryAt(name, rows.map((r) => r.id), opts.now() + betweenRunsDelay(total, tuning.inRunAttempts, random), 0, error, true);
      release(rows);
      return;
    }
    const key = targetDigest(target);
    const off = disabled.get(name);
    if (off && off.target === key) {
      await failDisabled(name, take, [], off);
      return;
    }
    if (off) {
      // changed since it was disabled (another URL, a new secret): sent to again
      await alerts.enableDestination(name, null);
      disabled.delete(name);
    }
    const unit: Unit = { name, dest, target, key, marking: Promise.resolve() };
    try {
      await deliverAll(unit, take, due);
    } finally {
      await unit.marking;
    }
  }

  async function deliverAll(unit: Unit, take: (limit: number) => Promise<OutboxRow[]>, due: number): Promise<void> {
    const { name, dest } = unit;
    // A destination that closes what it opened (PagerDuty) has no digests: each alert is its own.
    if (destinationOf(dest.type).digest && !destinationOf(dest.type).close && due > config.alerts.digestAbove) {
      const rows = await take(10_000);
      if (rows.length > config.alerts.digestAbove) {
        if ((await deliverUnit(unit, rows, true)).kind === 'gone') await failDisabled(name, take, [], disabled.get(name)!);
        return;
      }
      // fewer than thought (another run took some): one by one
      if (await deliverOneByOne(unit, rows, take)) return;
    }
    for (let rows = await take(CLAIM_BATCH); rows.length > 0; rows = await take(CLAIM_BATCH)) {
      if (await deliverOneByOne(unit, rows, take)) return;
    }
  }

  /** A disabled destination's alerts — `claimed`, and all it can claim — fail without a request. */
  async function failDisabled(name: string, take: (limit: number) => Promise<OutboxRow[]>, claimed: OutboxRow[], off: DisabledDestination): Promise<void> {
    const why = disabledMessage(off);
    if (claimed.length) {
      await fail(name, claimed.map((r) => r.id), 0, why);
      release(claimed);
    }
    for (let rows = await take(10_000); rows.length > 0; rows = await take(10_000)) {
      await fail(name, rows.map((r) => r.id), 0, why);
      release(rows);
    }
  }

  /** Sends `rows` one by one; true when the destination failed (the rest held back, or failed when it is gone). */
  async function deliverOneByOne(unit: Unit, rows: OutboxRow[], take: (limit: number) => Promise<OutboxRow[]>): Promise<boolean> {
    const { name } = unit;
    for (let i = 0; i < rows.length; i++) {
      const outcome = await deliverUnit(unit, [rows[i]], false);
      if (outcome.kind === 'gone') {
        await failDisabled(name, take, rows.slice(i + 1), disabled.get(name)!);
        return true;
      }
      if (outcome.kind === 'retry') {
        // The destination is failing: do not spend this run's time on the others; they wait with it.
        await holdBack(name, rows.slice(i + 1), outcome.error, outcome.delayMs);
        return true;
      }
    }
    return false;
  }

  async function sendOnce(dest: DestinationConfig, target: unknown, rows: OutboxRow[], queued: QueuedAlert[], digest: boolean): Promise<Outcome> {
    const kind = destinationOf(dest.type);
    await kind.turn?.(target, transport);
    const zone = config.timezone;
    if (rows[0].type === INCIDENT_CLOSED) {
      if (!kind.close) return { ok: false, permanent: true, error: `a ${dest.type} destination closes nothing` };
      return kind.send(target, kind.close(dest, JSON.parse(rows[0].payload) as IncidentClose), transport);
    }
    const body = digest && kind.digest ? kind.digest(dest, queued, zone, opts.now()) : kind.render(dest, queued[0], zone, opts.now());
    return kind.send(target, body, transport);
  }

  /** What the sent alerts opened at their destination (see Destination.incidentKey). */
  function opened(name: string, dest: DestinationConfig, rows: OutboxRow[], queued: QueuedAlert[]): IncidentOpened[] {
    const kind = destinationOf(dest.type);
    if (!kind.incidentKey || rows[0].type === INCIDENT_CLOSED) return [];
    return queued.flatMap((q) => {
      const key = kind.incidentKey!(dest, q.facts);
      return key === null ? [] : [{ destination: name, key, ticketId: q.facts.ticketId, metric: q.facts.metric, cycle: q.facts.cycle }];
    });
  }

  async function deliverUnit(
    unit: Unit, rows: OutboxRow[], digest: boolean,
  ): Promise<{ kind: 'sent' | 'failed' | 'lost' | 'gone' } | { kind: 'retry'; error: string; delayMs: number }> {
    const { name, dest, target } = unit;
    const ids = rows.map((r) => r.id);
    const queued = rows.map((r) => ({ id: r.id, facts: JSON.parse(r.payload) as AlertFacts })); // a closing message's: its IncidentClose
    let attempts = 0;
    let last: Outcome = { ok: false, permanent: false, error: 'not attempted' };
    let laterMs = 0;
    while (attempts < tuning.inRunAttempts) {
      // never sent under a lease this run no longer holds (another run may have it now)
      if (!(await holds(rows))) {
        release(rows);
        return { kind: 'lost' };
      }
      last = await sendOnce(dest, target, rows, queued, digest);
      attempts++;
      if (last.ok) {
        // Marked sent while the next alert goes out: one mark in flight per destination, each
        // awaited before the next is written and before the destination is done (a failure
        // fails the run there). A database lost in that moment leaves two alerts unmarked
        // instead of one: both are sent again by a later run.
        await unit.marking;
        unit.marking = alerts.markSent(ids, opts.now(), attempts, opened(name, dest, rows, queued));
        unit.marking.catch(() => { /* awaited above or in deliverToDestination */ });
        release(rows);
        report.sent += rows.length;
        report.messages++;
        if (digest) report.digests++;
        return { kind: 'sent' };
      }
      if (last.permanent) {
        await unit.marking;
        if (last.gone) {
          const off: DisabledDestination = { name, target: unit.key, disabledAt: opts.wall(), reason: last.error };
          await alerts.disableDestination(off);
          disabled.set(name, off);
          await fail(name, ids, attempts, disabledMessage(off));
          release(rows);
          return { kind: 'gone' };
        }
        await fail(name, ids, attempts, last.error);
        release(rows);
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
    await unit.marking;
    const error = last.ok ? '' : last.error;
    const now = opts.now();
    const oldest = Math.min(...rows.map((r) => r.createdAt));
    const total = Math.max(...rows.map((r) => r.attempts)) + attempts;
    release(rows);
    if (now - oldest > GIVE_UP_AFTER_MS && total >= GIVE_UP_ATTEMPTS) {
      await fail(name, ids, attempts, `gave up after ${total} attempts over ${Math.round((now - oldest) / 3_600_000)}h: ${error}`);
      return { kind: 'failed' };
    }
    const delay = Math.max(laterMs, betweenRunsDelay(total, tuning.inRunAttempts, random));
    await retryAt(name, ids, now + delay, attempts, error, false);
    return { kind: 'retry', error, delayMs: laterMs };
  }
}
