// The kinds of pull source, by config `type`. A new helpdesk is a file that implements
// SourceKind (kind.ts) and a row here: the config's schema, `sla config check` and `sla pull`
// take every row.
import type { SourceKind } from './kind.js';
import { freshdesk, type FreshdeskSource } from './freshdesk.js';
import { jira, type JiraSource } from './jira.js';
import { zendesk, type ZendeskSource } from './zendesk.js';

export const SOURCE_KINDS = { zendesk, freshdesk, jira } as const;

/** A source's resolved config entry, whatever its kind. */
export type SourceConfig = ZendeskSource | FreshdeskSource | JiraSource;
export type SourceType = keyof typeof SOURCE_KINDS;

export function sourceKindOf(type: string): SourceKind<SourceConfig> {
  const k = (SOURCE_KINDS as Record<string, SourceKind<SourceConfig>>)[type];
  if (!k) throw new Error(`unknown source type ${type} (this is a bug: the config schema lets only known types through)`);
  return k;
}
