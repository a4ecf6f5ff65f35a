// Rows waiting outside the heap: what is put is what is taken, whatever the order, through
// compactions and growth, in any script.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaitingText } from '../../src/import/waiting.js';

describe('WaitingText', () => {
  it('gives back each text (its separator first) and line, in any order of puts and takes', () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('Ünïcødé, 東京, 🎫', ''));
    const op = fc.oneof(fc.record({ put: text, sep: fc.constantFrom(',', '\u0000'), line: fc.nat() }), fc.record({ take: fc.nat() }));
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const w = new WaitingText(64); // tiny: compactions and growth all the time
      const model = new Map<number, { s: string; line: number }>();
      for (const o of ops) {
        if ('put' in o) {
          const slot = w.put(o.sep, o.put, o.line);
          expect(model.has(slot)).toBe(false); // a slot in use is never handed out again
          model.set(slot, { s: o.sep + o.put, line: o.line });
        } else if (model.size > 0) {
          const slot = [...model.keys()][o.take % model.size];
          expect(w.lineOf(slot)).toBe(model.get(slot)!.line);
          expect(w.take(slot)).toBe(model.get(slot)!.s);
          model.delete(slot);
        }
      }
      for (const [slot, { s, line }] of model) {
        expect(w.lineOf(slot)).toBe(line);
        expect(w.take(slot)).toBe(s);
      }
    }), { numRuns: 300 });
  });
});
