import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/domain/instant.js';

describe('parseInstant offsets', () => {
  it('reads in-range offsets, with and without a colon', () => {
    expect(parseInstant('2025-10-31T12:30-04:00', 'UTC')).toBe(Date.UTC(2025, 9, 31, 16, 30));
    expect(parseInstant('2025-10-31T12:30+0530', 'UTC')).toBe(Date.UTC(2025, 9, 31, 7, 0));
    expect(parseInstant('2025-10-31T12:30+23:59', 'UTC')).toBe(Date.UTC(2025, 9, 31, 12, 30) - (23 * 60 + 59) * 60_000);
    expect(parseInstant('2025-10-31T12:30+05', 'UTC')).toBe(Date.UTC(2025, 9, 31, 7, 30));
    expect(parseInstant('2025-10-31T16:30:00Z', 'UTC')).toBe(Date.UTC(2025, 9, 31, 16, 30));
  });

  it('rejects offsets out of range (hours above 23, minutes above 59), like the import parser', () => {
    for (const off of ['+24:00', '-24:00', '+99:99', '+2400', '+05:60', '-0060', '+99']) {
      expect(parseInstant(`2025-10-31T12:30${off}`, 'UTC'), off).toBeNull();
    }
  });
});
