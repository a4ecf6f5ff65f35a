// Microsoft Teams through a Workflows webhook, against a local server that answers as the
// Workflows "When a Teams webhook request is received" trigger does: 202 Accepted for a message
// it takes (the Request trigger without a Response action,
// https://learn.microsoft.com/azure/connectors/connectors-native-reqres), 429 when more than
// four requests a second arrive, and a limit of about 28 KB a message
// (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook).
// Each card is read back by Microsoft's Adaptive Cards SDK (test/support/adaptive-card.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardProblems } from '../support/adaptive-card.js';
import { alwaysConfig, project } from '../support/project.js';
import { TestServer } from '../support/servers.js';

let server: TestServer;
beforeAll(async () => { server = await TestServer.start(); server.respond({ status: 202, body: '' }); });
afterAll(async () => { await server.close(); });

const T0 = '2025-11-03T10:00:00Z';
const on = (path: string) => server.requests.filter((r) => r.path === path);
const cardOf = (json: any) => {
  expect(json.type).toBe('message');
  expect(json.attachments).toHaveLength(1);
  expect(json.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  const card = json.attachments[0].content;
  expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
  expect(cardProblems(card)).toEqual([]);
  return card;
};

describe('Teams destination', () => {
  it('one alert is one Adaptive Card: the ticket linked, the facts in the config zone, ticket text inert', async () => {
    const nasty = '**URGENT** [click here](http://evil.example) _now_ ~gone~';
    const p = project({
      config: alwaysConfig({
        timezone: 'America/New_York',
        alerts: {
          destinations: { team: { type: 'teams', url: '$TEAMS_URL' } },
          routes: [{ to: ['team'] }],
          ticketUrl: 'https://support.example.com/t/{id}',
        },
      }),
      env: { TEAMS_URL: server.url('/one') },
      tickets: [{ id: 'E1', subject: nasty, customer: '- Acme [Corp]', priority: 'high', status: 'open', assignee: 'ana_lopez', created_at: T0 }],
    });
    const r = await p.slaAsync(['check', '--at', '2025-11-03T12:30:00Z', '--format', 'json']); // first response (2h) overdue 30m
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).alerts).toMatchObject({ sent: 1, failed: 0 });
    const got = on('/one');
    expect(got).toHaveLength(1);
    expect(got[0].headers['content-type']).toMatch(/^application\/json/);
    const card = cardOf(got[0].json);
    const [head, subject, facts] = card.body;
    expect(head).toMatchObject({ type: 'TextBlock', weight: 'Bolder', color: 'Attention', wrap: true });
    expect(head.text).toBe('🚨 **SLA breached** — [#E1](https://support.example.com/t/E1) high');
    // Markdown in the subject formats nothing and links nowhere; the words stay readable.
    expect(subject.text).toBe('\u2217\u2217URGENT\u2217\u2217 \uff3bclick here\uff3d(http://evil.example) \u02cdnow\u02cd \u223cgone\u223c');
    const all = JSON.stringify(card);
    expect(all).not.toContain('[click here]');
    expect(all).not.toContain('**URGENT**');
    const fact = Object.fromEntries(facts.facts.map((f: any) => [f.title, f.value]));
    expect(fact).toMatchObject({
      Customer: '\u00ad- Acme \uff3bCorp\uff3d', // a leading "- " would start a list
      Priority: 'high',
      Metric: 'first response',
      Deadline: '2025-11-03 07:00 EST', // 12:00 UTC in the config's zone
      Overdue: '30m (business 30m)',
      Assignee: 'ana_lopez', // an _ inside a word stays as it is
      Policy: 'p247',
    });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open ticket #E1', url: 'https://support.example.com/t/E1' }]);
  });

  it('many alerts are one card under 28 KB, the rest counted; a 429 is retried after its Retry-After', async () => {
    // Japanese subjects: three bytes a character in UTF-8, so that the lines a digest shows
    // (at most 100, each subject cut to 80 characters) would pass 28 KB.
    const long = '問い合わせの件'.repeat(20);
    const p = project({
      config: alwaysConfig({
        alerts: { destinations: { team: { type: 'teams', url: '$TEAMS_URL' } }, routes: [{ when: { type: ['response_breached'] }, to: ['team'] }] },
      }),
      env: { TEAMS_URL: server.url('/digest') },
      tickets: Array.from({ length: 150 }, (_, i) => ({ id: `D${i + 1}`, subject: `${i} ${long}`, priority: 'urgent', status: 'open', created_at: T0 })),
    });
    server.script({ status: 429, headers: { 'retry-after': '1' }, body: '' });
    const r = await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).alerts).toMatchObject({ queued: 150, sent: 150, digests: 1, messages: 1 });
    const got = on('/digest');
    expect(got.map((g) => g.answer)).toEqual([429, 202]);
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(900);
    expect(got[1].body).toBe(got[0].body);
    expect(Buffer.byteLength(got[1].body)).toBeLessThan(28 * 1024);
    const card = cardOf(got[1].json);
    expect(card.body[0].text).toBe('🚨 **150 SLA alerts** (150 breached)');
    const lines = card.body.slice(1, -1).map((b: any) => b.text as string);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThan(100);
    const shown = new Set<number>();
    for (const l of lines) {
      const m = /^🚨 #D(\d+) urgent first response · overdue 5m \(business 5m\) · due 2025-11-03 11:00 UTC · (\d+) (問い合わせの件)+/.exec(l);
      expect(m, l).not.toBeNull();
      expect(Number(m![2])).toBe(Number(m![1]) - 1); // the ticket's own subject
      shown.add(Number(m![1]));
    }
    expect(shown.size).toBe(lines.length);
    // as many as fit: one more line would pass the limit
    expect(Buffer.byteLength(got[1].body) + Buffer.byteLength(JSON.stringify(card.body[1]))).toBeGreaterThan(27 * 1024);
    expect(card.body.at(-1).text).toBe(`… and ${150 - lines.length} more — \`sla alerts\` lists them all`);
  });

  it('each alert reaches the channel exactly once under 10 concurrent checks', async () => {
    const p = project({
      config: alwaysConfig({
        alerts: { destinations: { team: { type: 'teams', url: '$TEAMS_URL' } }, routes: [{ when: { type: ['response_breached'] }, to: ['team'] }] },
      }),
      env: { TEAMS_URL: server.url('/many') },
      tickets: Array.from({ length: 6 }, (_, i) => ({ id: `C${i}`, priority: 'urgent', status: 'open', created_at: T0 })),
    });
    const runs = await Promise.all(Array.from({ length: 10 }, () => p.slaAsync(['check', '--at', '2025-11-03T11:10:00Z'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const got = on('/many');
    const ids = got.map((g) => /#(C\d)\b/.exec(cardOf(g.json).body[0].text)?.[1]);
    expect(ids.sort()).toEqual(['C0', 'C1', 'C2', 'C3', 'C4', 'C5']);
  });
});
