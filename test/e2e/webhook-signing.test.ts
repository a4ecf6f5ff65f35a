// Signed webhooks per the Standard Webhooks specification
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
// a local receiver checks every request with the specification's reference library for
// TypeScript (the `standardwebhooks` package) and with the README's own few lines of Node.
// And 410 Gone, which the same specification says disables the endpoint.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysConfig, project, tempDir } from '../support/project.js';
import { TestServer } from '../support/servers.js';

let server: TestServer;
beforeAll(async () => { server = await TestServer.start(); });
afterAll(async () => { await server.close(); });

const T0 = '2025-11-03T10:00:00Z';
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const on = (path: string) => server.requests.filter((r) => r.path === path);

/** The README's receiver example (its ```js block), as a module. */
async function readmeVerifier(): Promise<(secret: string, headers: Record<string, unknown>, body: string, nowSec?: number) => boolean> {
  const md = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const m = /```js\n(import \{ createHmac[\s\S]*?)```/.exec(md);
  if (!m) throw new Error('README has no receiver example (a ```js block starting with import { createHmac)');
  const file = join(tempDir('sla-readme-js-'), 'verify.mjs');
  writeFileSync(file, m[1]);
  return ((await import(pathToFileURL(file).href)) as { verifySlaWebhook: any }).verifySlaWebhook;
}

const signedConfig = (secret = '$HOOK_SECRET') => alwaysConfig({
  alerts: { destinations: { hook: { type: 'webhook', url: '$HOOK_URL', secret } }, routes: [{ to: ['hook'] }] },
});

describe('signed webhooks', () => {
  it('each request carries webhook-id, -timestamp and -signature that the reference library and the README accept', async () => {
    const p = project({
      config: signedConfig(), env: { HOOK_URL: server.url('/signed'), HOOK_SECRET: SECRET },
      tickets: [{ id: 'S1', subject: 'Crème brûlée — ünïcödé', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    // the first attempt answered 503 with Retry-After: 1 — the retry is signed anew, a second later
    server.script({ status: 503, headers: { 'retry-after': '1' } });
    const before = Math.floor(Date.now() / 1000);
    const r = await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z']);
    expect(r.code, r.stderr).toBe(0);
    const got = on('/signed');
    expect(got.map((g) => g.answer)).toEqual([503, 200]);
    const verify = await readmeVerifier();
    const wh = new Webhook(SECRET);
    for (const g of got) {
      const h = g.headers as Record<string, string>;
      expect(h['webhook-id']).toBe(g.json.id);
      expect(h['webhook-id']).toBe(h['idempotency-key']);
      expect(h['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
      expect(Number(h['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
      expect(wh.verify(g.body, h)).toEqual(g.json); // throws when the signature or the timestamp is wrong
      expect(verify(SECRET, h, g.body)).toBe(true);
      // a changed byte, another secret, or a timestamp six minutes old: refused by both
      const tampered = g.body.replace('Crème', 'Creme');
      expect(() => wh.verify(tampered, h)).toThrow();
      expect(verify(SECRET, h, tampered)).toBe(false);
      expect(verify(`whsec_${Buffer.from('another secret, 32 bytes long!!').toString('base64')}`, h, g.body)).toBe(false);
      expect(verify(SECRET, h, g.body, Number(h['webhook-timestamp']) + 360)).toBe(false);
    }
    expect(got[1].headers['webhook-id']).toBe(got[0].headers['webhook-id']);
    expect(Number(got[1].headers['webhook-timestamp'])).toBeGreaterThan(Number(got[0].headers['webhook-timestamp']));
    expect(got[1].headers['webhook-signature']).not.toBe(got[0].headers['webhook-signature']);
    // without a secret, nothing is signed
    const plain = project({
      config: alwaysConfig({ alerts: { destinations: { hook: { type: 'webhook', url: '$HOOK_URL' } }, routes: [{ to: ['hook'] }] } }),
      env: { HOOK_URL: server.url('/plain') },
      tickets: [{ id: 'P1', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    expect((await plain.slaAsync(['check', '--at', '2025-11-03T11:05:00Z'])).code).toBe(0);
    expect(on('/plain')).toHaveLength(1);
    expect(on('/plain')[0].headers['webhook-signature']).toBeUndefined();
  });

  it('a secret that is no whsec_ secret: a config error when written in the file; from a variable, a failed run that says why, never the value', async () => {
    const p = project({ config: signedConfig('whsec_short'), env: { HOOK_URL: server.url('/bad') } });
    const r = p.sla(['config', 'check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('alerts.destinations.hook.secret: is not a Standard Webhooks secret');
    const q = project({
      config: signedConfig(), env: { HOOK_URL: server.url('/bad-var'), HOOK_SECRET: 'not-a-secret' },
      tickets: [{ id: 'B1', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    const c = await q.slaAsync(['check', '--at', '2025-11-03T11:05:00Z']);
    // nothing sent; the run fails (exit 1) and says what to fix, as for a destination that cannot be resolved
    expect(on('/bad-var')).toHaveLength(0);
    expect(c.stderr).toContain('alerts.destinations.hook.secret: the value of its variable is not a Standard Webhooks secret');
    expect(c.stdout + c.stderr).not.toContain('not-a-secret');
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('sla alerts --failed --retry');
  });

  it('410 Gone disables the destination: its alerts fail without a request until --enable or a new URL', async () => {
    const p = project({
      config: alwaysConfig({ alerts: { destinations: { hook: { type: 'webhook', url: '$HOOK_URL' } }, routes: [{ to: ['hook'] }] } }),
      env: { HOOK_URL: server.url('/gone') },
      tickets: Array.from({ length: 3 }, (_, i) => ({ id: `G${i}`, priority: 'urgent', status: 'open', created_at: T0 })),
    });
    server.script({ status: 410, body: '' });
    const first = await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z']); // 3 first-response breaches
    expect(first.code).toBe(1);
    expect(on('/gone')).toHaveLength(1); // the others were not tried
    expect(first.stderr).toContain('destination "hook" is disabled: its receiver answered HTTP 410 Gone');
    let failed = p.json(['alerts', '--failed']);
    expect(failed).toHaveLength(3);
    expect(failed.every((a: any) => /is disabled: its receiver answered HTTP 410/.test(a.lastError))).toBe(true);
    // `sla alerts` says so: in the table, and on standard error beside JSON
    expect(p.out(['alerts'])).toMatch(/destination "hook" is disabled since .*: its receiver answered HTTP 410 Gone\. Nothing is sent to it until its URL changes or `sla alerts --enable hook`/);
    const asJson = p.sla(['alerts', '--format', 'json']);
    expect(JSON.parse(asJson.stdout)).toHaveLength(3);
    expect(asJson.stderr).toContain('destination "hook" is disabled since');

    // Later alerts (resolution warnings) fail at once: no request.
    const later = await p.slaAsync(['check', '--at', '2025-11-03T13:30:00Z']);
    expect(later.code).toBe(1);
    expect(on('/gone')).toHaveLength(1);
    failed = p.json(['alerts', '--failed']);
    expect(failed).toHaveLength(6);

    // --enable, then the failed ones re-queued: all delivered, once each.
    expect(p.sla(['alerts', '--enable', 'nope']).code).toBe(2);
    expect(p.out(['alerts', '--enable', 'hook'])).toContain('destination "hook" enabled');
    expect(p.out(['alerts', '--enable', 'hook'])).toContain('was not disabled');
    expect(p.json(['audit']).some((e: any) => e.action === 'alerts-enable')).toBe(true);
    p.out(['alerts', '--failed', '--retry', '--at', '2025-11-03T13:30:30Z']);
    const again = await p.slaAsync(['check', '--at', '2025-11-03T13:31:00Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(on('/gone')).toHaveLength(7);
    expect(p.out(['alerts'])).not.toContain('is disabled');

    // Gone again; a new URL (the variable changed) is sent to without --enable.
    server.script({ status: 410, body: '' });
    const q = project({
      config: alwaysConfig({ alerts: { destinations: { hook: { type: 'webhook', url: '$HOOK_URL' } }, routes: [{ to: ['hook'] }] } }),
      env: { HOOK_URL: server.url('/gone-old') },
      tickets: [{ id: 'N1', priority: 'urgent', status: 'open', created_at: T0 }],
    });
    expect((await q.slaAsync(['check', '--at', '2025-11-03T11:05:00Z'])).code).toBe(1);
    q.out(['alerts', '--failed', '--retry', '--at', '2025-11-03T11:05:30Z']);
    const moved = await q.slaAsync(['check', '--at', '2025-11-03T11:06:00Z'], { env: { HOOK_URL: server.url('/gone-new') } });
    expect(moved.code, moved.stderr).toBe(0);
    expect(on('/gone-old')).toHaveLength(1);
    expect(on('/gone-new')).toHaveLength(1);
  });
});
