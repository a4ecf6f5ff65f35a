// One output vocabulary for the commands that list things: rows for programs as a JSON
// array (`--format json`), one JSON object a line (`ndjson`), or CSV (`csv`) — each row an
// object with camelCase keys; the CSV header is those keys in snake_case, and a text cell
// that a spreadsheet would run as a formula is neutralised, always.

import { toCsv } from './csv.js';

export const DATA_FORMATS = ['json', 'ndjson', 'csv'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/**
 * The formats of a command whose JSON is one document (report, show, check, due, calendar):
 * `json` gives the document; `ndjson` and `csv` give its rows, as every listing does.
 */
export const DOCUMENT_FORMATS = ['table', ...DATA_FORMATS] as const;

export function isDataFormat(format: string): format is DataFormat {
  return (DATA_FORMATS as readonly string[]).includes(format);
}

/** `startedAt` → `started_at`; a snake_case key stays as it is. */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * `rows` as `format`. `keys`: the columns, in order (the rows' keys when not given; needed for
 * a CSV header when there is no row). In CSV an object cell is its JSON, null is empty.
 */
export function dataText(format: DataFormat, rows: ReadonlyArray<Record<string, unknown>>, keys?: readonly string[]): string {
  if (format === 'json') return `${JSON.stringify(rows)}\n`;
  if (format === 'ndjson') return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  const cols = keys ?? Object.keys(rows[0] ?? {});
  return toCsv(cols.map(snakeCase), rows.map((r) => cols.map((k) => r[k])), true);
}
