// Microsoft Teams, through a Workflows webhook: Office 365 connectors are retired, and the
// Teams "Workflows" app gives a channel a URL ("When a Teams webhook request is received",
// then "Post card in a chat or channel") that takes a message with an Adaptive Card:
//   {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
//    "content": {"type": "AdaptiveCard", "version": "1.4", "body": [...], "actions": [...]}}]}
// (the card sent as an incoming webhook's, https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook;
// the Teams connector's "Post card in a chat or channel", https://learn.microsoft.com/connectors/teams/).
// The URL carries its own signature (sig=…): a secret, so it belongs in an environment variable.
//
// Limits followed (those pages, and "Format cards in Teams",
// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format):
// - a message is at most about 28 KB (above it the post fails, "Request Entity too large"): a
//   digest keeps its card under TEAMS_MAX_BYTES, dropping the lines that do not fit ("… and N more");
// - more than four requests a second to one webhook are throttled (HTTP 429): one message
//   per TEAMS_INTERVAL_MS per URL, and 429 is retried as for every destination;
// - Adaptive Card TextBlocks and Fact values read a subset of Markdown (**bold**, _italic_,
//   lists, [links](url)) and no HTML: ticket text is made inert by teamsText.
import type { TeamsDestination } from '../config/types.js';
import type { Instant } from '../domain/types.js';
import { localTime } from '../render/format.js';
import { isHttpUrl, isLiteral, resolveField, type Destination, type QueuedAlert } from './destination.js';
import type { AlertFacts } from './facts.js';
import {
  counts, DIGEST_MAX_LINES, EMOJI, escalationText, factLines, metricName, oneLine, subjectOf, timeLeft, title, truncate, worstLevel,
} from './render.js';

/** The documented limit is 28 KB a message; the body sent stays under this many bytes of JSON. */
export const TEAMS_MAX_BYTES = 27 * 1024;
/** At most four requests a second to one webhook. */
const TEAMS_INTERVAL_MS = 250;
/** A fact's value at most (customer names, escalation reasons … are the ticket's text). */
const FACT_MAX = 500;

/** The Workflows webhook's body: one message with one Adaptive Card. */
export interface TeamsMessage {
  type: 'message';
  attachments: Array<{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }>;
}
export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  msteams: { width: 'Full' };
  body: Array<Record<string, unknown>>;
  actions?: Array<Record<string, unknown>>;
}

/**
 * Markdown's characters in Adaptive Cards and the look-alikes they become in ticket text:
 * no escape works the same in every Teams client, so — as for Slack (render.ts slackText) —
 * they are swapped for characters that read the same and format nothing. A * or _ between two
 * ASCII letters or digits stays ("ana_lopez"): emphasis needs a word boundary there.
 */
const MARKDOWN_LOOKALIKE: Readonly<Record<string, string>> = {
  '*': '\u2217', '_': '\u02cd', '[': '\uff3b', ']': '\uff3d', '`': '\u02cb', '~': '\u223c',
};
const ASCII_WORD = /[A-Za-z0-9]/;

/**
 * Ticket text for an Adaptive Card TextBlock or Fact value: on one line, no emphasis, no link
 * (a subject such as "[click here](http://evil.example)" stays text), and a leading list marker
 * ("- ", "+ ", "1. ") gets a soft hyphen before it (headings, quotes and HTML are not read).
 */
export function teamsText(s: string): string {
  const line = oneLine(s);
  const plain = line.replace(/[*_[\]`~]/g, (c, i: number) =>
    (c === '_' || c === '*') && ASCII_WORD.test(line[i - 1] ?? '') && ASCII_WORD.test(line[i + 1] ?? '') ? c : MARKDOWN_LOOKALIKE[c]);
  return /^\s*([-+]|\d+[.)])/.test(plain) ? `\u00ad${plain}` : plain;
}

/** A link's target inside [label](url): the URL with what would end it escaped. */
function linkUrl(url: string): string {
  return url.replace(/[()\s]/g, (c) => encodeURIComponent(c));
}

/** "#E1", linked to the ticket when the config gives ticketUrl. */
function linkedId(f: AlertFacts): string {
  const label = `#${teamsText(f.ticketId)}`;
  return f.url ? `[${label}](${linkUrl(f.url)})` : label;
}

const COLOR = { breach: 'Attention', warning: 'Warning', escalation: 'Accent' } as const;

function card(body: AdaptiveCard['body'], actions?: AdaptiveCard['actions']): TeamsMessage {
  const content: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body,
    ...(actions && actions.length > 0 ? { actions } : {}),
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}

const text = (t: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'TextBlock', text: t, wrap: true, ...extra });

/** One alert as a Teams message, sent at `now`: a headline, the subject, the facts, a button to the ticket. */
export function teamsMessage(f: AlertFacts, zone: string, now?: Instant): TeamsMessage {
  const subject = subjectOf(f);
  const body: AdaptiveCard['body'] = [
    text(`${EMOJI[f.level]} **${title(f)}** — ${linkedId(f)} ${teamsText(f.priority ?? '')}`.trimEnd(),
      { size: 'Medium', weight: 'Bolder', color: COLOR[f.level] }),
  ];
  if (subject) body.push(text(teamsText(subject)));
  body.push({
    type: 'FactSet',
    facts: factLines(f, zone, now).map(([k, v]) => ({ title: k, value: truncate(teamsText(v), FACT_MAX) })),
  });
  const actions = f.url ? [{ type: 'Action.OpenUrl', title: `Open ticket #${oneLine(f.ticketId)}`, url: f.url }] : undefined;
  return card(body, actions);
}

/** One digest line: level, ticket, priority, metric, time left, deadline, (escalation,) subject. */
function digestLine(f: AlertFacts, zone: string, now?: Instant): string {
  const subject = subjectOf(f);
  const deadline = f.deadline ? localTime(Date.parse(f.deadline), zone) : '—';
  return truncate(
    `${EMOJI[f.level]} ${linkedId(f)} ${teamsText(f.priority ?? '')} ${teamsText(metricName(f))} · ${teamsText(timeLeft(f, false, now, zone))} · due ${teamsText(deadline)}` +
      (f.escalation ? ` · ${teamsText(escalationText(f) ?? '')}` : '') +
      (subject ? ` · ${teamsText(truncate(subject, 80))}` : ''),
    600,
  );
}

const bytes = (m: TeamsMessage): number => Buffer.byteLength(JSON.stringify(m));

/**
 * Many alerts for one Teams channel as one card, sent at `now`: a headline with the counts,
 * one line per alert (at most DIGEST_MAX_LINES), and as many as fit in TEAMS_MAX_BYTES.
 */
export function teamsDigest(list: readonly AlertFacts[], zone: string, now?: Instant): TeamsMessage {
  const worst = worstLevel(list);
  const head = text(`${EMOJI[worst]} **${list.length} SLA alerts** (${counts(list)})`, { size: 'Medium', weight: 'Bolder', color: COLOR[worst] });
  const lines = list.slice(0, DIGEST_MAX_LINES).map((f) => text(digestLine(f, zone, now), { spacing: 'Small' }));
  const build = (shown: number): TeamsMessage => card([
    head,
    ...lines.slice(0, shown),
    ...(shown < list.length ? [text(`… and ${list.length - shown} more — \`sla alerts\` lists them all`, { isSubtle: true })] : []),
  ]);
  // The most lines that fit: a binary search over how many are shown.
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytes(build(mid)) <= TEAMS_MAX_BYTES) lo = mid;
    else hi = mid - 1;
  }
  return build(lo);
}

export const teams: Destination<TeamsDestination, { url: string }, TeamsMessage> = {
  load(raw, { name, report }) {
    if (isLiteral(raw.url) && !isHttpUrl(raw.url, true)) report(['url'], 'is not an https:// URL; write the Teams workflow\'s URL as "$TEAMS_..." and set that variable');
    return { name, type: 'teams', url: raw.url };
  },
  variableTexts: (d) => [{ path: ['url'], text: d.url }],
  lint(d, warn) {
    if (isLiteral(d.url)) warn(['url'], 'a Teams workflow URL carries its signature and is a secret; write "$TEAMS_..." here and set that environment variable');
  },
  resolve: (d, env) => ({ url: resolveField(d, 'url', d.url, env) }),
  turn: (target, transport) => transport.pace(target.url, TEAMS_INTERVAL_MS),
  render: (_d, alert: QueuedAlert, zone, now) => teamsMessage(alert.facts, zone, now),
  digest: (_d, alerts, zone, now) => teamsDigest(alerts.map((a) => a.facts), zone, now),
  send: (target, message, transport) => transport.postJson(target.url, {}, message),
};
