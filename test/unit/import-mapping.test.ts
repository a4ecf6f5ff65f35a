import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadMapping } from '../../src/import/mapping.js';
import { ImportError } from '../../src/import/errors.js';

const MAPPINGS = join(__dirname, '..', '..', 'examples', 'mappings');

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sla-mapping-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

let n = 0;
function write(content: unknown): string {
  const path = join(dir, `m${n++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}
function error(content: unknown): ImportError {
  const path = write(content);
  try {
    loadMapping(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    expect((e as ImportError).exitCode).toBe(2);
    expect((e as ImportError).message).toContain(path);
    return e as ImportError;
  }
  throw new Error('expected loadMapping to throw');
}

describe('loadMapping', () => {
  it('loads the ready-made mappings', () => {
    for (const name of ['zendesk.json', 'freshdesk.json', 'helpdesk-events.json']) {
      const m = loadMapping(join(MAPPINGS, name));
      expect(m.path).toBe(join(MAPPINGS, name));
      expect(Object.keys(m.columns).length).toBeGreaterThan(5);
    }
    const h = loadMapping(join(MAPPINGS, 'helpdesk-events.json'));
    expect(h.kind).toBe('events');
    expect(h.timestamps).toEqual({ format: 'yyyy/MM/dd HH:mm:ss.SSS', zone: 'Europe/Rome' });
    expect(h.values?.priority).toEqual({ 'value 4': 'urgent', 'value 1': 'high', 'value 2': 'medium', 'value 3': 'low' });
    expect(h.events?.rules?.['take in charge ticket']).toEqual([{ type: 'reply' }, { type: 'status', value: 'in_progress' }]);
    expect(h.events?.rules?.wait).toEqual([{ type: 'status', value: 'waiting_customer' }]);
  });

  it('resolves a relative path and normalises what it can', () => {
    const path = write({
      columns: { id: 'Key' },
      values: { status: { 'On Hold': 'Pending', DONE: 'resolved' } },
      events: { activityColumn: 'Act', rules: { 'Start Work': { type: 'status', value: 'On Hold' } }, firstResponseAwayFrom: 'NEW' },
    });
    const m = loadMapping(relative(process.cwd(), path));
    expect(m.path).toBe(path);
    expect(m.values?.status).toEqual({ 'on hold': 'Pending', done: 'resolved' });
    expect(m.events?.rules).toEqual({ 'start work': [{ type: 'status', value: 'pending' }] });
    expect(m.events?.firstResponseAwayFrom).toBe('new');
  });

  it('names the file and the JSON path of each mistake', () => {
    expect(error({ columns: { id: 'Key' }, colums: {} }).message).toMatch(/: unknown key "colums"$/);
    expect(error({ columns: { create_at: 'Opened' } }).message).toMatch(/columns\.create_at: "create_at" is not a field; use one of id, .* or "custom\.NAME"/);
    expect(error({ columns: { id: 3 } }).message).toMatch(/columns\.id: /);
    expect(error({ format: 'xml' }).message).toMatch(/format: /);
    expect(error({ values: { status: { hold: 'on_hold' } } }).message)
      .toMatch(/values\.status\.hold: "on_hold" is not a status; use one of new, open, in_progress, pending, waiting_customer, resolved, closed/);
    expect(error({ values: { status: { Hold: 'pending', hold: 'open' } } }).message).toMatch(/"Hold" and "hold" differ only in case/);
    expect(error({ values: { type: { escalated: 'escalate' } } }).message).toMatch(/values\.type\.escalated: "escalate" is not an event type/);
    expect(error({ timestamps: { format: 'dd/MM/yyyy HH:mm QQ' } }).message).toMatch(/timestamps\.format: timestamp format .*unknown token "QQ"/);
    expect(error({ timestamps: { zone: 'Europe/Atlantis' } }).message).toMatch(/timestamps\.zone: unknown time zone "Europe\/Atlantis"/);
    expect(error({ events: { activityColumn: 'A', rules: { Wait: [{ type: 'pause2' }] } } }).message).toMatch(/events\.rules\.Wait\[0\]\.type/);
    expect(error({ events: { activityColumn: 'A', rules: { Wait: { type: 'status', value: 'sleeping' } } } }).message)
      .toMatch(/events\.rules\.Wait\.value: "sleeping" is not a status/);
    expect(error({ events: { rules: { Wait: { type: 'pause' } } } }).message).toMatch(/rules need "activityColumn"/);
    expect(error({ events: { firstResponseAwayFrom: 'fresh' } }).message).toMatch(/events\.firstResponseAwayFrom: "fresh" is not a status/);
    expect(error('{ "columns": { "id": "a", } }').message).toMatch(/:1:\d+: not valid JSON/);
    expect(error('{ "columns": { "id": "a", "id": "b" } }').message).toMatch(/columns\.id: given twice/);
  });

  it('says so when the file is missing', () => {
    expect(() => loadMapping(join(dir, 'absent.json'))).toThrow(/mapping file .*absent\.json: not found/);
    try {
      loadMapping(join(dir, 'absent.json'));
    } catch (e) {
      expect((e as ImportError).hint).toMatch(/examples\/mappings/);
    }
  });
});
