/**
 * Deduplicates ids with an open-addressing hash table (linear probing, `[key, value]` pairs interleaved so a probe
 * touches one cache line) whose memory is sized by the ids per step, never by the vocabulary, and reused across
 * steps: a reset clears only the slots the last step used.
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
  /** `[key, value]` per slot; key −1 marks an empty slot (ids are ≥ 0). */
  private table = new Int32Array(64).fill(-1);
  /** Slot of each distinct id, to clear them at the next reset. */
  private used = new Int32Array(16);
  private mask = 31;
  private shift = 27;

  /** Starts a new set able to hold `maxIds` ids (grows the buffers if needed). */
  reset(maxIds: number): void {
    const table = this.table;
    const used = this.used;
    for (let i = 0; i < this.count; i++) table[2 * used[i]] = -1;
    this.count = 0;
    let cap = this.mask + 1;
    if (cap < 2 * maxIds) {
      while (cap < 2 * maxIds) cap *= 2;
      this.table = new Int32Array(2 * cap).fill(-1);
      this.mask = cap - 1;
      this.shift = 32 - Math.log2(cap);
    }
    if (this.uniqueIds.length < maxIds) {
      const n = Math.max(maxIds, 2 * this.uniqueIds.length);
      this.uniqueIds = new Int32Array(n);
      this.used = new Int32Array(n);
    }
  }

  /**
   * Inserts `ids[start .. end)` (each ≥ 0) and writes each id's dense index (order of first appearance) to
   * `out[start .. end)`. The caller must have reserved room with {@link reset}.
   */
  insertAll(ids: Int32Array, start: number, end: number, out: Int32Array): void {
    const table = this.table;
    const uniq = this.uniqueIds;
    const used = this.used;
    const mask = this.mask;
    const shift = this.shift;
    let count = this.count;
    for (let p = start; p < end; p++) {
      const id = ids[p];
      let h = Math.imul(id, 0x9e3779b1) >>> shift;
      for (;;) {
        const k = table[2 * h];
        if (k === id) {
          out[p] = table[2 * h + 1];
          break;
        }
        if (k === -1) {
          table[2 * h] = id;
          table[2 * h + 1] = count;
          uniq[count] = id;
          used[count] = h;
          out[p] = count++;
          break;
        }
        h = (h + 1) & mask;
      }
    }
    this.count = count;
  }
}
