/** The eviction rules of a dynamic-vocabulary table under its row budget. */
export const EVICTIONS = ['lru', 'lfu'] as const;
/** `'lru'`: evict the row touched longest ago; `'lfu'`: the row with the fewest sightings, ties by LRU. */
export type Eviction = (typeof EVICTIONS)[number];

/**
 * A binary min-heap of rows (local indices `0 … capacity−1`) ordered by their eviction key, on typed arrays:
 * LRU by `last` (the logical clock of the row's last touch), LFU by `(freq, last)`. The root is the next victim.
 * The keys live in the caller's arrays; a row's key may change only while it is out of the heap.
 */
export class EvictionHeap {
  /** Heap order: `rows[0]` is the minimum. */
  private readonly rows: Int32Array;
  /** Position of each row in {@link rows}, or −1 when out of the heap. */
  private readonly pos: Int32Array;
  private n = 0;

  /**
   * @param capacity most rows; @param eviction the order.
   * @param freq sightings per row (LFU key); @param last logical clock of each row's last touch.
   */
  constructor(capacity: number, readonly eviction: Eviction, private readonly freq: Float64Array, private readonly last: Float64Array) {
    this.rows = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
  }

  /** Rows in the heap. */
  get size(): number {
    return this.n;
  }

  /** Whether row `j` is in the heap. */
  has(j: number): boolean {
    return this.pos[j] >= 0;
  }

  private less(a: number, b: number): boolean {
    if (this.eviction === 'lfu' && this.freq[a] !== this.freq[b]) return this.freq[a] < this.freq[b];
    return this.last[a] < this.last[b];
  }

  /** Inserts row `j` (not in the heap). O(log n). */
  push(j: number): void {
    this.rows[this.n] = j;
    this.pos[j] = this.n;
    this.n++;
    this.up(this.n - 1);
  }

  /** Removes row `j` if it is in the heap. O(log n). */
  remove(j: number): void {
    const i = this.pos[j];
    if (i < 0) return;
    this.pos[j] = -1;
    this.n--;
    if (i === this.n) return;
    const moved = this.rows[this.n];
    this.rows[i] = moved;
    this.pos[moved] = i;
    this.up(i);
    this.down(this.pos[moved]);
  }

  /** Removes and returns the minimum row, or −1 when empty. O(log n). */
  pop(): number {
    if (this.n === 0) return -1;
    const j = this.rows[0];
    this.remove(j);
    return j;
  }

  /** Empties the heap and refills it with rows `0 … count−1` in O(count) (Floyd's heapify). */
  rebuild(count: number): void {
    for (let k = 0; k < this.n; k++) this.pos[this.rows[k]] = -1;
    for (let j = 0; j < count; j++) {
      this.rows[j] = j;
      this.pos[j] = j;
    }
    this.n = count;
    for (let i = (count >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private up(i: number): void {
    const rows = this.rows;
    const j = rows[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(j, rows[p])) break;
      rows[i] = rows[p];
      this.pos[rows[i]] = i;
      i = p;
    }
    rows[i] = j;
    this.pos[j] = i;
  }

  private down(i: number): void {
    const rows = this.rows;
    const j = rows[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) break;
      const r = l + 1;
      const c = r < this.n && this.less(rows[r], rows[l]) ? r : l;
      if (!this.less(rows[c], j)) break;
      rows[i] = rows[c];
      this.pos[rows[i]] = i;
      i = c;
    }
    rows[i] = j;
    this.pos[j] = i;
  }
}
