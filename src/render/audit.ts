// An audit entry for people: the head line (when, who, what, why) and the values
// that changed, wrapped to the terminal width. Used by `sla show` and `sla audit`.

import type { AuditEntry } from '../store/port.js';
import { localTime } from './format.js';

export function auditLine(a: AuditEntry, zone: string, indent = 6, width = 80, prefix = ''): string {
  const head = wrap(prefix, `${localTime(a.at, zone)}  ${a.actor}  ${a.action}${a.reason ? ` — ${a.reason}` : ''}`, width, indent);
  const lines: string[] = [];
  let cur = '';
  for (const part of changeParts(a, zone)) {
    if (cur && indent + cur.length + 2 + part.length > width) {
      lines.push(cur + ';');
      cur = part;
    } else {
      cur = cur ? `${cur}; ${part}` : part;
    }
  }
  if (cur) lines.push(cur);
  return [head, ...lines.map((l) => ' '.repeat(indent) + l)].join('\n');
}

/** "slaStatus on_time → paused; resolutionDue 11-03 18:00 → —" from an audit entry's before/after. */
export function changeText(a: AuditEntry, zone: string): string {
  return changeParts(a, zone).join('; ');
}

function changeParts(a: AuditEntry, zone: string): string[] {
  const b = (a.before && typeof a.before === 'object' ? a.before : {}) as Record<string, unknown>;
  const f = (a.after && typeof a.after === 'object' ? a.after : {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of new Set([...Object.keys(b), ...Object.keys(f)])) {
    const x = b[k] ?? null;
    const y = f[k] ?? null;
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (!(k in b)) parts.push(`${k} ${valueText(y, zone)}`);
    else parts.push(`${k} ${valueText(x, zone)} → ${valueText(y, zone)}`);
  }
  return parts;
}

function valueText(v: unknown, zone: string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(v)) return localTime(Date.parse(v), zone).slice(0, 16);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `prefix` + `text`, wrapped at spaces to `width` columns; later lines indented to `indent` (default: the prefix). */
export function wrap(prefix: string, text: string, width = 80, indent = prefix.length): string {
  const lines: string[] = [];
  let line = prefix;
  let room = width - prefix.length;
  for (const word of text.split(' ')) {
    const sep = line.length > (lines.length ? indent : prefix.length) ? ' ' : '';
    if (sep && sep.length + word.length > room) {
      lines.push(line);
      line = ' '.repeat(indent) + word;
      room = width - line.length;
    } else {
      line += sep + word;
      room -= sep.length + word.length;
    }
  }
  lines.push(line);
  return lines.join('\n');
}
