// `sla report --format html`: the standup page — one self-contained file whose numbers are the
// JSON report's and whose ticket lists are `sla list`'s, opened in a real browser (Debian's
// chromium, headless; .ci/run installs it and sets SLA_REQUIRE_CHROMIUM=1 so that CI never skips
// it): its console silent (no error, no load refused), screenshots at 1280×800 and 1920×1080 saved
// in the test's folder.

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alwaysConfig, project } from '../support/project.js';

const chromium = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version']).status === 0) ?? null;
if (!chromium && process.env.SLA_REQUIRE_CHROMIUM === '1') throw new Error('chromium is missing: install Debian\'s chromium package (.ci/run does)');
const HEADLESS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--hide-scrollbars'];

const AT = '2025-11-05T15:00:00Z';
const day = (d: number, h: string) => `2025-11-0${d}T${h}:00Z`;

describe('sla report --format html', () => {
  it('is one self-contained page with the JSON report\'s numbers and list\'s tickets, and renders in chromium', () => {
    const p = project({
      config: alwaysConfig({ alerts: { ticketUrl: 'https://support.example.com/t/{id}' } }),
      tickets: [
        { id: 'B1', subject: '<script>alert(1)</script> & co', priority: 'urgent', status: 'open', created_at: day(3, '10:00') }, // breached
        { id: 'B2', priority: 'high', status: 'open', assignee: 'ana', created_at: day(4, '09:00') }, // breached
        { id: 'M1', priority: 'urgent', status: 'open', created_at: day(4, '10:00'), first_response_at: day(4, '10:20') },
        { id: 'R1', priority: 'medium', status: 'open', created_at: day(5, '12:00') }, // first response 4h: at risk at 15:12? on time at 15:00
        { id: 'A1', priority: 'urgent', status: 'open', created_at: day(5, '14:10') }, // 1h: at risk from 14:58
      ],
      importAt: AT,
    });
    const r = p.sla(['report', '--days', '7', '--format', 'html', '--at', AT]);
    expect(r.code, r.stderr).toBe(0);
    const html = r.stdout;
    const file = join(p.dir, p.write('standup.html', html));

    // self-contained: nothing to fetch; the only links are the tickets'
    expect(html).toMatch(/^<!doctype html>/);
    for (const bad of ['<script', '<link', ' src=', 'url(', '@import', '<iframe', '<img']) expect(html).not.toContain(bad);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    expect(hrefs.every((h) => h.startsWith('https://support.example.com/t/'))).toBe(true);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');

    // the numbers are the JSON report's
    const json = p.json(['report', '--days', '7', '--at', AT]);
    const attr = (re: RegExp): string => re.exec(html)?.[1] ?? 'missing';
    expect(attr(/data-metric="firstResponse" data-compliance="([^"]*)"/)).toBe(String(json.firstResponse.compliancePercent ?? ''));
    expect(attr(/data-metric="resolution" data-compliance="([^"]*)"/)).toBe(String(json.resolution.compliancePercent ?? ''));
    expect(Number(attr(/data-tickets="(\d+)" data-open=/))).toBe(json.totalTickets);
    for (const [key, g] of Object.entries(json.byPriority) as Array<[string, any]>) {
      const row = new RegExp(`<tr data-key="${key}" data-tickets="(\\d+)" data-fr-met="(\\d+)" data-fr-breached="(\\d+)" data-fr-pending="(\\d+)" data-res-met="(\\d+)" data-res-breached="(\\d+)" data-res-pending="(\\d+)"`).exec(html);
      expect(row, key).not.toBeNull();
      expect(row!.slice(1).map(Number)).toEqual([g.tickets, g.firstResponse.met, g.firstResponse.breached, g.firstResponse.pending, g.resolution.met, g.resolution.breached, g.resolution.pending]);
    }
    // the open tickets breached and at risk are `sla list`'s, in its order
    for (const [status, id] of [['breached', 'breached'], ['at_risk', 'at-risk']] as const) {
      const listed = p.json(['list', '--status', status, '--at', AT]).map((t: any) => t.id);
      expect(listed.length, status).toBeGreaterThan(0);
      const section = new RegExp(`<section class="card [a-z]+" id="${id}">([\\s\\S]*?)</section>`).exec(html)![1];
      expect([...section.matchAll(/<tr data-ticket="([^"]+)"/g)].map((m) => m[1])).toEqual(listed);
      expect(section).toContain(`<span class="count">${listed.length}</span>`);
    }
    expect(html).toContain('Compliance % = met ÷ (met + breached) × 100');

    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);

    if (!chromium) return;
    // rendered by a real browser: the DOM after layout has the chart and the tiles, and the
    // console is silent — the page's Content Security Policy makes any load it tried a console error
    const LOG = ['--enable-logging=stderr', '--v=0'];
    const dom = spawnSync(chromium, [...HEADLESS, ...LOG, '--dump-dom', pathToFileURL(file).href], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.status, dom.stderr).toBe(0);
    expect(dom.stderr.split('\n').filter((l) => l.includes(':CONSOLE'))).toEqual([]);
    // (that check sees a load: the same page with an image from the network logs the refusal)
    const leaky = join(p.dir, p.write('leaky.html', html.replace('<main>', '<main><img src="http://192.0.2.1/x.png" alt="">')));
    const refused = spawnSync(chromium, [...HEADLESS, ...LOG, '--dump-dom', pathToFileURL(leaky).href], { encoding: 'utf8', timeout: 60_000 });
    expect(refused.stderr).toMatch(/:CONSOLE.*192\.0\.2\.1.*Content Security Policy/);
    expect(dom.stdout).toContain('<svg viewBox=');
    expect(dom.stdout).toContain(`${json.firstResponse.compliancePercent.toFixed(1)}%`);
    for (const size of ['1280,800', '1920,1080']) {
      const png = join(p.dir, `standup-${size.replace(',', 'x')}.png`);
      const shot = spawnSync(chromium, [...HEADLESS, `--window-size=${size}`, `--screenshot=${png}`, pathToFileURL(file).href], { encoding: 'utf8', timeout: 60_000 });
      expect(shot.status, shot.stderr).toBe(0);
      expect(existsSync(png) && statSync(png).size).toBeGreaterThan(10_000);
    }
  }, 120_000);
});
