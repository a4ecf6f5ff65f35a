/**
 * A set of strings as 63-bit hashes (two 32-bit ones) in an open-addressing table: `has` may
 * answer true for a string never added (with n ids, about n / 2^63 of the time), never false
 * for one added. 8 bytes a string, where a Set keeps every id. An import asks it for every row
 * whether the id may have been written already, and a "maybe" costs a round trip to the writer
 * thread, which first writes all it has been sent: false "maybe"s grow with the square of the
 * ids, and a single 32-bit hash made them common in a big import.
 */
export class IdSet {
  /** Pairs (h1, h2) per slot; h1 = 0 marks a free slot. */
  private table = new Int32Array(2 << 16);
  private size = 0;
  // The last id has() did not find, with its hashes and the free slot it would take: an
  // import asks has(id) and then add(id) for every row, and a probe of a big table is a
  // cache miss. Valid until the table next changes.
  private missId: string | null = null;
  private missH1 = 0;
  private missH2 = 0;
  private missSlot = 0;
  private h1 = 0;
  private h2 = 0;

  /** Sets h1 (never 0: a free slot) and h2: FNV-1a and a multiply-xor hash, each finished by a murmur3 mix. */
  private hash(id: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
    b = Math.imul(b ^ (b >>> 16), 0x85ebca6b);
    b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
    this.h1 = (a ^ (a >>> 16)) | 1;
    this.h2 = b ^ (b >>> 16);
  }

  has(id: string): boolean {
    this.hash(id);
    const { h1, h2, table } = this;
    const mask = (table.length >> 1) - 1;
    for (let slot = h1 & mask; ; slot = (slot + 1) & mask) {
      const v = table[2 * slot];
      if (v === 0) {
        this.missId = id;
        this.missH1 = h1;
        this.missH2 = h2;
        this.missSlot = slot;
        return false;
      }
      if (v === h1 && table[2 * slot + 1] === h2) return true;
    }
  }

  /** Adds the id; false when it surely was not in the set before. */
  add(id: string): boolean {
    let h1: number;
    let h2: number;
    let slot: number;
    const table = this.table;
    if (this.missId !== null && id === this.missId) {
      h1 = this.missH1;
      h2 = this.missH2;
      slot = this.missSlot;
    } else {
      this.hash(id);
      h1 = this.h1;
      h2 = this.h2;
      const mask = (table.length >> 1) - 1;
      slot = h1 & mask;
      for (;;) {
        const v = table[2 * slot];
        if (v === 0) break;
        if (v === h1 && table[2 * slot + 1] === h2) return true;
        slot = (slot + 1) & mask;
      }
    }
    this.missId = null;
    table[2 * slot] = h1;
    table[2 * slot + 1] = h2;
    if (++this.size * 4 > table.length) this.grow();
    return false;
  }

  private grow(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = (table.length >> 1) - 1;
    for (let i = 0; i < old.length; i += 2) {
      const h1 = old[i];
      if (h1 === 0) continue;
      let slot = h1 & mask;
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = h1;
      table[2 * slot + 1] = old[i + 1];
    }
    this.table = table;
  }
}
