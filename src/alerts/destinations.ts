// The alert destinations by config `type`, one file each (the interface: destination.ts).
// A new kind is a file beside these and its entry here, plus its schema variant
// (config/schema.ts) and its Config type (config/types.ts).
import type { DestinationConfig } from '../config/types.js';
import type { Destination } from './destination.js';
import { email } from './email.js';
import { file } from './file.js';
import { pagerduty } from './pagerduty.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { webhook } from './webhook.js';

/** Any destination, for code that holds a config entry of some type. */
type AnyDestination = Destination<DestinationConfig, unknown, unknown>;

export const DESTINATIONS = { slack, teams, pagerduty, webhook, email, file } satisfies {
  [T in DestinationConfig['type']]: Destination<Extract<DestinationConfig, { type: T }>, unknown, unknown>
};

/** The destination that handles config entries of type `type`. */
export function destinationOf(type: DestinationConfig['type']): AnyDestination {
  // DESTINATIONS' type checks that each entry takes its own type's config; TypeScript
  // cannot see that a looked-up entry gets a config of the type it was looked up by.
  return DESTINATIONS[type] as AnyDestination;
}
