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

/** Characters a cell takes on screen (colour codes take none). */
const shown = (cell: string | number): number => [...String(cell).replace(/\x1b\[[0-9;]*m/g, '')].length;

/**
 * renderTable, cut by columns into as many tables as it takes for each to be at most `width`
 * characters wide, each repeating the first column (what a row is about). A table of numbers
 * has no free text to shorten; wrapping it would break every line. `bands`: the columns (by
 * index, after the first) where a group of columns that belong together starts (a metric's
 * four); a cut falls between bands, or inside one only when it is wider than `width` alone.
 */
export function renderFitted(
  head: string[], rows: Array<Array<string | number>>, color: boolean, width: number, bands: readonly number[] = [],
): string {
  // each cell has a space either side and a border on its left; one more border at the end
  const cols = head.map((h, i) => Math.max(shown(h), ...rows.map((r) => shown(r[i]))) + 3);
  const first = 1 + cols[0];
  const groups: number[][] = [];
  for (let i = 1; i < head.length; i++) {
    if (i === 1 || bands.includes(i)) groups.push([]);
    groups[groups.length - 1].push(i);
  }
  const parts: number[][] = [];
  let part: number[] = [];
  let used = first;
  const cut = (): void => {
    if (part.length > 0) parts.push(part);
    part = [];
    used = first;
  };
  for (const g of groups) {
    const w = g.reduce((a, i) => a + cols[i], 0);
    if (used + w > width) cut();
    // a band wider than the whole width alone is cut column by column
    for (const i of g) {
      if (part.length > 0 && used + cols[i] > width) cut();
      part.push(i);
      used += cols[i];
    }
  }
  if (part.length > 0 || parts.length === 0) parts.push(part);
  return parts
    .map((p) => renderTable([head[0], ...p.map((i) => head[i])], rows.map((r) => [r[0], ...p.map((i) => r[i])]), color))
    .join('\n\n');
}

/** Two-column "key: value" block for one record. */
export function renderPairs(pairs: Array<[string, string]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${v}`).join('\n');
}
