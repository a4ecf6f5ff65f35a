// Slack incoming webhooks: one message per alert, or one digest when many are due. The
// webhook URL is itself the credential, so it belongs in an environment variable.
import type { SlackDestination } from '../config/types.js';
import { isHttpUrl, isLiteral, resolveField, type Destination } from './destination.js';
import { slackDigest, slackMessage, type SlackMessage } from './render.js';

export const slack: Destination<SlackDestination, { url: string }, SlackMessage> = {
  load(raw, { name, report }) {
    if (isLiteral(raw.url) && !isHttpUrl(raw.url, true)) report(['url'], 'is not an https:// URL; write the Slack webhook as "$SLACK_..." and set that variable');
    return { name, type: 'slack', url: raw.url };
  },
  variableTexts: (d) => [{ path: ['url'], text: d.url }],
  lint(d, warn) {
    if (isLiteral(d.url)) warn(['url'], 'a Slack webhook URL is a secret; write "$SLACK_..." here and set that environment variable');
  },
  resolve: (d, env) => ({ url: resolveField(d, 'url', d.url, env) }),
  // Slack takes about one message per second per webhook.
  turn: (target, transport) => transport.slackTurn(target.url),
  render: (_d, alert, zone, now) => slackMessage(alert.facts, zone, now),
  digest: (_d, alerts, zone, now) => slackDigest(alerts.map((a) => a.facts), zone, now),
  send: (target, message, transport) => transport.postJson(target.url, {}, message),
};
