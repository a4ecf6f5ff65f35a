// A plain CSV read as bytes (import/plain-csv.ts): lines and cells as the text reading
// splits them, control characters and invalid UTF-8 found as the text reading finds them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasControl, invalidSequences, plainId, scanPlainCsv } from '../../src/import/plain-csv.js';
import { CONTROL } from '../../src/import/rows.js';
import { mulberry32 } from '../support/build.js';

const dir = mkdtempSync(join(tmpdir(), 'sla-plain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanPlainCsv', () => {
  it('hands each non-blank line after the header, numbered as the text reading numbers lines, with its ticket cell', () => {
    const f = join(dir, 'a.csv');
    // a byte order mark, a blank line, a line with fewer cells, an empty ticket cell, no final line break
    writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('at,ticket_id,v\nx,T1,a\n\nx,T2\nx\ny,,z\nz,T1,é')]));
    const seen: Array<[number, string, string | null]> = [];
    let header: string[] = [];
    const plain = scanPlainCsv(f, {
      header: (cells) => { header = cells; return cells.indexOf('ticket_id'); },
      line: (buf, start, end, s, e, line) => {
        seen.push([line, buf.toString('utf8', start, end), s < 0 ? null : buf.toString('utf8', s, e)]);
        return true;
      },
    });
    expect(plain).toBe(true);
    expect(header).toEqual(['at', 'ticket_id', 'v']);
    expect(seen).toEqual([[2, 'x,T1,a', 'T1'], [4, 'x,T2', 'T2'], [5, 'x', null], [6, 'y,,z', ''], [7, 'z,T1,é', 'T1']]);
  });

  it('is not plain with a quote or a carriage return anywhere, or when the header has no ticket column', () => {
    for (const [name, body, col] of [
      ['quote', 'ticket_id,at\nT1,"2026"\n', 0], ['cr', 'ticket_id,at\r\nT1,x\r\n', 0], ['no column', 'a,b\nT1,x\n', -1],
    ] as const) {
      const f = join(dir, `${name}.csv`);
      writeFileSync(f, body);
      expect(scanPlainCsv(f, { header: () => col, line: () => true }), name).toBe(false);
    }
  });

  it('reads lines across chunks (a file of several MiB) the same as split by line breaks', () => {
    const lines = ['id,at'];
    const rnd = mulberry32(3);
    for (let i = 0; i < 60_000; i++) lines.push(`T${Math.floor(rnd() * 5000)},${'x'.repeat(Math.floor(rnd() * 90))}`);
    const f = join(dir, 'big.csv');
    writeFileSync(f, lines.join('\n') + '\n');
    const ids: string[] = [];
    expect(scanPlainCsv(f, { header: () => 0, line: (buf, _s, _e, cs, ce) => { ids.push(plainId(buf, cs, ce) as string); return true; } })).toBe(true);
    expect(ids).toEqual(lines.slice(1).map((l) => l.split(',')[0]));
  });
});

describe('plainId', () => {
  it('is the id as the text reading reads it, or null when the text reading must read it', () => {
    const b = Buffer.from('T-1| T2|T3 ||T\u00e94|T\u00075');
    const cells = b.toString('latin1').split('|');
    let at = 0;
    const ids = cells.map((c) => { const id = plainId(b, at, at + Buffer.byteLength(c, 'latin1')); at += Buffer.byteLength(c, 'latin1') + 1; return id; });
    expect(ids[0]).toBe('T-1');
    expect(ids.slice(1)).toEqual([null, null, null, null, null]);
  });
});

describe('hasControl', () => {
  it('finds a control character exactly where the text reading finds one, at any alignment', () => {
    const rnd = mulberry32(11);
    // mostly text, with now and then a tab, a line break, DEL, C2 + a byte, an accented letter or a C0 control
    const pick = (): number[] => {
      const r = rnd();
      if (r < 0.9) return [32 + Math.floor(rnd() * 95)];
      if (r < 0.93) return [rnd() < 0.5 ? 9 : 10];
      if (r < 0.95) return [0xc3, 0xa9];
      if (r < 0.97) return [0xc2, 0x80 + Math.floor(rnd() * 0x40)]; // U+0080 … U+00BF: C1 controls up to U+009F
      if (r < 0.985) return [0x7f];
      return [Math.floor(rnd() * 32)];
    };
    for (let round = 0; round < 3000; round++) {
      const bytes: number[] = [];
      const n = Math.floor(rnd() * 40);
      for (let i = 0; i < n; i++) bytes.push(...pick());
      const pad = Math.floor(rnd() * 4);
      const buf = Buffer.alloc(pad + bytes.length + 3, 0x41);
      Buffer.from(bytes).copy(buf, pad);
      const text = Buffer.from(bytes).toString('utf8');
      expect(hasControl(buf, pad, pad + bytes.length), JSON.stringify(text)).toBe(CONTROL.test(text));
    }
  });
});

describe('invalidSequences', () => {
  it('counts the bytes that were not UTF-8, not a U+FFFD the file spelled', () => {
    const bytes = Buffer.concat([Buffer.from('a\ufffdb'), Buffer.from([0xff, 0x41, 0xc3])]);
    expect(invalidSequences(bytes, bytes.toString('utf8'))).toBe(2);
  });
});
