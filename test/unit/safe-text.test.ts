import { describe, expect, it } from 'vitest';
import { safeText } from '../../src/render/safe-text.js';

describe('safeText', () => {
  it('shows C0 controls as their pictures, DEL as ␡, C1 and bidi controls as U+FFFD; keeps tab and line feed', () => {
    expect(safeText('a\u001b[2Jb\u0007c\rd\u007fe\u009bf\u202eg\u2066h\u200fi\u2028j')).toBe('a␛[2Jb␇c␍d␡e\ufffdf\ufffdg\ufffdh\ufffdi\ufffdj');
    expect(safeText('line one\n\tline two')).toBe('line one\n\tline two');
    const plain = 'Drucker brennt — 🎉 ünïcode';
    expect(safeText(plain)).toBe(plain);
  });

  it('with colour on, keeps colour sequences (ESC [ … m) and nothing else that ESC starts', () => {
    expect(safeText('\u001b[1mbold\u001b[22m \u001b[31mred\u001b[39m', true)).toBe('\u001b[1mbold\u001b[22m \u001b[31mred\u001b[39m');
    expect(safeText('\u001b[1mok\u001b[22m \u001b[2J\u001b]0;title\u0007', true)).toBe('\u001b[1mok\u001b[22m ␛[2J␛]0;title␇');
    expect(safeText('\u001b[31m', false)).toBe('␛[31m');
  });
});
