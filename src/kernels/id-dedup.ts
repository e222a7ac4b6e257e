/**
 * How {@link IdDedup.insertRouted} places a new distinct id: `mod` sharding inline
 * (`shard = (id % N + rotation) % N`, storage row `shard × rowsPerShard + id // N`), anything else through the
 * callbacks (called once per distinct id, never per position).
 */
export interface IdRouting {
  /** Shards N (< 65,536). */
  readonly numShards: number;
  /** True for `mod` sharding (then {@link rotation} and {@link rowsPerShard} are used, not the callbacks). */
  readonly mod: boolean;
  readonly rotation: number;
  readonly rowsPerShard: number;
  /** For `div` sharding: the first `extras` shards hold `q + 1` rows, the others `q` (lets kernels route inline). */
  readonly divisions?: { readonly q: number; readonly extras: number };
  shardOf(id: number): number;
  storageRow(id: number): number;
}

/**
 * Deduplicates ids with an open-addressing hash table (linear probing, `[key, value]` pairs interleaved so a probe
 * touches one cache line) whose memory is sized by the ids per step, never by the vocabulary,
 * and reused across steps: a reset clears only the slots the last step used (or fills the table when they are many).
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
  /** Shard of each distinct id (filled by {@link insertRouted} only). */
  uniqueShard = new Int32Array(16);
  /** Storage row of each distinct id (filled by {@link insertRouted} only). */
  uniqueRow = new Int32Array(16);
  /** `[key, value]` per slot; key −1 marks an empty slot (ids are ≥ 0). */
  private table = new Int32Array(64).fill(-1);
  /** `(last replica << 16) | shard` of each distinct id ({@link insertRouted}). */
  private uniqueTag = new Int32Array(16);
  private mask = 31;
  private shift = 27;

  /** Starts a new set able to hold `maxIds` ids (grows the buffers if needed). */
  reset(maxIds: number): void {
    const table = this.table;
    // Many used slots (≥ 1/8 of the table): one sequential fill. Few: find each distinct id's slot again (probing
    // on past slots already cleared, never stopping at an empty one) and clear it.
    if (this.count * 8 >= this.mask + 1) table.fill(-1);
    else {
      const uniq = this.uniqueIds;
      const mask = this.mask;
      for (let i = this.count - 1; i >= 0; i--) {
        const id = uniq[i];
        let h = Math.imul(id, 0x9e3779b1) >>> this.shift;
        while (table[2 * h] !== id) h = (h + 1) & mask;
        table[2 * h] = -1;
      }
    }
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
      this.uniqueShard = new Int32Array(n);
      this.uniqueRow = new Int32Array(n);
      this.uniqueTag = new Int32Array(n);
    }
  }

  /**
   * Inserts `ids[start .. end)` (each ≥ 0) and writes each id's dense index (order of first appearance) to
   * `out[start .. end)`. The caller must have reserved room with {@link reset}.
   */
  insertAll(ids: Int32Array, start: number, end: number, out: Int32Array): void {
    const table = this.table;
    const uniq = this.uniqueIds;
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
          out[p] = count++;
          break;
        }
        h = (h + 1) & mask;
      }
    }
    this.count = count;
  }

  /**
   * {@link insertAll} fused with routing and per-partition counting, for the positions `[start, end)` that replica
   * `replica` (< 32,768) sends: also writes each position's row byte offset (`storage row × rowBytes`, wrapping to
   * the unsigned address above 2 GiB) to `posOff`, each new distinct id's shard and storage row to
   * {@link uniqueShard} / {@link uniqueRow}, and counts per shard s `ids[base + s]++` for every position and
   * `uniq[base + s]++` for the first position of each distinct id from this replica. One hash probe per position;
   * a repeated id also reads its dense index's shard, row and last replica (per distinct id arrays).
   */
  insertRouted(ids: Int32Array, start: number, end: number, out: Int32Array, posOff: Int32Array, rowBytes: number, routing: IdRouting, replica: number, idsPS: Int32Array, uniqPS: Int32Array, base: number): void {
    const table = this.table;
    const uniq = this.uniqueIds;
    const uShard = this.uniqueShard;
    const uRow = this.uniqueRow;
    const uTag = this.uniqueTag;
    const mask = this.mask;
    const shift = this.shift;
    const N = routing.numShards;
    const mod = routing.mod;
    const rot = routing.rotation;
    const rps = routing.rowsPerShard;
    const tagHi = replica << 16;
    const pow2 = mod && (N & (N - 1)) === 0 ? 31 - Math.clz32(N) : -1;
    let count = this.count;
    for (let p = start; p < end; p++) {
      const id = ids[p];
      let h = Math.imul(id, 0x9e3779b1) >>> shift;
      let k = table[2 * h];
      while (k !== id && k !== -1) {
        h = (h + 1) & mask;
        k = table[2 * h];
      }
      if (k === id) {
        const u = table[2 * h + 1];
        out[p] = u;
        posOff[p] = Math.imul(uRow[u], rowBytes);
        const tag = uTag[u];
        const s = tag & 0xffff;
        idsPS[base + s]++;
        if (tag >>> 16 !== replica) {
          uTag[u] = tagHi | s;
          uniqPS[base + s]++;
        }
        continue;
      }
      let s: number;
      let row: number;
      if (pow2 >= 0) {
        // N = 2^pow2 (the usual case): shifts and masks instead of a division.
        const q = id >>> pow2;
        s = ((id & (N - 1)) + rot) & (N - 1);
        row = s * rps + q;
      } else if (mod) {
        const q = (id / N) | 0;
        s = (id - q * N + rot) % N;
        row = s * rps + q;
      } else {
        s = routing.shardOf(id);
        row = routing.storageRow(id);
      }
      table[2 * h] = id;
      table[2 * h + 1] = count;
      uniq[count] = id;
      uTag[count] = tagHi | s;
      uShard[count] = s;
      uRow[count] = row;
      out[p] = count++;
      posOff[p] = Math.imul(row, rowBytes);
      idsPS[base + s]++;
      uniqPS[base + s]++;
    }
    this.count = count;
  }
}
