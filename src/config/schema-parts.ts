// Pieces of the config's schema that more than one section uses (schema.ts, sections/).
import { z } from 'zod';

/** A name, or a list of names (at least one). */
export const NameListSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: 'expected a name or a list of names',
});
