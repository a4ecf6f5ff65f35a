// Terminal tables (cli-table3) and colour (chalk), both loaded only by commands that print tables.

import Table from 'cli-table3';
import { Chalk } from 'chalk';

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

/** Two-column "key: value" block for one record. */
export function renderPairs(pairs: Array<[string, string]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${v}`).join('\n');
}
