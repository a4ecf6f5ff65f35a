// zod's issues about sla.config.json turned into ConfigIssues: a JSON path and a message
// that says what is wrong and what to write instead (a close key, the allowed values).
import type { z } from 'zod';
import { formatPath } from './errors.js';
import { knownKeysAt } from './schema.js';
import type { ConfigIssue } from './types.js';

type Issue = z.core.$ZodIssue;

function preview(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const EXPECTED: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false',
  array: 'a list', object: 'an object', record: 'an object',
};

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, k) => [k, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let k = 1; k <= a.length; k++) {
    for (let j = 1; j <= b.length; j++) {
      d[k][j] = Math.min(d[k - 1][j] + 1, d[k][j - 1] + 1, d[k - 1][j - 1] + (a[k - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function unknownKeyMessage(key: string, known: string[]): string {
  const lc = key.toLowerCase();
  // A close spelling, or a close spelling of the start of a key ("atRiskTreshold").
  const distance = (k: string): number => {
    const full = editDistance(lc, k.toLowerCase());
    return lc.length >= 5 ? Math.min(full, editDistance(lc, k.toLowerCase().slice(0, lc.length))) : full;
  };
  const limit = Math.max(1, Math.min(3, Math.floor(lc.length / 3)));
  const close = known
    .map((k) => ({ k, d: distance(k) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d)[0];
  if (close) return `unknown key; did you mean "${close.k}"?`;
  const visible = known.filter((k) => k !== '$schema');
  return visible.length > 0 && visible.length <= 16 ? `unknown key; allowed: ${visible.join(', ')}` : 'unknown key';
}

function isTypeMismatch(i: Issue): boolean {
  return i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
}

export function zodIssues(list: readonly Issue[], base: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of list) {
    const path = [...base, ...issue.path];
    const at = formatPath(path);
    const input = issue.input;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(path);
        for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: unknownKeyMessage(key, known) });
        break;
      }
      case 'invalid_type':
        out.push({
          path: at,
          message: path.length === 0
            ? `the config must be a JSON object ({"policies": [...], ...}), got ${preview(input)}`
            : input === undefined ? 'is required' : `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${preview(input)}`,
        });
        break;
      case 'invalid_value':
        out.push({ path: at, message: `${preview(input)} is not one of: ${issue.values.map(String).join(', ')}` });
        break;
      case 'invalid_union': {
        if (issue.discriminator !== undefined && 'options' in issue) {
          const options = (issue.options ?? []).map(String).join(', ');
          const got = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[issue.discriminator] : undefined;
          out.push({
            path: at,
            message: got === undefined ? `is required; one of: ${options}` : `${preview(got)} is not one of: ${options}`,
          });
          break;
        }
        // A value that has the right kind for one branch (an object for the object branch)
        // is reported with that branch's own, precise problems.
        const relevant = issue.errors.filter((branch) => branch.length > 0 && !branch.every(isTypeMismatch));
        if (relevant.length > 0) {
          out.push(...zodIssues(relevant[0], path));
          break;
        }
        const custom = issue.message && issue.message !== 'Invalid input' ? issue.message : 'is not valid';
        out.push({ path: at, message: input === undefined ? 'is required' : `${custom}, got ${preview(input)}` });
        break;
      }
      case 'too_small': {
        const min = Number(issue.minimum);
        let message: string;
        if (issue.origin === 'array') message = min <= 1 ? 'must not be empty' : `needs at least ${min} entries`;
        else if (issue.origin === 'string') message = min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
        else message = `must be ${issue.inclusive ? 'at least' : 'more than'} ${min}, got ${preview(input)}`;
        out.push({ path: at, message });
        break;
      }
      case 'too_big': {
        const max = Number(issue.maximum);
        out.push({ path: at, message: `must be ${issue.inclusive ? 'at most' : 'less than'} ${max}, got ${preview(input)}` });
        break;
      }
      default:
        out.push({ path: at, message: issue.message });
    }
  }
  return out;
}
