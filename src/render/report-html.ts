// `sla report --format html`: the standup page — one self-contained file (no script, no
// stylesheet, font or image to fetch: the CSS is inline, the chart inline SVG; its Content
// Security Policy forbids any load, so a browser refuses one and says so), readable on a
// laptop and on a wall screen (sizes follow the window's width). Headline numbers, the
// compliance trend with the goal line, the groups' table, the open tickets breached or at risk
// (linked when the config gives ticketUrl) and the same "how we count" notes as the table.
// Every number is the JSON report's; the elements carry them as data-* attributes too.

import type { Standup } from '../app/standup.js';
import type { Evaluated } from '../app/open-tickets.js';
import { nextMetric } from '../app/open-tickets.js';
import { METRIC, METRICS } from '../domain/metrics.js';
import { complianceBuckets, reportNotes, type ReportGroup } from '../domain/report.js';
import { formatDuration, localTime } from './format.js';
import { groupLabel, periodLine } from './report.js';

/** Text for HTML (element content and attribute values alike). */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const pct = (v: number | null): string => (v === null ? '—' : `${v.toFixed(1)}%`);
const COLORS = { firstResponse: '#2563eb', resolution: '#9333ea' } as const;

/** The compliance trend: one line per metric over the buckets (days, or weeks … for long windows), the goal dashed. */
function trendSvg(st: Standup): string {
  const r = st.report;
  if (!r.data.daily.length) return '';
  const { unit, buckets } = complianceBuckets(r.window.dates, r.data.daily, 60);
  const W = 1000;
  const H = 240;
  const L = 44;
  const R = 12;
  const T = 12;
  const B = 36;
  const n = buckets.length;
  const x = (i: number): number => (n === 1 ? L + (W - L - R) / 2 : L + (i * (W - L - R)) / (n - 1));
  const y = (v: number): number => T + ((100 - v) * (H - T - B)) / 100;
  const parts: string[] = [];
  for (const v of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${L - 6}" y="${y(v) + 4}" class="axis" text-anchor="end">${v}%</text>`);
  }
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(r.goal)}" y2="${y(r.goal)}" class="goal"/><text x="${L + 6}" y="${y(r.goal) - 5}" class="axis goal-label" text-anchor="start">goal ${r.goal}%</text>`);
  const step = Math.max(1, Math.ceil(n / 8));
  buckets.forEach((b, i) => {
    // the first and last labels aligned to their ends, so that neither is cut off
    const anchor = n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle';
    // every step-th bucket and the last, but not one so close to the last that they overlap
    if ((i % step === 0 && n - 1 - i >= step / 2) || i === n - 1) parts.push(`<text x="${x(i)}" y="${H - 12}" class="axis" text-anchor="${anchor}">${esc(b.from)}</text>`);
  });
  for (const m of METRICS) {
    const k = METRIC[m].key;
    // a line through the buckets that concluded something; a gap where none did
    let d = '';
    let pen = false;
    buckets.forEach((b, i) => {
      const v = b[k].compliancePercent;
      if (v === null) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    parts.push(`<path d="${d}" fill="none" stroke="${COLORS[k]}" stroke-width="3" stroke-linejoin="round"/>`);
    buckets.forEach((b, i) => {
      const v = b[k].compliancePercent;
      if (v !== null) {
        parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${COLORS[k]}" data-metric="${k}" data-bucket="${esc(b.from)}" data-compliance="${v}"><title>${esc(`${METRIC[m].label} ${b.from}: ${pct(v)} (${b[k].met} met, ${b[k].breached} breached)`)}</title></circle>`);
      }
    });
  }
  const legend = METRICS.map((m) => `<span class="key" style="--c:${COLORS[METRIC[m].key]}">${esc(METRIC[m].label)}</span>`).join('');
  return `<section class="card wide"><h2>Compliance by ${unit}</h2><div class="legend">${legend}</div>` +
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Compliance by ${unit}, with the goal">${parts.join('')}</svg></section>`;
}

function tile(label: string, value: string, note: string, attrs: string, tone = ''): string {
  return `<div class="tile ${tone}" ${attrs}><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="note">${esc(note)}</div></div>`;
}

function groupRow(g: ReportGroup, name: string, total = false): string {
  const cells = [
    `<th scope="row">${esc(name)}</th>`, `<td>${g.tickets}</td>`,
    ...METRICS.flatMap((m) => {
      const s = g[METRIC[m].key];
      return [`<td class="pct">${pct(s.compliancePercent)}</td>`, `<td>${s.met} / ${s.breached} / ${s.pending}</td>`];
    }),
    `<td>${g.open}</td>`, `<td>${g.statusCounts.breached}</td>`, `<td>${g.escalations}</td>`,
  ];
  const data = METRICS.map((m) => {
    const s = g[METRIC[m].key];
    return `data-${METRIC[m].column}-met="${s.met}" data-${METRIC[m].column}-breached="${s.breached}" data-${METRIC[m].column}-pending="${s.pending}"`;
  }).join(' ');
  return `<tr${total ? ' class="total"' : ''} data-key="${esc(total ? 'TOTAL' : name)}" data-tickets="${g.tickets}" ${data}>${cells.join('')}</tr>`;
}

function ticketRows(list: Evaluated[], st: Standup): string {
  const zone = st.report.zone;
  return list.map((e) => {
    const t = e.rec.ticket;
    const m = nextMetric(e.clock, undefined);
    const due = m?.dueAt ?? null;
    const when = due === null ? '—' : m && m.remaining < 0 ? `overdue ${formatDuration(-m.remaining)}` : `due ${localTime(due, zone).slice(11)}`;
    const id = esc(`#${t.id}`);
    const link = st.ticketUrl ? `<a href="${esc(st.ticketUrl.replace('{id}', encodeURIComponent(t.id)))}">${id}</a>` : id;
    return `<tr data-ticket="${esc(t.id)}"><td>${link}</td><td>${esc(e.clock.priority ?? '—')}</td><td class="subject">${esc(t.subject ?? '')}</td>` +
      `<td>${esc(m ? METRIC[m.metric].name : '—')}</td><td>${esc(when)}</td><td>${esc(t.assignee ?? 'unassigned')}</td></tr>`;
  }).join('');
}

function ticketTable(title: string, tone: string, part: { shown: Evaluated[]; total: number }, st: Standup, attr: string): string {
  const more = part.total > part.shown.length ? `<p class="more">… and ${part.total - part.shown.length} more (<code>sla list</code> lists them all)</p>` : '';
  const body = part.shown.length
    ? `<table><thead><tr><th>Ticket</th><th>Priority</th><th>Subject</th><th>Clock</th><th>When</th><th>Assignee</th></tr></thead><tbody>${ticketRows(part.shown, st)}</tbody></table>${more}`
    : '<p class="none">none</p>';
  return `<section class="card ${tone}" ${attr}><h2>${esc(title)} <span class="count">${part.total}</span></h2>${body}</section>`;
}

export function reportHtml(st: Standup): string {
  const r = st.report;
  const t = r.data.total;
  const tiles = [
    tile('Tickets', String(t.tickets), `${t.open} open · ${t.statusCounts.breached} open breached`, `data-tickets="${t.tickets}" data-open="${t.open}"`),
    ...METRICS.map((m) => {
      const s = t[METRIC[m].key];
      const tone = s.compliancePercent === null ? '' : s.compliancePercent >= r.goal ? 'good' : 'bad';
      return tile(`${METRIC[m].label} compliance`, pct(s.compliancePercent), `${s.met} met · ${s.breached} breached · ${s.pending} pending`,
        `data-metric="${METRIC[m].key}" data-compliance="${s.compliancePercent ?? ''}"`, tone);
    }),
    tile('Open now', `${st.breached.total} breached`, `${st.atRisk.total} at risk`, `data-breached="${st.breached.total}" data-at-risk="${st.atRisk.total}"`, st.breached.total ? 'bad' : 'good'),
  ].join('');
  const head = ['Tickets', ...METRICS.flatMap((m) => [`${METRIC[m].short} compliance`, `${METRIC[m].short} met / breached / pending`]), 'Open', 'Open breached', 'Escalations'];
  const groupName = r.by === 'breach_reason' ? 'Breach reason' : r.by[0].toUpperCase() + r.by.slice(1).replace('_', ' ');
  const groups = `<section class="card wide"><h2>By ${esc(r.by.replace('_', ' '))}</h2><table class="groups"><thead><tr><th>${esc(groupName)}</th>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    r.data.groups.map((g) => groupRow(g, groupLabel(r.by, g.key))).join('') + groupRow(t, 'Total', true) + '</tbody></table></section>';
  const notes = [`Goal ${r.goal}%.`, ...reportNotes(t.withoutSla)].map((n) => `<p>${esc(n)}</p>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(periodLine(r))}</title>
<style>
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --good: #15803d; --bad: #b91c1c; --warn: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; font: clamp(14px, 0.55vw + 10px, 22px)/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f9fafb; }
header, main, footer { max-width: 1800px; margin: 0 auto; padding: 0 1.2em; }
header h1 { font-size: 1.6em; margin: 0.8em 0 0.1em; }
header p { margin: 0 0 0.8em; color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(12em, 1fr)); gap: 0.8em; margin-bottom: 0.8em; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 0.5em; padding: 0.7em 0.9em; }
.tile .label { color: var(--muted); font-size: 0.85em; }
.tile .value { font-size: 2.2em; font-weight: 700; line-height: 1.15; }
.tile .note { color: var(--muted); font-size: 0.85em; }
.tile.good .value { color: var(--good); } .tile.bad .value { color: var(--bad); }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 46em), 1fr)); gap: 0.8em; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 0.5em; padding: 0.6em 0.9em; margin-bottom: 0.8em; overflow-x: auto; }
.card h2 { font-size: 1.1em; margin: 0.2em 0 0.5em; }
.card.bad h2 { color: var(--bad); } .card.warn h2 { color: var(--warn); }
.count { font-weight: 400; color: var(--muted); }
svg { width: 100%; height: auto; max-height: 38vh; }
svg .grid { stroke: var(--line); } svg .goal { stroke: var(--good); stroke-dasharray: 6 5; stroke-width: 2; }
svg .axis { fill: var(--muted); font-size: 12px; } svg .goal-label { fill: var(--good); }
.legend { display: flex; gap: 1.2em; font-size: 0.9em; }
.key::before { content: ""; display: inline-block; width: 1.4em; height: 0.25em; margin-right: 0.4em; vertical-align: middle; background: var(--c); }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { text-align: left; padding: 0.3em 0.5em; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.subject { white-space: normal; min-width: 12em; }
table.groups td { text-align: right; } table.groups td.pct { font-weight: 600; }
tr.total th, tr.total td { font-weight: 700; border-top: 2px solid var(--fg); }
a { color: #1d4ed8; }
.more, .none { color: var(--muted); margin: 0.4em 0; }
footer { color: var(--muted); font-size: 0.8em; padding-bottom: 1.5em; }
</style></head>
<body>
<header><h1>SLA standup</h1><p>${esc(periodLine(r))}</p></header>
<main>
<div class="tiles">${tiles}</div>
${trendSvg(st)}
<div class="grid-2">
${ticketTable('Breached, open now', 'bad', st.breached, st, 'id="breached"')}
${ticketTable('At risk, open now', 'warn', st.atRisk, st, 'id="at-risk"')}
</div>
${groups}
</main>
<footer>${notes}<p>Made by sla at ${esc(localTime(r.now, r.zone))}.</p></footer>
</body></html>
`;
}
