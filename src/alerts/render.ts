// How an alert reads: Slack messages (blocks + plain `text` fallback), e-mail
// subject and body, and digests. Pure: facts and the display zone in, text out.
//
// Ticket text is untrusted: for Slack, &, < and > are escaped so a subject such as
// "<!channel>" or "<http://evil|click>" can neither mention anyone nor forge a link.
// Sizes stay inside Slack's limits (section text ≤ 3000 chars, ≤ 10 fields of
// ≤ 2000 chars, ≤ 50 blocks).

import { formatDuration, localTime } from '../render/format.js';
import type { AlertFacts } from './facts.js';

export const SLACK_SECTION_MAX = 3000;
export const SLACK_FIELD_MAX = 2000;
export const SLACK_MAX_BLOCKS = 50;
const SUBJECT_MAX = 300;
/** A digest lists at most this many alerts (the rest: "… and N more"). */
export const DIGEST_MAX_LINES = 100;

/** Escape text for Slack mrkdwn: control characters &, <, >. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return s.slice(0, Math.max(0, max - 1)).replace(/[\uD800-\uDBFF]$/, '') + '…';
}

/** One line, printable: control characters (newlines too) become spaces. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

const EMOJI = { breach: '🚨', warning: '⚠️', escalation: '📣' } as const;

export function title(f: AlertFacts): string {
  if (f.level === 'breach') return 'SLA breached';
  if (f.level === 'warning') return 'SLA at risk';
  return 'SLA escalation';
}

export function metricName(f: AlertFacts): string {
  return f.metric === 'first_response' ? 'first response' : f.metric === 'resolution' ? 'resolution' : '—';
}

/** Past the deadline? */
export function isOverdue(f: AlertFacts): boolean {
  return (f.wallMinutesLeft !== null && f.wallMinutesLeft < 0) || (f.businessMinutesLeft !== null && f.businessMinutesLeft < 0);
}

/**
 * "overdue 35m (business 35m)" / "due in 1h 10m (business 45m)" / "paused …";
 * bare: without the leading words (under an "Overdue" / "Time left" label).
 */
export function timeLeft(f: AlertFacts, bare = false): string {
  if (f.businessMinutesLeft === null) return '—';
  const biz = f.businessMinutesLeft;
  if (f.wallMinutesLeft === null) return `paused (${formatDuration(Math.abs(biz))} business ${biz < 0 ? 'overdue' : 'left'})`;
  const wall = f.wallMinutesLeft;
  if (isOverdue(f)) return `${bare ? '' : 'overdue '}${formatDuration(Math.max(0, -wall))} (business ${formatDuration(Math.max(0, -biz))})`;
  return `${bare ? '' : 'due in '}${formatDuration(wall)} (business ${formatDuration(biz)})`;
}

function customerText(f: AlertFacts): string | null {
  const c = 'customer' in f ? f.customer ?? null : undefined;
  const t = 'tier' in f ? f.tier ?? null : undefined;
  if (c === undefined && t === undefined) return null; // both redacted
  const parts: string[] = [];
  parts.push(c === undefined ? 'redacted' : c ?? 'no customer');
  if (t) parts.push(`(${t})`);
  return parts.join(' ');
}

function assigneeText(f: AlertFacts): string | null {
  if (!('assignee' in f)) return null;
  return f.assignee ? f.assignee : 'unassigned';
}

function escalationText(f: AlertFacts): string | null {
  const e = f.escalation;
  if (!e) return null;
  const parts = [e.manual ? `manual escalation${e.actor ? ` by ${e.actor}` : ''}` : `rule ${e.rule}`];
  if (e.reason) parts.push(`reason: ${oneLine(e.reason)}`);
  if (e.priority) parts.push(`priority ${e.priority.from ?? 'none'} → ${e.priority.to ?? 'none'}`);
  if (e.assignee) parts.push(`assigned to ${e.assignee.to ?? 'nobody'}${e.assignee.from ? ` (was ${e.assignee.from})` : ''}`);
  return parts.join(' · ');
}

/** The facts as label/value pairs (plain text, not escaped), in display order. */
export function factLines(f: AlertFacts, zone: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const cust = customerText(f);
  if (cust !== null) out.push(['Customer', oneLine(cust)]);
  out.push(['Priority', f.priority ?? 'none']);
  out.push(['Metric', metricName(f)]);
  out.push(['Deadline', f.deadline ? localTime(Date.parse(f.deadline), zone) : '—']);
  out.push([isOverdue(f) ? 'Overdue' : 'Time left', timeLeft(f, true)]);
  const a = assigneeText(f);
  if (a !== null) out.push(['Assignee', oneLine(a)]);
  out.push(['Policy', f.policy ?? 'no SLA policy']);
  const esc = escalationText(f);
  if (esc !== null) out.push(['Escalation', esc]);
  return out;
}

function subjectOf(f: AlertFacts): string | null {
  if (!('subject' in f) || !f.subject) return null;
  return truncate(oneLine(f.subject), SUBJECT_MAX);
}

/** "#1234 urgent — resolution overdue 35m": the short summary used by text fallbacks, e-mail subjects and digests. */
export function headline(f: AlertFacts): string {
  const what = f.level === 'escalation'
    ? `escalated${f.escalation?.manual ? ' by hand' : ` (${f.escalation?.rule ?? f.rule ?? ''})`}`
    : `${metricName(f)} ${f.wallMinutesLeft !== null && f.wallMinutesLeft < 0 ? `overdue ${formatDuration(-f.wallMinutesLeft)}` : f.wallMinutesLeft !== null ? `due in ${formatDuration(f.wallMinutesLeft)}` : 'paused'}`;
  return `#${oneLine(f.ticketId)} ${f.priority ?? ''} — ${what}`.replace(/\s+—/, ' —');
}

function linkedId(f: AlertFacts): string {
  const label = slackEscape(`#${oneLine(f.ticketId)}`);
  // The URL was built with encodeURIComponent(id); escape what is left for the <url|label> syntax.
  return f.url ? `<${slackEscape(f.url).replace(/\|/g, '%7C')}|${label}>` : label;
}

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

const mrkdwn = (text: string): Record<string, string> => ({ type: 'mrkdwn', text });

/** One alert as a Slack message. */
export function slackMessage(f: AlertFacts, zone: string): SlackMessage {
  const subject = subjectOf(f);
  const head = `${EMOJI[f.level]} *${title(f)}* — ${linkedId(f)}${subject ? ` ${slackEscape(subject)}` : ''}`;
  const lines = factLines(f, zone);
  const fields = lines.slice(0, 10).map(([k, v]) => mrkdwn(truncate(`*${k}*\n${slackEscape(v)}`, SLACK_FIELD_MAX)));
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: mrkdwn(truncate(head, SLACK_SECTION_MAX)) },
    { type: 'section', fields },
  ];
  const text = truncate(
    `${EMOJI[f.level]} ${title(f)}: ${slackEscape(headline(f))}${subject ? ` · ${slackEscape(subject)}` : ''} · ` +
      lines.filter(([k]) => k !== 'Priority').map(([k, v]) => `${k}: ${slackEscape(v)}`).join(' · '),
    SLACK_SECTION_MAX,
  );
  return { text, blocks };
}

function counts(list: readonly AlertFacts[]): string {
  const n = { breach: 0, warning: 0, escalation: 0 };
  for (const f of list) n[f.level]++;
  const parts: string[] = [];
  if (n.breach) parts.push(`${n.breach} breached`);
  if (n.warning) parts.push(`${n.warning} at risk`);
  if (n.escalation) parts.push(`${n.escalation} escalated`);
  return parts.join(', ');
}

/** Many alerts for one destination as one Slack message. */
export function slackDigest(list: readonly AlertFacts[], zone: string): SlackMessage {
  const worst = list.some((f) => f.level === 'breach') ? 'breach' : list.some((f) => f.level === 'escalation') ? 'escalation' : 'warning';
  const head = `${EMOJI[worst]} *${list.length} SLA alerts* (${counts(list)})`;
  const sections: string[][] = [];
  let len = Infinity;
  for (const f of list) {
    const subject = subjectOf(f);
    const deadline = f.deadline ? localTime(Date.parse(f.deadline), zone) : '—';
    const line = truncate(
      `${EMOJI[f.level]} ${linkedId(f)} ${slackEscape(f.priority ?? '')} ${slackEscape(metricName(f))} · ${slackEscape(timeLeft(f))} · due ${slackEscape(deadline)}` +
        (f.escalation ? ` · ${slackEscape(escalationText(f) ?? '')}` : '') +
        (subject ? ` · ${slackEscape(truncate(subject, 80))}` : ''),
      600,
    );
    if (len + line.length + 1 > SLACK_SECTION_MAX - 100) {
      sections.push([]);
      len = 0;
    }
    sections[sections.length - 1].push(line);
    len += line.length + 1;
  }
  // Within Slack's 50 blocks, and short enough to read: at most DIGEST_MAX_LINES lines.
  const kept: string[][] = [];
  let lines = 0;
  for (const sec of sections.slice(0, SLACK_MAX_BLOCKS - 2)) { // + the head and the "… and N more" context
    const room = DIGEST_MAX_LINES - lines;
    if (room <= 0) break;
    kept.push(sec.slice(0, room));
    lines += Math.min(sec.length, room);
  }
  const shown = kept.reduce((n, s) => n + s.length, 0);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: mrkdwn(head) },
    ...kept.map((lines) => ({ type: 'section', text: mrkdwn(lines.join('\n')) })),
  ];
  if (shown < list.length) {
    blocks.push({ type: 'context', elements: [mrkdwn(`… and ${list.length - shown} more — \`sla alerts\` lists them all`)] });
  }
  const text = truncate(
    `${list.length} SLA alerts (${counts(list)}): ` + list.map((f) => slackEscape(headline(f))).join('; '),
    SLACK_SECTION_MAX,
  );
  return { text, blocks };
}

export interface EmailMessage { subject: string; text: string }

/** `[SLA breached] #1234 urgent — resolution overdue 35m`. */
export function emailMessage(f: AlertFacts, zone: string): EmailMessage {
  const tag = f.level === 'breach' ? 'SLA breached' : f.level === 'warning' ? 'SLA at risk' : 'SLA escalated';
  const subject = truncate(`[${tag}] ${headline(f)}`, 200);
  const lines = [`${title(f)}: ticket #${oneLine(f.ticketId)}${f.url ? ` — ${f.url}` : ''}`, ''];
  const s = subjectOf(f);
  const pairs: Array<[string, string]> = [...(s ? [['Subject', s] as [string, string]] : []), ...factLines(f, zone)];
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
  for (const [k, v] of pairs) lines.push(`${(k + ':').padEnd(width)} ${v}`);
  lines.push('', `Event id: ${f.id}`);
  return { subject, text: lines.join('\n') + '\n' };
}

export function emailDigest(list: readonly AlertFacts[], zone: string): EmailMessage {
  const subject = `[SLA] ${list.length} alerts: ${counts(list)}`;
  const lines = [`${list.length} SLA alerts (${counts(list)})`, ''];
  for (const f of list) {
    const deadline = f.deadline ? localTime(Date.parse(f.deadline), zone) : '—';
    const s = subjectOf(f);
    lines.push(`- ${headline(f)} · ${timeLeft(f)} · due ${deadline}${s ? ` · ${truncate(s, 80)}` : ''}${f.url ? ` · ${f.url}` : ''}`);
  }
  return { subject, text: lines.join('\n') + '\n' };
}
