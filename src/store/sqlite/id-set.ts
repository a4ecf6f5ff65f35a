/**
 * A set of strings as 32-bit hashes in an open-addressing table: `has` may answer true
 * for a string never added (rarely), never false for one added. 4 bytes a string, where
 * a Set keeps every id.
 */
export class IdSet {
  private table = new Int32Array(1 << 16);
  private size = 0;
  // The last id has() did not find, with its hash and the free slot it would take: an
  // import asks has(id) and then add(id) for every row, and a probe of a big table is a
  // cache miss. Valid until the table next changes.
  private missId: string | null = null;
  private missHash = 0;
  private missSlot = 0;

  private static hash(id: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) | 1; // never 0 (= a free slot)
  }

  has(id: string): boolean {
    const h = IdSet.hash(id);
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = this.table[slot];
      if (v === 0) {
        this.missId = id;
        this.missHash = h;
        this.missSlot = slot;
        return false;
      }
      if (v === h) return true;
    }
  }

  /** Adds the id; false when it surely was not in the set before. */
  add(id: string): boolean {
    let h: number;
    let slot: number;
    if (this.missId !== null && id === this.missId) {
      h = this.missHash;
      slot = this.missSlot;
    } else {
      h = IdSet.hash(id);
      const mask = this.table.length - 1;
      slot = h & mask;
      for (;;) {
        const v = this.table[slot];
        if (v === 0) break;
        if (v === h) return true;
        slot = (slot + 1) & mask;
      }
    }
    this.missId = null;
    this.table[slot] = h;
    if (++this.size * 2 > this.table.length) this.grow();
    return false;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    const mask = this.table.length - 1;
    for (const h of old) {
      if (h === 0) continue;
      let slot = h & mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & mask;
      this.table[slot] = h;
    }
  }
}
