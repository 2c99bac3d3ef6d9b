/**
 * A set of 64-bit keys (given as two 32-bit halves) in two typed arrays with open addressing and linear
 * probing: 8 bytes a slot, no per-key objects, so 4 million keys take 64 MiB (load ≤ 0.75, power-of-two
 * capacity). Used for exact-duplicate hashes and for MinHash LSH band keys.
 */
export class U64HashSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  /** Number of keys stored. */
  size = 0;

  /** @param initialCapacity expected number of keys (the table grows past it) */
  constructor(initialCapacity = 1 << 16) {
    let cap = 1 << 4;
    while (cap * 0.75 < initialCapacity) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  /** The raw table (for checkpoints); {@link U64HashSet.fromArrays} rebuilds the set from it. */
  toArrays(): { hi: Uint32Array; lo: Uint32Array; size: number } {
    return { hi: this.hi, lo: this.lo, size: this.size };
  }

  /** Rebuild a set from {@link U64HashSet.toArrays} output (same-length power-of-two arrays). */
  static fromArrays(hi: Uint32Array, lo: Uint32Array, size: number): U64HashSet {
    if (hi.length !== lo.length || (hi.length & (hi.length - 1)) !== 0) throw new Error('U64HashSet.fromArrays: bad table');
    const s = new U64HashSet(1);
    s.hi = hi;
    s.lo = lo;
    s.mask = hi.length - 1;
    s.size = size;
    return s;
  }

  /** Bytes held by the table. */
  get byteLength(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  /**
   * Add a key. The all-zero key is stored as (0, 1) since (0, 0) marks an empty slot.
   * @returns true when the key was new, false when it was already present
   */
  add(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) lo = 1;
    const i = this.slot(hi, lo);
    if (this.hi[i] !== 0 || this.lo[i] !== 0) return false;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.size++;
    if (this.size > (this.mask + 1) * 0.75) this.grow();
    return true;
  }

  /** Whether the key is present. */
  has(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) lo = 1;
    const i = this.slot(hi, lo);
    return this.hi[i] !== 0 || this.lo[i] !== 0;
  }

  /** Linear probing: the slot holding (hi, lo), or the empty slot where it would go. Keys are already normalised. */
  private slot(hi: number, lo: number): number {
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const h = this.hi[i];
      const l = this.lo[i];
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return i;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    const cap = (this.mask + 1) * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let j = 0; j < oldHi.length; j++) {
      if (oldHi[j] !== 0 || oldLo[j] !== 0) this.add(oldHi[j], oldLo[j]);
    }
  }
}
