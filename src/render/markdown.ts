// `sla report --format markdown`: a table to paste into a chat or a wiki, with the
// period above and the formula below. Cell text is escaped so a customer or reason
// containing `|`, `*`, `_` or a newline cannot break the table.

import { reportNotes, type ReportGroup } from '../domain/report.js';
import { METRIC, METRICS } from '../domain/metrics.js';
import { formatDuration } from './format.js';
import type { Report } from '../app/report.js';
import { dailyLine, groupLabel, periodLine } from './report.js';

/** Escape text for a Markdown table cell. */
export function mdCell(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/([\\`*_[\]<>|#~])/g, '\\$1');
}

/**
 * A Markdown table of cells already in Markdown (plain text goes through mdCell first);
 * the columns from `rightFrom` on are right-aligned (numbers), the others left-aligned.
 */
export function markdownTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>, rightFrom = head.length): string {
  const line = (cells: ReadonlyArray<string>): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i >= rightFrom ? '---:' : ':---'))), ...rows.map(line)].join('\n');
}

export function reportMarkdown(r: Report): string {
  const pct = (v: number | null): string => (v === null ? '—' : `${v.toFixed(1)}%`);
  const dur = (m: number | null): string => (m === null ? '—' : formatDuration(m));
  const t = r.data.total;
  const row = (g: ReportGroup, name: string): string[] => [
    name,
    String(g.tickets),
    ...METRICS.flatMap((m) => {
      const s = g[METRIC[m].key];
      return [pct(s.compliancePercent), `${s.met} / ${s.breached} / ${s.pending}`];
    }),
    ...METRICS.flatMap((m) => {
      const times = g[`${METRIC[m].key}Times`];
      return [dur(times.p50Minutes), dur(times.p90Minutes)];
    }),
    String(g.open),
    String(g.statusCounts.breached),
    String(g.escalations),
  ];
  const head = [
    mdCell(r.by === 'breach_reason' ? 'Breach reason' : r.by[0].toUpperCase() + r.by.slice(1)),
    'Tickets',
    ...METRICS.flatMap((m) => [`${METRIC[m].short} compliance`, `${METRIC[m].short} met / breached / pending`]),
    ...METRICS.flatMap((m) => [`${METRIC[m].short} p50`, `${METRIC[m].short} p90`]),
    'Open', 'Open breached', 'Escalations',
  ];
  const rows = r.data.groups.map((g) => row(g, mdCell(groupLabel(r.by, g.key))));
  rows.push(row(t, '**TOTAL**').map((c, i) => (i === 0 ? c : `**${c}**`)));
  const out = [`**${mdCell(periodLine(r))}**`, ''];
  const daily = dailyLine(r, pct);
  if (daily.length) out.push(...daily.map((l) => mdCell(l)), '');
  out.push(markdownTable(head, rows, 1), '');
  out.push(`_Goal ${r.goal}%. ${reportNotes(t.withoutSla).map(mdCell).join(' ')}_`);
  return out.join('\n');
}

