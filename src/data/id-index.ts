/**
 * Maps ids (as found in the files) to row numbers of a table. Ids in [0, 2^24) use a dense Int32Array
 * (movie ids of 25m reach ~210k); other ids fall back to a Map.
 */
export class IdIndex {
  private readonly dense: Int32Array | null;
  private readonly sparse: Map<number, number> | null;

  /**
   * @param ids the id of each row.
   * @param onDuplicate called with the row whose id was already seen (the first row wins).
   */
  constructor(ids: Int32Array, onDuplicate?: (row: number) => void) {
    let max = -1;
    let min = 0;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] > max) max = ids[i];
      if (ids[i] < min) min = ids[i];
    }
    if (min >= 0 && max < 1 << 24) {
      const dense = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < ids.length; i++) {
        if (dense[ids[i]] >= 0) onDuplicate?.(i);
        else dense[ids[i]] = i;
      }
      this.dense = dense;
      this.sparse = null;
    } else {
      const sparse = new Map<number, number>();
      for (let i = 0; i < ids.length; i++) {
        if (sparse.has(ids[i])) onDuplicate?.(i);
        else sparse.set(ids[i], i);
      }
      this.dense = null;
      this.sparse = sparse;
    }
  }

  /** @returns the row of `id`, or -1 when the table has no such id. */
  rowOf(id: number): number {
    if (this.dense) return id >= 0 && id < this.dense.length ? this.dense[id] : -1;
    return (this.sparse as Map<number, number>).get(id) ?? -1;
  }
}
