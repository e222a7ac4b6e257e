import { ConfigError } from '../errors';
import { Random } from '../random';
import type { InitializerSpec } from './initializer';

/**
 * Writes the initial value of one row of a table whose rows are created on demand (a dynamic-vocabulary row when its
 * id is admitted, or re-admitted after an eviction): a pure function of (seed, table index, 64-bit counter) — for a
 * dynamic table the counter is the id's hash (`hashId64` in `kernels/id-hash.ts`) — whatever the order rows are created in.
 * Truncated normal values come from a `Random.fromWords(seed, table, c0, c1)` stream; constants fill the row.
 * @param spec the table's initializer (a function initializer, which makes a whole table at once, is refused by
 *   `tableConfig` for on-demand rows).
 * @param seed the table's seed; @param table the table's index; @param c0 @param c1 the counter's two words.
 * @param out the storage; @param offset element offset of the row; @param dim the row width.
 * @example counterInitialRow(spec, 0, 1, h[0], h[1], weights, row * dim, dim)
 */
export function counterInitialRow(spec: InitializerSpec, seed: number, table: number, c0: number, c1: number, out: Float32Array, offset: number, dim: number): void {
  if (spec.kind === 'constant') {
    out.fill(spec.value, offset, offset + dim);
    return;
  }
  if (spec.kind !== 'truncatedNormal') {
    throw new ConfigError('invalid_initializer', `counterInitialRow: expected a truncated normal or constant initializer for rows made one at a time, but got a '${spec.kind}' initializer; pass initializer 'truncatedNormal', { kind: 'truncatedNormal', … } or a constant.`);
  }
  const rng = Random.fromWords(seed, table, c0, c1);
  for (let k = 0; k < dim; k++) out[offset + k] = rng.truncatedNormal(spec.mean, spec.stddev);
}
