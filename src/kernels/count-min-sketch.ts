/**
 * A count-min sketch on typed arrays (Cormode & Muthukrishnan 2005) with conservative update: bounded memory
 * (`depth × width` 16-bit counters) for the sightings of ids that have no row yet, whatever the number of distinct ids.
 *
 * Error: an estimate is never below the true count (so an id is never admitted later than its `admitAfter`-th
 * sighting), and exceeds it by more than `ε·M` with probability at most `δ`, where `ε = e / width`, `δ = e^−depth` and
 * `M` is the total of all counts added (conservative update only lowers the estimates). Counters saturate at 65,535.
 */
export class CountMinSketch {
  /** `[depth, width]` counters, row-major. */
  readonly counters: Uint16Array;
  private readonly mask: number;

  /**
   * @param width counters per row, a power of two ≥ 2; @param depth rows (independent hash functions), ≥ 1.
   * @example new CountMinSketch(1 << 20, 4) // 8 MiB; ε = e/2^20 ≈ 2.6e-6, δ = e^-4 ≈ 0.018
   */
  constructor(readonly width: number, readonly depth: number) {
    this.counters = new Uint16Array(width * depth);
    this.mask = width - 1;
  }

  /** Counter index of row `i` for the hash words (h1, h2) (Kirsch–Mitzenmacher double hashing). */
  cell(i: number, h1: number, h2: number): number {
    return i * this.width + ((h1 + Math.imul(i + 1, h2 | 1)) & this.mask);
  }

  /** The estimate of an id's count: the minimum of its `depth` counters. */
  estimate(h1: number, h2: number): number {
    let m = 0xffff;
    for (let i = 0; i < this.depth; i++) {
      const v = this.counters[this.cell(i, h1, h2)];
      if (v < m) m = v;
    }
    return m;
  }

  /**
   * Adds `c` sightings of the id with hash words (h1, h2), conservatively: each counter rises only to the new estimate.
   * @param undo when given, receives `(cell, old value)` pairs of the counters changed (for a rollback).
   * @returns the new estimate.
   */
  add(h1: number, h2: number, c: number, undo?: number[]): number {
    const target = Math.min(0xffff, this.estimate(h1, h2) + c);
    for (let i = 0; i < this.depth; i++) {
      const k = this.cell(i, h1, h2);
      const v = this.counters[k];
      if (v < target) {
        undo?.push(k, v);
        this.counters[k] = target;
      }
    }
    return target;
  }
}
