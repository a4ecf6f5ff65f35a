// The config sections that plug in: each a top-level key of sla.config.json with its schema and
// its resolver (which says what it resolves to), in a file of its own under sections/. A new
// one — an import source's `sources`, say — is that file and a row here: the schema
// (schema.ts), the Config type (types.ts) and loading (load.ts) take every row. The core
// sections (vocabulary, calendars, policies, alerts) stay where they are: the others are
// resolved against them (SectionContext).
import type { z } from 'zod';
import type { SectionContext } from './resolve/report.js';
import { escalationsSection } from './sections/escalations.js';
import { sourcesSection } from './sections/sources.js';

/** A section that plugs in: its shape (with its default, or optional) and how it resolves. */
export interface ConfigSection<S extends z.ZodType, R> {
  schema: S;
  resolve(raw: z.output<S>, ctx: SectionContext): R;
}

/** Key in the config → the section. */
export const SECTIONS = {
  escalations: escalationsSection,
  sources: sourcesSection,
} satisfies { [key: string]: ConfigSection<z.ZodType, unknown> };

type Sections = typeof SECTIONS;
/** What the sections resolve to, by key (part of Config). */
export type SectionValues = { [K in keyof Sections]: ReturnType<Sections[K]['resolve']> };
/** The sections' schemas, by key (part of ConfigSchema). */
export const SECTION_SCHEMAS = Object.fromEntries(Object.entries(SECTIONS).map(([k, s]) => [k, s.schema])) as
  { [K in keyof Sections]: Sections[K]['schema'] };

/** Every section resolved from the schema-checked config `raw`. */
export function resolveSections(raw: { [K in keyof Sections]: z.output<Sections[K]['schema']> }, ctx: SectionContext): SectionValues {
  const out: Partial<Record<keyof Sections, unknown>> = {};
  for (const key of Object.keys(SECTIONS) as Array<keyof Sections>) {
    const section = SECTIONS[key] as ConfigSection<z.ZodType, unknown>;
    out[key] = section.resolve(raw[key], ctx);
  }
  return out as SectionValues;
}
