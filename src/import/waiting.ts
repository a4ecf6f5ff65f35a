// Rows of an event log in time order that wait for their ticket's last row, kept as UTF-8
// text outside the JavaScript heap. Kept as strings they live just long enough for the
// garbage collector to copy each of them twice (young, then old) and then die old — the
// costliest kind of object; here the collector never sees them.

/**
 * Buffer's own UTF-8 codec (what write() and toString() call after checking their
 * arguments, a cost as big as the work for a row's short text), else the public calls.
 */
interface Utf8Codec { utf8Write?(s: string, offset: number): number; utf8Slice?(start: number, end: number): string }
const proto = Buffer.prototype as unknown as Utf8Codec;
const write: (b: Buffer, s: string, at: number) => number = typeof proto.utf8Write === 'function'
  ? (b, s, at) => (b as unknown as Required<Utf8Codec>).utf8Write(s, at)
  : (b, s, at) => b.write(s, at, 'utf8');
const read: (b: Buffer, start: number, end: number) => string = typeof proto.utf8Slice === 'function'
  ? (b, start, end) => (b as unknown as Required<Utf8Codec>).utf8Slice(start, end)
  : (b, start, end) => b.toString('utf8', start, end);

/** UTF-8 bytes [start, end) of `b` as text. */
export function utf8Text(b: Buffer, start: number, end: number): string {
  return read(b, start, end);
}

/**
 * Text slots in one growing buffer; a slot's bytes are reclaimed by compaction. The text is
 * stored as UTF-8: text decoded from a file (where anything that was not UTF-8 became
 * U+FFFD) comes back the same.
 */
export class WaitingText {
  private buf: Buffer;
  /** The other buffer of the last compaction, when of the same size. */
  private spare: Buffer | null = null;
  private used = 0;
  /** Bytes of slots not taken yet. */
  private live = 0;
  private start = new Int32Array(1024);
  /** -1: a free slot. */
  private len = new Int32Array(1024).fill(-1);
  private line = new Int32Array(1024);
  private free: number[] = [];
  private slots = 0;

  constructor(bytes = 1 << 20) {
    this.buf = Buffer.allocUnsafeSlow(bytes);
  }

  /** Keeps `sep` (one ASCII character) + `text` (and its line) until take(); returns its slot. */
  put(sep: string, text: string, line: number): number {
    const need = 1 + 3 * text.length;
    if (this.used + need > this.buf.length) this.compact(need);
    const at = this.used;
    this.buf[at] = sep.charCodeAt(0);
    const n = 1 + write(this.buf, text, at + 1);
    this.used += n;
    this.live += n;
    return this.slot(at, n, line);
  }

  /** Keeps `sep` (one ASCII character) + bytes [start, end) of `src` (UTF-8 text, and its line) until take(); returns its slot. */
  putBytes(sep: string, src: Buffer, start: number, end: number, line: number): number {
    const n = 1 + end - start;
    if (this.used + n > this.buf.length) this.compact(n);
    const at = this.used;
    this.buf[at] = sep.charCodeAt(0);
    src.copy(this.buf, at + 1, start, end);
    this.used += n;
    this.live += n;
    return this.slot(at, n, line);
  }

  private slot(at: number, n: number, line: number): number {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.newSlot();
    this.start[slot] = at;
    this.len[slot] = n;
    this.line[slot] = line;
    return slot;
  }

  /** The text of a slot (its separator first), which is then free. */
  take(slot: number): string {
    const at = this.start[slot];
    const text = read(this.buf, at, at + this.len[slot]);
    this.release(slot);
    return text;
  }

  /** The bytes of a slot (its separator first), copied into `to` at `at` (room enough: bytesOf), and the slot freed. */
  takeBytes(slot: number, to: Buffer, at: number): number {
    const start = this.start[slot];
    const n = this.len[slot];
    to.set(this.buf.subarray(start, start + n), at);
    this.release(slot);
    return n;
  }

  private release(slot: number): void {
    this.live -= this.len[slot];
    this.len[slot] = -1;
    this.free.push(slot);
    if (this.live === 0) this.used = 0; // nothing waits: start over at the beginning
  }

  bytesOf(slot: number): number {
    return this.len[slot];
  }

  lineOf(slot: number): number {
    return this.line[slot];
  }

  private newSlot(): number {
    if (this.slots === this.len.length) {
      const n = this.slots * 2;
      const grow = (a: Int32Array): Int32Array<ArrayBuffer> => { const b = new Int32Array(n); b.set(a); return b; };
      this.start = grow(this.start);
      this.line = grow(this.line);
      const len = new Int32Array(n).fill(-1);
      len.set(this.len);
      this.len = len;
    }
    return this.slots++;
  }

  /**
   * Moves the live slots to the front of a buffer with room for `need` more bytes, where
   * they fill at most a quarter (so that compacting costs at most a third of a byte copied
   * per byte put). The two buffers take turns: memory touched once, not mapped anew.
   */
  private compact(need: number): void {
    let size = this.buf.length;
    while ((this.live + need) * 4 > size) size *= 2;
    const to = this.spare !== null && this.spare.length === size ? this.spare : Buffer.allocUnsafeSlow(size);
    this.spare = size === this.buf.length ? this.buf : null;
    let at = 0;
    for (let s = 0; s < this.slots; s++) {
      const n = this.len[s];
      if (n < 0) continue;
      this.buf.copy(to, at, this.start[s], this.start[s] + n);
      this.start[s] = at;
      at += n;
    }
    this.buf = to;
    this.used = at;
  }
}
