// What an alert destination is. Each kind (Slack, webhook, e-mail, file) is one file that
// implements this interface, and destinations.ts lists them by config `type`. One kind owns
// everything about it: checking and resolving its config entry (config/load.ts), what lint
// looks at (config/lint.ts), and how an alert, or a digest of several, reaches it
// (deliver.ts). Those three loop over the registry and never switch on the type.
import type { RawDestination } from '../config/schema.js';
import { resolveSecrets, secretVariables } from '../config/secrets.js';
import type { DestinationConfig } from '../config/types.js';
import type { Instant } from '../domain/types.js';
import type { AlertFacts } from './facts.js';
import type { Outcome, Transport } from './transport.js';

/** A problem at `path`, below the destination's own path (alerts.destinations.<name>). */
export type Report = (path: PropertyKey[], message: string) => void;

/** An alert from the outbox: its id there, and the facts it was queued with. */
export interface QueuedAlert { id: string; facts: AlertFacts }

/**
 * A kind of destination: `C` is its entry in the resolved Config, `Target` where to send
 * once its secrets are resolved, `Body` one message. Methods, not function properties:
 * the registry holds kinds of different Target and Body under one type.
 */
export interface Destination<C extends DestinationConfig, Target, Body> {
  /**
   * The entry as the Config holds it, from the schema-checked `raw`. Values written
   * literally (no $VARS) are checked here; the others only when they are resolved.
   */
  load(raw: Extract<RawDestination, { type: C['type'] }>, at: { name: string; configDir: string; report: Report }): C;
  /** The entry's texts that may name environment variables (lint warns about unset ones). */
  variableTexts(c: C): Array<{ path: PropertyKey[]; text: string }>;
  /** Lint's other warnings about the entry, e.g. a secret written into the file. */
  lint?(c: C, warn: Report): void;
  /**
   * Where to send, with the $VARS resolved from `env`: at the moment of use, never stored.
   * Throws a ConfigError naming an unset variable (the alerts wait for a later run).
   */
  resolve(c: C, env: NodeJS.ProcessEnv): Target;
  /** Waits until `target` may take a message: the message is rendered after it, as of its sending. */
  turn?(target: Target, transport: Transport): Promise<void>;
  /** One alert as one message; time left as of `now`, shown in `zone`. */
  render(c: C, alert: QueuedAlert, zone: string, now: Instant): Body;
  /** Many alerts as one message. Without it the destination gets each alert on its own, however many are due. */
  digest?(c: C, alerts: readonly QueuedAlert[], zone: string, now: Instant): Body;
  send(target: Target, body: Body, transport: Transport): Promise<Outcome>;
  /**
   * What a sent alert opened there that sla closes when its clock stops (PagerDuty: the alert
   * of that dedup key), as the destination's key for it; null: nothing. With `close`.
   */
  incidentKey?(c: C, facts: AlertFacts): string | null;
  /** The message that closes what `incidentKey` named (never in a digest). */
  close?(c: C, incident: IncidentClose): Body;
}

/** The outbox's alert type of a closing message, and what its payload holds. */
export const INCIDENT_CLOSED = 'incident_closed';
export interface IncidentClose { key: string; ticketId: string; metric: string | null; cycle: number; at: string }

/** Whether `text` names no environment variable, i.e. its value is written into the file. */
export function isLiteral(text: string): boolean {
  return secretVariables(text).length === 0;
}

export function isHttpUrl(s: string, httpsOnly = false): boolean {
  try {
    const u = new URL(s);
    return httpsOnly ? u.protocol === 'https:' : u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** `text` (the entry's `field`) with its $VARS from `env`; an error names the field, never a value. */
export function resolveField(c: DestinationConfig, field: string, text: string, env: NodeJS.ProcessEnv): string {
  return resolveSecrets(text, env, `alerts.destinations.${c.name}.${field}`);
}

/** The alert as a JSON event (webhook body, file line): its facts, its outbox id and the destination's name. */
export function alertEvent(c: DestinationConfig, alert: QueuedAlert): AlertFacts & { alertId: string; destination: string } {
  return { ...alert.facts, alertId: alert.id, destination: c.name };
}
