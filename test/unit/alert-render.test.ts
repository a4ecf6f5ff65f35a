// Rendering alerts at the moment they are sent (not when they were queued), and
// ticket text that cannot format a Slack message (mrkdwn *bold*, _italic_, ~strike~,
// `code`, a leading > quote) nor ping anyone. Pure functions only.

import { describe, expect, it } from 'vitest';
import type { AlertFacts } from '../../src/alerts/facts.js';
import { emailDigest, emailMessage, slackDigest, slackMessage, timeLeft } from '../../src/alerts/render.js';
import type { AlertsConfig, AlertType } from '../../src/config/types.js';
import type { Ticket } from '../../src/domain/ticket.js';
import { alerts, testFacts, Z } from './alert-facts.js';

const alertsConfig: AlertsConfig = alerts();

/** The facts of an alert queued at `queuedAt`: the ticket was created at 10:00, first response due in 60 min (11:00). */
function queued(queuedAt: string, over: Partial<Ticket> = {}, type: AlertType = 'response_breached'): AlertFacts {
  return testFacts({ over, now: queuedAt, type, at: type === 'response_breached' ? '2025-11-03T11:00:00Z' : queuedAt, alerts: alertsConfig });
}

const fieldsOf = (m: { blocks: Array<Record<string, unknown>> }): string[] => (m.blocks[1] as any).fields.map((f: any) => f.text);
const blockText = (m: { blocks: Array<Record<string, unknown>> }): string =>
  (m.blocks as any[]).map((b) => [b.text?.text, ...(b.fields ?? []).map((f: any) => f.text), ...(b.elements ?? []).map((e: any) => e.text)].filter(Boolean).join('\n')).join('\n');

describe('time left / overdue is as of the sending, not the queueing', () => {
  const SEND = Z('2025-11-03T13:00:00Z');
  const old = queued('2025-11-03T11:01:00Z'); // queued 1 min after the 11:00 deadline
  const fresh = queued('2025-11-03T12:59:30Z', { id: '5678' }); // queued half a minute before the send

  it('the facts themselves say "overdue 1m" (fixed when queued)', () => {
    expect(old).toMatchObject({ deadline: '2025-11-03T11:00:00Z', asOf: '2025-11-03T11:01:00Z', wallMinutesLeft: -1 });
  });

  it('a Slack digest of old and new alerts sent at 13:00 says the old one is overdue 2h, not 1m', () => {
    const d = slackDigest([old, fresh], 'UTC', SEND);
    const blocks = blockText(d);
    const line1234 = blocks.split('\n').find((l) => l.includes('#1234'))!;
    expect(line1234).toContain('overdue 2h 00m');
    expect(line1234).not.toMatch(/overdue 1m\b/);
    // the business figure cannot be recomputed without the calendar: it says when it was true
    expect(line1234).toContain('business 1m overdue as of 11:01 UTC');
    expect(line1234).toContain('due 2025-11-03 11:00 UTC');
    const line5678 = blocks.split('\n').find((l) => l.includes('#5678'))!;
    expect(line5678).toContain('overdue 2h 00m (business 2h 00m) ·'); // queued within a minute of the send: as before
    expect(d.text).toContain('#1234 urgent — first response overdue 2h 00m');
    expect(d.text).not.toMatch(/overdue 1m\b/);
  });

  it('an e-mail digest and single messages (a retry hours later) say the same', () => {
    const e = emailDigest([old, fresh], 'UTC', SEND);
    expect(e.text).toContain('- #1234 urgent — first response overdue 2h 00m · overdue 2h 00m (business 1m overdue as of 11:01 UTC) · due 2025-11-03 11:00 UTC');
    expect(e.text).not.toMatch(/overdue 1m\b/);

    const s = slackMessage(old, 'UTC', SEND);
    expect(fieldsOf(s)).toContain('*Overdue*\n2h 00m (business 1m overdue as of 11:01 UTC)');
    expect(s.text).toContain('first response overdue 2h 00m');
    expect(s.text + JSON.stringify(s.blocks)).not.toMatch(/overdue 1m\b/);

    const m = emailMessage(old, 'UTC', SEND);
    expect(m.subject).toBe('[SLA breached] #1234 urgent — first response overdue 2h 00m');
    expect(m.text).toMatch(/^Overdue:\s+2h 00m \(business 1m overdue as of 11:01 UTC\)$/m);
  });

  it('an at-risk warning queued at 10:50 ("due in 10m") and sent at 13:00 says it is overdue now', () => {
    const warn = queued('2025-11-03T10:50:00Z', {}, 'response_warning');
    expect(timeLeft(warn)).toBe('due in 10m (business 10m)');
    const s = slackMessage(warn, 'UTC', SEND);
    expect(fieldsOf(s)).toContain('*Overdue*\n2h 00m (business 10m left as of 10:50 UTC)');
    expect(s.text).toContain('first response overdue 2h 00m');
    expect(s.text + JSON.stringify(s.blocks)).not.toContain('due in 10m');
    // a day later, the "as of" carries the date
    expect(fieldsOf(slackMessage(warn, 'UTC', SEND + 86_400_000))).toContain('*Overdue*\n26h 00m (business 10m left as of 2025-11-03 10:50 UTC)');
  });

  it('without a send time (or sent at the queueing instant) the text is what it always was', () => {
    expect(fieldsOf(slackMessage(old, 'UTC'))).toContain('*Overdue*\n1m (business 1m)');
    expect(slackMessage(old, 'UTC', Z(old.asOf))).toEqual(slackMessage(old, 'UTC'));
    expect(slackDigest([old, fresh], 'UTC')).toEqual(slackDigest([old, fresh], 'UTC', undefined));
    expect(emailMessage(old, 'UTC').subject).toBe('[SLA breached] #1234 urgent — first response overdue 1m');
  });
});

describe('ticket text cannot format or ping in Slack', () => {
  const NASTY = '*URGENT* `rm -rf` _now_ ~x~ <!channel>';
  const nasty = queued('2025-11-03T11:35:00Z', { subject: NASTY, customer: '_Acme_ *Corp*', tier: '~gold~', assignee: '`ana`', priority: '*p1*' });
  const plain = queued('2025-11-03T11:35:00Z', { subject: 'URGENT rm -rf now x channel', customer: 'Acme Corp', tier: 'gold', assignee: 'ana', priority: 'p1' });
  const CONTROL = ['*', '_', '`', '~', '＊', '＿', '｀'];
  const count = (s: string, c: string): number => s.split(c).length - 1;

  for (const [name, render] of [
    ['single message', (f: AlertFacts) => slackMessage(f, 'UTC')],
    ['digest', (f: AlertFacts) => slackDigest([f, { ...f, ticketId: '9', id: 'x' }], 'UTC')],
  ] as const) {
    it(`${name}: no mrkdwn control character from ticket text in text or blocks, no ping, still readable`, () => {
      const bad = render(nasty);
      const good = render(plain);
      for (const where of ['text', 'blocks'] as const) {
        const b = where === 'text' ? bad.text : blockText(bad);
        const g = where === 'text' ? good.text : blockText(good);
        // the only formatting characters left are the message's own (the same as with harmless ticket text)
        for (const c of CONTROL) expect(count(b, c), `${where}: ${c}`).toBe(count(g, c));
        for (const live of ['*URGENT*', '`rm -rf`', '_now_', '~x~', '<!channel>', '_Acme_', '*Corp*', '~gold~', '`ana`', '*p1*']) {
          expect(b, where).not.toContain(live);
        }
        expect(b).toContain('\u2217p1\u2217'); // the priority, readable
        if (name === 'digest' && where === 'text') continue; // a digest's fallback text lists headlines only (no subject)
        expect(b).toContain('&lt;!channel&gt;');
        // readable: the words are all there, between look-alike characters
        for (const word of ['URGENT', 'rm -rf', 'now', 'x']) expect(b).toContain(word);
        expect(b).toContain('\u2217URGENT\u2217 \u02cbrm -rf\u02cb \u02cdnow\u02cd \u223cx\u223c &lt;!channel&gt;');
        if (name === 'single message') expect(b).toContain('\u02cdAcme\u02cd \u2217Corp\u2217 (\u223cgold\u223c)');
      }
    });
  }

  it('a field value cannot start a block quote; identifiers keep their inner underscores (copyable); links keep their URL', () => {
    const f = queued('2025-11-03T11:35:00Z', { id: 'INC_42~1', customer: '> quoted', assignee: 'ana_lopez' });
    const m = slackMessage(f, 'UTC');
    const fields = fieldsOf(m);
    for (const t of fields) expect(t).not.toMatch(/(^|\n)(&gt;|>|＞)/);
    expect(fields).toContain('*Customer*\n\u00ad&gt; quoted (enterprise)');
    expect(fields).toContain('*Assignee*\nana_lopez');
    const head = (m.blocks[0] as any).text.text as string;
    expect(head).toContain('<https://help.example.com/t/INC_42~1|#INC_42\u223c1>');
    expect(slackMessage(queued('2025-11-03T11:35:00Z', { customer: '＞ quoted' }), 'UTC').blocks[1]).toMatchObject({ fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Customer*\n\u00ad＞ quoted (enterprise)' }]) });
  });

  it('e-mail keeps ticket text exactly as it is (plain text, no mrkdwn)', () => {
    const m = emailMessage(nasty, 'UTC');
    expect(m.text).toContain(`Subject:  ${NASTY}`);
    expect(m.subject).toBe('[SLA breached] #1234 *p1* — first response overdue 35m');
  });
});
