// Text from tickets (subjects, names, reasons, custom fields) printed for people: a control
// character in it must not act on the terminal — clear the screen, move the cursor, ring,
// set the title, or (bidi overrides) make a line read as something else. Pure.

/**
 * C0 controls but tab and line feed, DEL, C1 controls, the bidi controls (embeddings,
 * overrides, isolates, marks) and the line/paragraph separators.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, but ESC starting a colour (SGR) sequence, as chalk writes one. */
const UNSAFE_BUT_COLOUR = /\u001b(?!\[[0-9;]*m)|[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const ANY = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A C0 control as its visible picture (ESC → ␛, BEL → ␇), DEL as ␡, anything else as U+FFFD. */
function picture(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

/**
 * `text` with its control and bidi characters made visible and inert (tab and line feed
 * stay). `colour`: keep colour sequences (ESC [ … m) — output on a terminal with colour on,
 * where sla's own colours are in the text; a colour is all a ticket's text can then change.
 */
export function safeText(text: string, colour = false): string {
  if (!ANY.test(text)) return text;
  return text.replace(colour ? UNSAFE_BUT_COLOUR : UNSAFE, picture);
}
