// Terminal tables (cli-table3) and colour (chalk), both loaded only by commands that print tables.

import Table from 'cli-table3';
import { Chalk } from 'chalk';
import { clip } from './format.js';

export function makeChalk(color: boolean) {
  return new Chalk({ level: color ? 1 : 0 });
}

/** A table with one line per row (no rules between rows); ASCII borders off a terminal. */
export function renderTable(head: string[], rows: Array<Array<string | number>>, color: boolean): string {
  const t = new Table({
    head,
    style: { head: color ? ['bold'] : [], border: color ? ['grey'] : [], compact: true },
    chars: color ? {} : { 'top': '-', 'top-mid': '+', 'top-left': '+', 'top-right': '+', 'bottom': '-', 'bottom-mid': '+', 'bottom-left': '+', 'bottom-right': '+', 'left': '|', 'left-mid': '+', 'mid': '-', 'mid-mid': '+', 'right': '|', 'right-mid': '+', 'middle': '|' },
  });
  for (const r of rows) t.push(r.map((c) => String(c)));
  return t.toString();
}

/**
 * Shortens column `flex` (the one of free text: a subject, an error) so that renderTable's
 * table of `head` and `rows` (cells before colouring) is at most `width` characters wide;
 * it keeps at least `min` characters (the table is wider then).
 */
export function fitColumn(head: readonly string[], rows: Array<Array<string | number>>, flex: number, width: number, min = 8): void {
  if (rows.length === 0) return;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  // each cell has a space either side and a border on its left; one more border at the end
  const others = widths.reduce((a, w, i) => (i === flex ? a : a + w), 0) + 3 * head.length + 1;
  const room = Math.max(min, head[flex].length, width - others);
  for (const r of rows) r[flex] = clip(String(r[flex]), room);
}

/** Two-column "key: value" block for one record. */
export function renderPairs(pairs: Array<[string, string]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${v}`).join('\n');
}
