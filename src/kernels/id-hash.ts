/**
 * The 64-bit hash of a dynamic-vocabulary id (a 64-bit integer or a string) and the one rule that places a hashed id
 * on a shard. The hash is fixed (not seeded): an id lands on the same shard in every run, on every machine, so a
 * checkpoint's id map can be resharded by rehashing.
 *
 * The two 32-bit halves come from murmur3's 32-bit finaliser (`fmix32`) applied across both words of the id, so ids
 * that differ only in their high 32 bits (equal low bits, the adversarial case of `id mod 2^k` tables) spread as well
 * as any others. The hash never decides identity: the id map compares the ids themselves.
 */

/** murmur3's 32-bit finaliser: a bijection of 32-bit words with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hashes a 64-bit integer id given as its two 32-bit words (two's complement; `hi` the upper word).
 * @param hi upper 32 bits; @param lo lower 32 bits (any sign: only the bits count).
 * @param out receives the hash: `out[0]` (placement: shard and hash-table bucket) and `out[1]` (a second,
 *   independent word: count-min rows and, with `out[0]`, the 64-bit counter of the row's initial value).
 * @example const h = new Uint32Array(2); hashId64(0, 5, h); // h: two 32-bit words
 */
export function hashId64(hi: number, lo: number, out: Uint32Array): void {
  const a = fmix32((lo ^ 0x9e3779b9) >>> 0);
  const b = fmix32(((hi ^ 0x7f4a7c15) + Math.imul(a, 0x27d4eb2f)) >>> 0);
  out[0] = fmix32((a ^ Math.imul(b, 0x165667b1)) >>> 0);
  out[1] = fmix32((b ^ Math.imul(out[0], 0x2545f491) ^ 0x5bd1e995) >>> 0);
}

/**
 * Hashes a string id (its UTF-16 code units), into the same two words as {@link hashId64}.
 * @param s the id; @param out receives the two hash words.
 * @example const h = new Uint32Array(2); hashIdString('user:42', h);
 */
export function hashIdString(s: string, out: Uint32Array): void {
  let a = 0x3c6ef372 ^ s.length;
  let b = 0xa54ff53a;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul((a ^ c) >>> 0, 0x01000193) >>> 0; // FNV-1a step on lane a
    b = (Math.imul(b, 31) + c + (a >>> 7)) >>> 0;
  }
  hashId64(fmix32(b), fmix32(a), out);
}

/**
 * The partition of a hashed dynamic id — THE sharding rule of dynamic vocabularies, "hash then mod": `hash mod N`.
 * On a table sharded 'mod' the shard is `(hash mod N + rotation) mod N`, the dense rule `(row mod N + rotation) mod N`
 * with the hash in place of the row (the id map gives the id a row `j·N + hash mod N`); sharded 'div', shard
 * `hash mod N` (a row in that shard's range); sharded 'table', the table's one shard (N = 1).
 * @param hash `out[0]` of {@link hashId64} / {@link hashIdString} (an unsigned 32-bit word).
 * @param numShards N ≥ 1.
 * @returns an integer in [0, N).
 * @example dynamicIdPartition(10, 4) // 2
 */
export function dynamicIdPartition(hash: number, numShards: number): number {
  return (hash >>> 0) % numShards;
}
