// What every use case is given (commands get it from ctx.setup()): the config, the clock's
// settings and calendars, the instant it acts at, the store, and who acts.

import type { Config } from '../config/types.js';
import type { Calendar } from '../domain/calendar.js';
import type { SlaSettings } from '../domain/ticket.js';
import type { Instant } from '../domain/types.js';
import { UserError } from '../errors.js';
import type { Store } from '../store/port.js';

export interface Setup {
  config: Config;
  /** The clock's settings (the config's policies, priorities, pause statuses). */
  settings: SlaSettings;
  /** A calendar of the config by name (built once per run). */
  calendar: (name: string) => Calendar;
  /** The instant the command acts at: --at, else the wall clock (read once). */
  now: Instant;
  store: Store;
  /** Who acts (the audit log's actor). */
  actor: string;
  /** The environment (destinations' secrets, tuning). */
  env: NodeJS.ProcessEnv;
  /** The real clock (never --at): leases, run times. */
  wall: () => Instant;
}

/** A refusal: one line, exit 1, nothing written. */
export function refuse(message: string, hint: string): UserError {
  return new UserError(message, hint, 1);
}
