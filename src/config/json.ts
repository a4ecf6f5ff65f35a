// Reading JSON text with errors a person can act on: file:line:column and what is wrong
// (Node 20's JSON.parse often gives no position at all), plus keys given twice (JSON.parse
// silently keeps the last one, which hides mistakes such as two "high" targets).
import { ConfigError, formatPath } from './errors.js';

interface Located { offset: number; reason: string }

class JsonSyntax extends Error {
  constructor(readonly offset: number, readonly reason: string) { super(reason); }
}

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'end of file';
  if (c === "'") return "' (JSON strings and keys need double quotes)";
  return JSON.stringify(c);
}

/** Scans `text` as strict JSON; returns the first syntax error and every duplicated key. */
export function scanJson(text: string): { error: Located | null; duplicates: Array<{ path: string; offset: number }> } {
  let i = 0;
  const duplicates: Array<{ path: string; offset: number }> = [];
  const fail = (reason: string, at = i): never => { throw new JsonSyntax(at, reason); };
  const ws = (): void => {
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) fail('comments are not allowed in JSON');
      else return;
    }
  };
  const str = (): string => {
    const start = i;
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('string not closed (missing ")', start);
      if (c === '"') { i++; return JSON.parse(text.slice(start, i)) as string; }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`bad escape \\${e ?? ''} in string`);
      } else if (c < ' ') fail(c === '\n' ? 'line break inside a string (missing " ?)' : 'control character inside a string');
      else i++;
    }
  };
  const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (path: PropertyKey[]): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') { i++; return; }
      const seen = new Set<string>();
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma before "}"' : `expected a "quoted" key, found ${describeChar(text[i])}`);
        const keyAt = i;
        const key = str();
        if (seen.has(key)) duplicates.push({ path: formatPath([...path, key]), offset: keyAt });
        seen.add(key);
        ws();
        if (text[i] !== ':') fail(`expected ":" after key ${JSON.stringify(key)}, found ${describeChar(text[i])}`);
        i++;
        value([...path, key]);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail(text[i] === '"' ? 'missing "," between members' : `expected "," or "}", found ${describeChar(text[i])}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']') fail('trailing comma before "]"');
        value([...path, n]);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail(text[i] === '"' || text[i] === '{' || text[i] === '[' ? 'missing "," between list items' : `expected "," or "]", found ${describeChar(text[i])}`);
      }
    }
    if (c === '"') { str(); return; }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) { i += lit.length; return; }
    }
    NUM.lastIndex = i;
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      if (!NUM.test(text)) fail('bad number');
      i = NUM.lastIndex;
      return;
    }
    fail(c === undefined ? 'unexpected end of file' : `unexpected ${describeChar(c)}`);
  };
  try {
    value([]);
    ws();
    if (i < text.length) fail(`unexpected ${describeChar(text[i])} after the end of the JSON value`);
    return { error: null, duplicates };
  } catch (e) {
    if (e instanceof JsonSyntax) return { error: { offset: e.offset, reason: e.reason }, duplicates };
    throw e;
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') { line++; lineStart = k + 1; }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses the JSON text of `file` (a leading BOM is ignored). Malformed JSON → ConfigError
 * `FILE:LINE:COLUMN: not valid JSON: REASON`; a key given twice in one object → ConfigError
 * naming its JSON path and both lines.
 */
export function parseJsonText(rawText: string, file: string): unknown {
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  const { error, duplicates } = scanJson(text);
  if (error) {
    const { line, column } = lineColumn(text, error.offset);
    throw new ConfigError(`${file}:${line}:${column}: not valid JSON: ${error.reason}`, {
      file, issues: [{ path: '', message: `line ${line}, column ${column}: not valid JSON: ${error.reason}` }],
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON: ${(e as Error).message}`, { file });
  }
  if (duplicates.length > 0) {
    const issues = duplicates.map((d) => ({
      path: d.path,
      message: `given twice (second time on line ${lineColumn(text, d.offset).line}); JSON would silently keep only the last`,
    }));
    throw ConfigError.fromIssues(issues, file);
  }
  return data;
}
