// E-mail over SMTP: one message per alert, or one digest when many are due. The Message-ID
// is the alert's (the digest's: its first alert's), so a resent message is recognisably the same.
import type { EmailDestination } from '../config/types.js';
import { isLiteral, resolveField, type Destination } from './destination.js';
import { emailDigest, emailMessage } from './render.js';
import type { Mail } from './transport.js';

function smtpHasPassword(url: string): boolean {
  try { return new URL(url).password !== ''; } catch { return false; }
}

export const email: Destination<EmailDestination, { smtp: string }, Mail> = {
  load(raw, { name, report }) {
    if (isLiteral(raw.smtp) && !/^smtps?:\/\/./i.test(raw.smtp)) report(['smtp'], 'is not an smtp:// or smtps:// URL');
    if (isLiteral(raw.from) && !raw.from.includes('@')) report(['from'], `${JSON.stringify(raw.from)} is not an e-mail address`);
    const to = Array.isArray(raw.to) ? raw.to : [raw.to];
    to.forEach((addr, k) => {
      if (isLiteral(addr) && !addr.includes('@')) report(['to', ...(Array.isArray(raw.to) ? [k] : [])], `${JSON.stringify(addr)} is not an e-mail address`);
    });
    return { name, type: 'email', smtp: raw.smtp, from: raw.from, to };
  },
  variableTexts: (d) => [
    { path: ['smtp'], text: d.smtp },
    { path: ['from'], text: d.from },
    ...d.to.map((t, k) => ({ path: ['to', k], text: t })),
  ],
  lint(d, warn) {
    if (isLiteral(d.smtp) && smtpHasPassword(d.smtp)) {
      warn(['smtp'], 'contains a password; write "$SLA_SMTP_URL" here and set that environment variable');
    }
  },
  resolve: (d, env) => ({ smtp: resolveField(d, 'smtp', d.smtp, env) }),
  render: (d, alert, zone, now) => ({ from: d.from, to: d.to, ...emailMessage(alert.facts, zone, now), messageId: `<${alert.id}@sla>` }),
  digest: (d, alerts, zone, now) => ({
    from: d.from, to: d.to, ...emailDigest(alerts.map((a) => a.facts), zone, now), messageId: `<${alerts[0].id}.digest@sla>`,
  }),
  send: (target, mail, transport) => transport.mail(target.smtp, mail),
};
