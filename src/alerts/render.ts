// How an alert reads: Slack messages (blocks + plain `text` fallback), e-mail
// subject and body, and digests. Pure: facts, the display zone and the sending
// instant in, text out.
//
// Time left / overdue is as of the sending (`now`), not of the queueing: an alert's
// facts are fixed when it is queued, and it may be sent much later (a retry, or a
// digest of old and new alerts). The wall-clock figure is recomputed from the
// deadline; the business-clock figure needs the calendar, so when it is not current
// it says when it was true ("business 35m overdue as of 11:35 UTC"). Without `now`,
// each alert reads as of its own queueing (asOf), as it always did.
//
// Ticket text is untrusted: for Slack, &, < and > are escaped so a subject such as
// "<!channel>" or "<http://evil|click>" can neither mention anyone nor forge a link,
// and mrkdwn's formatting characters in it are neutralised (see slackText).
// Sizes stay inside Slack's limits (section text ≤ 3000 chars, ≤ 10 fields of
// ≤ 2000 chars, ≤ 50 blocks).

import { METRIC } from '../domain/metrics.js';
import { MINUTE, type Instant } from '../domain/types.js';
import { formatDuration, localTime } from '../render/format.js';
import type { AlertFacts } from './facts.js';

export const SLACK_SECTION_MAX = 3000;
export const SLACK_FIELD_MAX = 2000;
export const SLACK_MAX_BLOCKS = 50;
const SUBJECT_MAX = 300;
/** A digest lists at most this many alerts (the rest: "… and N more"). */
export const DIGEST_MAX_LINES = 100;

/**
 * Escape Slack's control characters &, <, > as &amp; &lt; &gt; — all Slack asks for
 * (https://api.slack.com/reference/surfaces/formatting#escaping). Enough for a URL
 * inside <url|label>; ticket text goes through slackText.
 */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * mrkdwn's formatting characters and the look-alikes they become in ticket text. Slack
 * has no escape for *bold*, _italic_, ~strike~ or `code` (backslashes are literal; see
 * https://api.slack.com/reference/surfaces/formatting#basics and #escaping: only &, <, >
 * have entities), so the characters are swapped for ones Slack does not format and that
 * read the same: ∗ U+2217, ˍ U+02CD, ∼ U+223C, ˋ U+02CB — the replacements jsx-slack's
 * <Escape> makes where it cannot escape otherwise, fullwidth ＊ ＿ ｀ included
 * (https://github.com/yhatt/jsx-slack/blob/main/docs/about-escape-and-exact-mode.md).
 * Zero-width spaces are no defence: Slack takes them as word breaks, and the same page
 * uses them to *force* formatting inside a word. The text stays readable, and copies
 * as look-alikes; the e-mail and webhook keep the text as it is.
 */
const MRKDWN_LOOKALIKE: Readonly<Record<string, string>> = {
  '*': '\u2217', '＊': '\ufe61', '_': '\u02cd', '＿': '\u2e0f', '`': '\u02cb', '｀': '\u02cb', '~': '\u223c',
};
const ASCII_WORD = /[A-Za-z0-9]/;

/**
 * Ticket text (subject, customer, assignee, ids, …) for Slack mrkdwn: &, <, > escaped
 * (no mention, no forged link) and no live formatting. An _ or * between two ASCII
 * letters or digits is kept as it is ("ana_lopez", "INC_42"): Slack formats only at
 * word boundaries ("Super_cali_fragilistic" stays as it is, same page), so it can
 * neither open nor close anything there, and identifiers stay exactly copyable. A leading > (a block quote at the start of a line: field values
 * start one) gets an invisible soft hyphen before it.
 */
export function slackText(s: string): string {
  const plain = s.replace(/[*_`~＊＿｀]/g, (c, i: number) =>
    (c === '_' || c === '*') && ASCII_WORD.test(s[i - 1] ?? '') && ASCII_WORD.test(s[i + 1] ?? '') ? c : MRKDWN_LOOKALIKE[c]);
  const escaped = slackEscape(plain);
  return /^\s*(&gt;|＞)/.test(escaped) ? `\u00ad${escaped}` : escaped;
}

export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return s.slice(0, Math.max(0, max - 1)).replace(/[\uD800-\uDBFF]$/, '') + '…';
}

/** One line, printable: control characters (newlines too) become spaces. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

export const EMOJI = { breach: '🚨', warning: '⚠️', escalation: '📣' } as const;

export function title(f: AlertFacts): string {
  if (f.level === 'breach') return 'SLA breached';
  if (f.level === 'warning') return 'SLA at risk';
  return 'SLA escalation';
}

export function metricName(f: AlertFacts): string {
  return f.metric ? METRIC[f.metric].name : '—';
}

/**
 * Wall-clock minutes to the deadline at `now` (negative: overdue). Without `now`, or
 * without a deadline, the figure fixed when the alert was queued.
 */
function wallLeft(f: AlertFacts, now?: Instant): number | null {
  if (now === undefined || f.deadline === null || f.wallMinutesLeft === null) return f.wallMinutesLeft;
  const due = Date.parse(f.deadline);
  return Number.isNaN(due) ? f.wallMinutesLeft : (due - now) / MINUTE;
}

/**
 * The business-clock figure is as of the queueing (asOf); it cannot be carried forward
 * without the calendar. Within a minute of `now` it is current (as displayed); else
 * this says when it was true: " as of 11:35 UTC" (with the date when not `now`'s).
 */
function businessAsOf(f: AlertFacts, now: Instant | undefined, zone: string): string | null {
  if (now === undefined) return null;
  const asOf = Date.parse(f.asOf);
  if (Number.isNaN(asOf)) return ' when queued';
  if (Math.abs(now - asOf) < MINUTE) return null;
  const at = localTime(asOf, zone);
  return ` as of ${at.slice(0, 10) === localTime(now, zone).slice(0, 10) ? at.slice(11) : at}`;
}

/** Past the deadline (at `now`; by default when queued)? */
export function isOverdue(f: AlertFacts, now?: Instant): boolean {
  const wall = wallLeft(f, now);
  return (wall !== null && wall < 0) || (f.businessMinutesLeft !== null && f.businessMinutesLeft < 0);
}

/**
 * "overdue 35m (business 35m)" / "due in 1h 10m (business 45m)" / "paused …";
 * bare: without the leading words (under an "Overdue" / "Time left" label).
 * At `now` (the sending; by default when queued): the wall-clock figure is recomputed
 * from the deadline; a business figure that is not current says when it was:
 * "overdue 2h 00m (business 1m overdue as of 11:01 UTC)". `zone` is for that time.
 */
export function timeLeft(f: AlertFacts, bare = false, now?: Instant, zone = 'UTC'): string {
  if (f.businessMinutesLeft === null) return '—';
  const biz = f.businessMinutesLeft;
  const asOf = businessAsOf(f, now, zone);
  const wall = wallLeft(f, now);
  if (wall === null) return `paused (${formatDuration(Math.abs(biz))} business ${biz < 0 ? 'overdue' : 'left'}${asOf ?? ''})`;
  const business = asOf === null
    ? (overdue: boolean) => `business ${formatDuration(overdue ? Math.max(0, -biz) : biz)}`
    : () => `business ${formatDuration(Math.abs(biz))} ${biz < 0 ? 'overdue' : 'left'}${asOf}`;
  if (isOverdue(f, now)) return `${bare ? '' : 'overdue '}${formatDuration(Math.max(0, -wall))} (${business(true)})`;
  return `${bare ? '' : 'due in '}${formatDuration(wall)} (${business(false)})`;
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

export function escalationText(f: AlertFacts): string | null {
  const e = f.escalation;
  if (!e) return null;
  const parts = [e.manual ? `manual escalation${e.actor ? ` by ${e.actor}` : ''}` : `rule ${e.rule}`];
  if (e.reason) parts.push(`reason: ${oneLine(e.reason)}`);
  if (e.priority) parts.push(`priority ${e.priority.from ?? 'none'} → ${e.priority.to ?? 'none'}`);
  if (e.assignee) parts.push(`assigned to ${e.assignee.to ?? 'nobody'}${e.assignee.from ? ` (was ${e.assignee.from})` : ''}`);
  return parts.join(' · ');
}

/** The facts as label/value pairs (plain text, not escaped), in display order; time left at `now` (by default when queued). */
export function factLines(f: AlertFacts, zone: string, now?: Instant): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const cust = customerText(f);
  if (cust !== null) out.push(['Customer', oneLine(cust)]);
  out.push(['Priority', f.priority ?? 'none']);
  out.push(['Metric', metricName(f)]);
  out.push(['Deadline', f.deadline ? localTime(Date.parse(f.deadline), zone) : '—']);
  out.push([isOverdue(f, now) ? 'Overdue' : 'Time left', timeLeft(f, true, now, zone)]);
  const a = assigneeText(f);
  if (a !== null) out.push(['Assignee', oneLine(a)]);
  out.push(['Policy', f.policy ?? 'no SLA policy']);
  const esc = escalationText(f);
  if (esc !== null) out.push(['Escalation', esc]);
  return out;
}

export function subjectOf(f: AlertFacts): string | null {
  if (!('subject' in f) || !f.subject) return null;
  return truncate(oneLine(f.subject), SUBJECT_MAX);
}

/** "#1234 urgent — resolution overdue 35m": the short summary used by text fallbacks, e-mail subjects and digests; at `now` (by default when queued). */
export function headline(f: AlertFacts, now?: Instant): string {
  const wall = wallLeft(f, now);
  const what = f.level === 'escalation'
    ? `escalated${f.escalation?.manual ? ' by hand' : ` (${f.escalation?.rule ?? f.rule ?? ''})`}`
    : `${metricName(f)} ${wall !== null && wall < 0 ? `overdue ${formatDuration(-wall)}` : wall !== null ? `due in ${formatDuration(wall)}` : 'paused'}`;
  return `#${oneLine(f.ticketId)} ${f.priority ?? ''} — ${what}`.replace(/\s+—/, ' —');
}

function linkedId(f: AlertFacts): string {
  const label = slackText(`#${oneLine(f.ticketId)}`);
  // The URL was built with encodeURIComponent(id); escape what is left for the <url|label> syntax.
  return f.url ? `<${slackEscape(f.url).replace(/\|/g, '%7C')}|${label}>` : label;
}

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

const mrkdwn = (text: string): Record<string, string> => ({ type: 'mrkdwn', text });

/** One alert as a Slack message, sent at `now` (by default: as of its queueing). */
export function slackMessage(f: AlertFacts, zone: string, now?: Instant): SlackMessage {
  const subject = subjectOf(f);
  const head = `${EMOJI[f.level]} *${title(f)}* — ${linkedId(f)}${subject ? ` ${slackText(subject)}` : ''}`;
  const lines = factLines(f, zone, now);
  const fields = lines.slice(0, 10).map(([k, v]) => mrkdwn(truncate(`*${k}*\n${slackText(v)}`, SLACK_FIELD_MAX)));
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: mrkdwn(truncate(head, SLACK_SECTION_MAX)) },
    { type: 'section', fields },
  ];
  const text = truncate(
    `${EMOJI[f.level]} ${title(f)}: ${slackText(headline(f, now))}${subject ? ` · ${slackText(subject)}` : ''} · ` +
      lines.filter(([k]) => k !== 'Priority').map(([k, v]) => `${k}: ${slackText(v)}`).join(' · '),
    SLACK_SECTION_MAX,
  );
  return { text, blocks };
}

/** A digest's level: breach if any alert is one, else escalation if any, else warning. */
export function worstLevel(list: readonly AlertFacts[]): AlertFacts['level'] {
  return list.some((f) => f.level === 'breach') ? 'breach' : list.some((f) => f.level === 'escalation') ? 'escalation' : 'warning';
}

export function counts(list: readonly AlertFacts[]): string {
  const n = { breach: 0, warning: 0, escalation: 0 };
  for (const f of list) n[f.level]++;
  const parts: string[] = [];
  if (n.breach) parts.push(`${n.breach} breached`);
  if (n.warning) parts.push(`${n.warning} at risk`);
  if (n.escalation) parts.push(`${n.escalation} escalated`);
  return parts.join(', ');
}

/** Many alerts for one destination as one Slack message, sent at `now` (by default: each as of its queueing). */
export function slackDigest(list: readonly AlertFacts[], zone: string, now?: Instant): SlackMessage {
  const worst = worstLevel(list);
  const head = `${EMOJI[worst]} *${list.length} SLA alerts* (${counts(list)})`;
  const sections: string[][] = [];
  let len = Infinity;
  for (const f of list) {
    const subject = subjectOf(f);
    const deadline = f.deadline ? localTime(Date.parse(f.deadline), zone) : '—';
    const line = truncate(
      `${EMOJI[f.level]} ${linkedId(f)} ${slackText(f.priority ?? '')} ${slackText(metricName(f))} · ${slackText(timeLeft(f, false, now, zone))} · due ${slackText(deadline)}` +
        (f.escalation ? ` · ${slackText(escalationText(f) ?? '')}` : '') +
        (subject ? ` · ${slackText(truncate(subject, 80))}` : ''),
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
    `${list.length} SLA alerts (${counts(list)}): ` + list.map((f) => slackText(headline(f, now))).join('; '),
    SLACK_SECTION_MAX,
  );
  return { text, blocks };
}

export interface EmailMessage { subject: string; text: string }

/** `[SLA breached] #1234 urgent — resolution overdue 35m`, sent at `now` (by default: as of its queueing). */
export function emailMessage(f: AlertFacts, zone: string, now?: Instant): EmailMessage {
  const tag = f.level === 'breach' ? 'SLA breached' : f.level === 'warning' ? 'SLA at risk' : 'SLA escalated';
  const subject = truncate(`[${tag}] ${headline(f, now)}`, 200);
  const lines = [`${title(f)}: ticket #${oneLine(f.ticketId)}${f.url ? ` — ${f.url}` : ''}`, ''];
  const s = subjectOf(f);
  const pairs: Array<[string, string]> = [...(s ? [['Subject', s] as [string, string]] : []), ...factLines(f, zone, now)];
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
  for (const [k, v] of pairs) lines.push(`${(k + ':').padEnd(width)} ${v}`);
  lines.push('', `Event id: ${f.id}`);
  return { subject, text: lines.join('\n') + '\n' };
}

/** Many alerts for one e-mail destination as one message, sent at `now` (by default: each as of its queueing). */
export function emailDigest(list: readonly AlertFacts[], zone: string, now?: Instant): EmailMessage {
  const subject = `[SLA] ${list.length} alerts: ${counts(list)}`;
  const lines = [`${list.length} SLA alerts (${counts(list)})`, ''];
  for (const f of list) {
    const deadline = f.deadline ? localTime(Date.parse(f.deadline), zone) : '—';
    const s = subjectOf(f);
    lines.push(`- ${headline(f, now)} · ${timeLeft(f, false, now, zone)} · due ${deadline}${s ? ` · ${truncate(s, 80)}` : ''}${f.url ? ` · ${f.url}` : ''}`);
  }
  return { subject, text: lines.join('\n') + '\n' };
}
