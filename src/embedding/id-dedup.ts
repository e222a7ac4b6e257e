/**
 * Deduplicates ids with an open-addressing hash table whose memory is sized by the ids per step (never by the
 * vocabulary) and reused across steps: a generation stamp marks live slots, so a reset costs O(1).
 *
 * @example
 * const d = new IdDedup();
 * d.reset(4);
 * const slots = new Int32Array(4);
 * d.insertAll(Int32Array.of(7, 3, 7, 9), 0, 4, slots); // slots = [0, 1, 0, 2], d.count = 3, d.uniqueIds = [7, 3, 9]
 */
export class IdDedup {
  /** Number of distinct ids inserted since the last reset. */
  count = 0;
  /** Distinct ids in order of first appearance (`uniqueIds[0 .. count)`). */
  uniqueIds = new Int32Array(16);
  private keys = new Int32Array(32);
  private vals = new Int32Array(32);
  private stamps = new Int32Array(32);
  private gen = 1;
  private mask = 31;
  private shift = 27;

  /** Starts a new set able to hold `maxIds` ids (grows the buffers if needed). */
  reset(maxIds: number): void {
    let cap = this.keys.length;
    if (cap < 2 * maxIds) {
      while (cap < 2 * maxIds) cap *= 2;
      this.keys = new Int32Array(cap);
      this.vals = new Int32Array(cap);
      this.stamps = new Int32Array(cap);
      this.mask = cap - 1;
      this.shift = 32 - Math.log2(cap);
      this.gen = 0;
    }
    if (this.uniqueIds.length < maxIds) this.uniqueIds = new Int32Array(Math.max(maxIds, 2 * this.uniqueIds.length));
    this.gen++;
    if (this.gen === 0x7fffffff) {
      this.stamps.fill(0);
      this.gen = 1;
    }
    this.count = 0;
  }

  /**
   * Inserts `ids[start .. end)` and writes each id's dense index (order of first appearance) to `out[start .. end)`.
   * The caller must have reserved room with {@link reset}.
   */
  insertAll(ids: Int32Array, start: number, end: number, out: Int32Array): void {
    const keys = this.keys;
    const vals = this.vals;
    const stamps = this.stamps;
    const uniq = this.uniqueIds;
    const gen = this.gen;
    const mask = this.mask;
    const shift = this.shift;
    let count = this.count;
    for (let p = start; p < end; p++) {
      const id = ids[p];
      let h = Math.imul(id, 0x9e3779b1) >>> shift;
      for (;;) {
        if (stamps[h] !== gen) {
          stamps[h] = gen;
          keys[h] = id;
          vals[h] = count;
          uniq[count] = id;
          out[p] = count++;
          break;
        }
        if (keys[h] === id) {
          out[p] = vals[h];
          break;
        }
        h = (h + 1) & mask;
      }
    }
    this.count = count;
  }
}
