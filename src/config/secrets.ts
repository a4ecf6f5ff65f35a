// Secrets in the config are references to environment variables: "$SLACK_WEBHOOK",
// "${OPS_TOKEN}", "Bearer $OPS_TOKEN". They stay unresolved in Config and are resolved only
// at the moment of use. "$$" is a literal "$". A value is never put into an error message.
import { ConfigError } from './errors.js';

const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Names of the environment variables a string refers to, in order of first appearance. */
export function secretVariables(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(REF)) {
    const name = m[1] ?? m[2];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Replaces each $NAME / ${NAME} by the variable's value from `env` ("$$" → "$").
 * An unset or empty variable is a ConfigError naming the variable (and `where`, e.g.
 * "alerts.destinations.pager.headers.Authorization"), never any value.
 */
export function resolveSecrets(text: string, env: NodeJS.ProcessEnv, where?: string): string {
  const missing = secretVariables(text).filter((name) => !env[name]);
  if (missing.length > 0) {
    const list = missing.map((n) => `$${n}`).join(', ');
    const verb = missing.length === 1 ? 'is' : 'are';
    throw new ConfigError(
      `${where ? `${where}: ` : ''}environment variable${missing.length === 1 ? '' : 's'} ${list} ${verb} not set — export ${missing.length === 1 ? 'it' : 'them'} where sla runs (crontab/service environment too)`,
      { issues: [{ path: where ?? '', message: `environment variable${missing.length === 1 ? '' : 's'} ${list} ${verb} not set` }] },
    );
  }
  return text.replace(REF, (whole: string, braced?: string, bare?: string) => {
    const name = braced ?? bare;
    return name === undefined ? '$' : (env[name] as string);
  });
}
