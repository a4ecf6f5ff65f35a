// The config layer: find, read, validate and resolve sla.config.json; lint it; secrets.
export type {
  AlertsConfig, AlertType, Config, ConfigIssue, DestinationConfig, EmailDestination, EscalationRule,
  FileDestination, PolicyConfig, RedactableField, RouteConfig, SlackDestination, WebhookDestination,
} from './types.js';
export { ALERT_TYPES, REDACTABLE_FIELDS } from './types.js';
export { ConfigError, formatIssue, formatPath } from './errors.js';
export { findConfigPath, loadConfig, parseConfig, type LoadOptions } from './load.js';
export { resolveSecrets, secretVariables } from './secrets.js';
export { DURATION_HINT, MAX_DURATION_MINUTES, formatDuration, parseDuration } from './duration.js';
export { formatInterval, parseInterval } from './hours.js';
export { lintConfig, type LintFinding } from './lint.js';
export { configJsonSchema, configJsonSchemaText, ConfigSchema } from './schema.js';
export { isHolidayLibraryLoaded } from './holidays.js';
