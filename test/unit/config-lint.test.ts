import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintConfig, loadConfig, parseConfig, type LintFinding } from '../../src/config/index.js';

const ROOT = resolve(__dirname, '../..');
const NOW = Date.parse('2026-03-01T12:00:00Z');
const T = { firstResponse: '30m', resolution: '4h' };
const ALL = { urgent: T, high: T, medium: T, low: T };

/** A config that lints clean; tests change one thing in it. */
function base(): Record<string, any> {
  return {
    calendars: { always: '24x7' },
    policies: [{ name: 'standard', calendar: 'always', targets: { ...ALL } }],
  };
}

const lint = (data: unknown, env: NodeJS.ProcessEnv = {}, now = NOW): LintFinding[] =>
  lintConfig(parseConfig(data, '/srv/sla/sla.config.json'), env, now);

describe('lintConfig', () => {
  it('a tidy config has no findings', () => {
    expect(lint(base())).toEqual([]);
  });

  it('a policy after a catch-all is unreachable', () => {
    const data = base();
    data.policies.push({ name: 'vip', match: { tier: 'enterprise' }, calendar: 'always', targets: { ...ALL } });
    expect(lint(data)).toEqual([{
      level: 'error', path: 'policies[1]',
      message: 'policy "vip" is unreachable: policies[0] ("standard") has no "match", so it takes every ticket first; move the catch-all last',
    }]);
  });

  it('a policy after a broader policy is unreachable; a narrower or different one is not', () => {
    const data = base();
    data.policies = [
      { name: 'paid', match: { tier: ['Enterprise', 'business'] }, calendar: 'always', targets: { ...ALL } },
      { name: 'ent-email', match: { tier: 'enterprise', channel: 'email' }, calendar: 'always', targets: { ...ALL } },
      { name: 'ent-or-free', match: { tier: ['enterprise', 'free'] }, calendar: 'always', targets: { ...ALL } },
      { name: 'email', match: { channel: 'email' }, calendar: 'always', targets: { ...ALL } },
      ...data.policies,
    ];
    expect(lint(data)).toEqual([{
      level: 'error', path: 'policies[1]',
      message: 'policy "ent-email" is unreachable: every ticket it matches is matched first by policies[0] ("paid"); put the narrower policy first',
    }]);
  });

  it('no catch-all policy', () => {
    const data = base();
    data.policies[0].match = { tier: 'enterprise' };
    expect(lint(data)).toEqual([{
      level: 'warning', path: 'policies',
      message: 'no catch-all policy (one without "match"): tickets that match no policy get no SLA',
    }]);
  });

  it('priorities without targets, only those the policy can receive', () => {
    const data = base();
    data.policies = [
      { name: 'urgent-only', match: { priority: 'urgent' }, calendar: 'always', targets: { urgent: T } },
      { name: 'standard', calendar: 'always', targets: { urgent: T, high: T } },
    ];
    expect(lint(data)).toEqual([{
      level: 'warning', path: 'policies[1].targets',
      message: 'no target for "medium", "low": such tickets matched by "standard" get no SLA',
    }]);
  });

  it('first response longer than resolution', () => {
    const data = base();
    data.policies[0].targets.high = { firstResponse: '8h', resolution: '4h' };
    data.policies[0].targets.low = { firstResponse: '4h', resolution: '4h' };
    expect(lint(data)).toEqual([{
      level: 'warning', path: 'policies[0].targets.high',
      message: 'firstResponse (8h 00m) is longer than resolution (4h 00m)',
    }]);
  });

  it('alert variables not set in the environment, named without values', () => {
    const data = base();
    data.alerts = {
      destinations: {
        chat: { type: 'slack', url: '$SLACK_URL' },
        hook: { type: 'webhook', url: 'https://ops.example.com/hook', headers: { Authorization: 'Bearer ${OPS_TOKEN}' } },
        mail: { type: 'email', smtp: '$SMTP_URL', from: 'sla@example.com', to: 'leads@example.com' },
      },
      routes: [{ to: ['chat', 'hook', 'mail'] }],
    };
    const env = { SLACK_URL: 'https://hooks.slack.com/services/SECRET', SMTP_URL: '' };
    const findings = lint(data, env);
    expect(findings).toEqual([
      { level: 'warning', path: 'alerts.destinations.hook.headers.Authorization',
        message: 'environment variable $OPS_TOKEN is not set here; alerts to "hook" cannot be delivered until it is (set it for cron/the service too)' },
      { level: 'warning', path: 'alerts.destinations.mail.smtp',
        message: 'environment variable $SMTP_URL is not set here; alerts to "mail" cannot be delivered until it is (set it for cron/the service too)' },
    ]);
    expect(JSON.stringify(findings)).not.toContain('SECRET');
    expect(lint(data, { SLACK_URL: 'x', OPS_TOKEN: 'y', SMTP_URL: 'smtp://u:p@m' })).toEqual([]);
  });

  it('secrets written literally into the file, and unused destinations', () => {
    const data = base();
    data.alerts = {
      destinations: {
        chat: { type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
        team: { type: 'teams', url: 'https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=XYZ' },
        pd: { type: 'pagerduty', routingKey: 'R0UTINGKEY0123456789abcdefABCDEF' },
        hook: { type: 'webhook', url: 'https://ops.example.com/hook', headers: { Authorization: 'Bearer abc123', 'X-Team': 'support' },
          secret: `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}` },
        mail: { type: 'email', smtp: 'smtps://sla:hunter2@mail.example.com', from: 'sla@example.com', to: ['a@example.com'] },
        log: { type: 'file', path: 'alerts.ndjson' },
      },
      routes: [{ to: ['chat', 'team', 'pd', 'hook'] }],
      ticketUrl: 'https://support.example.com/t/{id}',
    };
    data.escalations = [{ name: 'late', when: { overdueMinutes: 60 }, actions: { notify: 'mail' } }];
    const findings = lint(data);
    expect(findings).toEqual([
      { level: 'warning', path: 'alerts.destinations.chat.url',
        message: 'a Slack webhook URL is a secret; write "$SLACK_..." here and set that environment variable' },
      { level: 'warning', path: 'alerts.destinations.team.url',
        message: 'a Teams workflow URL carries its signature and is a secret; write "$TEAMS_..." here and set that environment variable' },
      { level: 'warning', path: 'alerts.destinations.pd.routingKey',
        message: 'a PagerDuty routing key is a credential; write "$PD_ROUTING_KEY" here and set that environment variable' },
      { level: 'warning', path: 'alerts.destinations.hook.headers.Authorization',
        message: 'looks like a credential written into the file; use "$VARIABLE" and set it in the environment' },
      { level: 'warning', path: 'alerts.destinations.hook.secret',
        message: 'a signing secret is written into the file; write "$WEBHOOK_SECRET" here and set that environment variable' },
      { level: 'warning', path: 'alerts.destinations.mail.smtp',
        message: 'contains a password; write "$SLA_SMTP_URL" here and set that environment variable' },
      { level: 'warning', path: 'alerts.destinations.log',
        message: 'destination "log" is not used by any route or escalation, so nothing is sent to it' },
    ]);
    const text = JSON.stringify(findings);
    for (const secret of ['XXXX', 'abc123', 'hunter2']) expect(text).not.toContain(secret);
  });

  it('hand-typed holidays all in the past, in the calendar\'s zone', () => {
    const data = base();
    data.calendars.office = {
      timezone: 'America/New_York', hours: { mon: '09:00-17:00' },
      holidays: ['2025-12-25', { date: '2026-01-01', name: 'New Year' }],
    };
    data.policies[0].calendar = 'office';
    expect(lint(data, {}, Date.parse('2026-01-01T12:00:00Z'))).toEqual([]);
    // 2026-01-02T03:00Z is still Jan 1 in New York
    expect(lint(data, {}, Date.parse('2026-01-02T03:00:00Z'))).toEqual([]);
    expect(lint(data, {}, Date.parse('2026-01-02T06:00:00Z'))).toEqual([{
      level: 'warning', path: 'calendars.office.holidays',
      message: 'all 2 hand-typed holidays are in the past (the last is 2026-01-01); add the coming ones or set holidayCountry',
    }]);
    data.calendars.office.holidayCountry = 'US';
    expect(lint(data, {}, NOW)[0].message).toBe('all 2 hand-typed holidays are in the past (the last is 2026-01-01); add the coming ones');
  });

  it('the example config gives only warnings, about unset variables', () => {
    const example = loadConfig({ configPath: 'sla.config.example.json', env: {}, cwd: ROOT });
    const findings = lintConfig(example, {}, NOW);
    expect(findings.map((f) => [f.level, f.path])).toEqual([
      ['warning', 'alerts.destinations.warnings.url'],
      ['warning', 'alerts.destinations.breaches.url'],
      ['warning', 'alerts.destinations.pager.headers.Authorization'],
      ['warning', 'alerts.destinations.leads.smtp'],
    ]);
    expect(findings.every((f) => /^environment variable \$[A-Z_]+ is not set here/.test(f.message))).toBe(true);
    const env = { SLACK_SLA_WARNINGS: 'a', SLACK_SLA_BREACHES: 'b', OPS_TOKEN: 'c', SLA_SMTP_URL: 'smtps://u:p@mail' };
    expect(lintConfig(example, env, NOW)).toEqual([]);
  });
});
