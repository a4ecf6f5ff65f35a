import { UserError } from '../errors.js';
import type { ConfigIssue } from './types.js';

/**
 * Every problem with the configuration. `message` names the JSON path and what is wrong
 * (`policies[2].targets.urgent.resolution: "4 hours" is not a duration; use "4h" or minutes`);
 * when there are several problems, `message` is the first one plus a count, and `issues`
 * holds them all (for `sla config check`). Never contains the value of a secret.
 */
export class ConfigError extends UserError {
  readonly issues: ConfigIssue[];
  /** The config file concerned, when known. */
  readonly file: string | undefined;

  constructor(message: string, options: { issues?: ConfigIssue[]; file?: string } = {}) {
    super(message, '', 2);
    this.issues = options.issues ?? [];
    this.file = options.file;
  }

  static fromIssues(issues: ConfigIssue[], file?: string): ConfigError {
    const first = issues[0];
    const head = first ? formatIssue(first) : 'invalid configuration';
    const more = issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''}${file ? ` in ${file}` : ''}; "sla config check" lists them all)`
      : '';
    return new ConfigError(head + more, { issues, file });
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

const IDENT = /^[A-Za-z_$][\w$-]*$/;

/** ["policies", 2, "targets", "urgent"] → `policies[2].targets.urgent`; odd keys → `calendars["my cal"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      out += IDENT.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
