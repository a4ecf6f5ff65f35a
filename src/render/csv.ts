// RFC 4180 CSV writing. `neutralise` guards spreadsheets against formula injection.

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown, neutralise = false): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // A number is data, not a formula, even when negative.
  if (neutralise && typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly unknown[], neutralise = false): string {
  return values.map((v) => csvCell(v, neutralise)).join(',') + '\r\n';
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>, neutralise = false): string {
  return csvLine(header, neutralise) + rows.map((r) => csvLine(r, neutralise)).join('');
}
