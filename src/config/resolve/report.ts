// What every resolver shares: the callback it reports a problem through, and the rule for
// a list of names that refers to another section (priorities, policies, destinations).

/** A problem at `path` (from the top of the config). parseConfig collects them all. */
export type Report = (path: PropertyKey[], message: string) => void;

/** A name in a message: `"urgent"`. */
export const q = (s: string): string => JSON.stringify(s);

/** A value the config may give as one item or a list, as a list. */
export const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Checks a list of names against a section that an earlier resolver resolved: each value
 * `find`s its name there, or is reported with `unknown(value)`, at its own index when
 * `indexed` (by default: when the list has several). Returns the names, each once.
 */
export type NameList = (values: string[], path: PropertyKey[], indexed?: boolean) => string[];

/** The config's priorities, for the sections that name them (resolve/vocabulary.ts makes it). */
export interface PriorityNames {
  /** The priority `word` names, if any. */
  canonical(word: string): string | undefined;
  /** What is wrong with a word that names no priority. */
  unknown(word: string): string;
  /** The priorities a list of words names (an unknown word is reported). */
  list: NameList;
}

/**
 * What a section that plugs in (sections.ts) is resolved with: the names the sections before it
 * define, the config file's folder (for paths), and where to report a problem.
 */
export interface SectionContext {
  configDir: string;
  priorityNames: PriorityNames;
  policyNames: NameList;
  destinationNames: NameList;
  report: Report;
}

export function nameList(find: (value: string) => string | undefined, unknown: (value: string) => string, report: Report): NameList {
  return (values, path, indexed = values.length > 1) => {
    const out: string[] = [];
    values.forEach((v, k) => {
      const name = find(v);
      if (name === undefined) report(indexed ? [...path, k] : path, unknown(v));
      else if (!out.includes(name)) out.push(name);
    });
    return out;
  };
}
