import type { NumericArray, RaggedColumn } from './columns';

/**
 * Internal: how to read one feature for any set of rows. `via` maps an example row to the row of the table that
 * holds the value (the join: rating → movie row or user row); null means the example row itself.
 */
export type FeatureAccessor =
  | { readonly kind: 'numeric'; readonly values: NumericArray; readonly via: Int32Array | null }
  | { readonly kind: 'string'; readonly values: readonly string[]; readonly via: Int32Array | null }
  | { readonly kind: 'ragged'; readonly values: RaggedColumn; readonly via: Int32Array | null };

/**
 * Gathers a feature for rows `order[start..end)` (or rows `start..end` when `order` is null).
 * Contiguous rows of a non-joined numeric feature come back as a zero-copy subarray view.
 */
export function gatherFeature(
  a: FeatureAccessor,
  order: Int32Array | null,
  start: number,
  end: number,
): NumericArray | string[] | RaggedColumn {
  const n = end - start;
  if (a.kind === 'numeric') {
    if (!order && !a.via) return a.values.subarray(start, end);
    const out = new (a.values.constructor as new (n: number) => NumericArray)(n);
    const values = a.values;
    const via = a.via;
    if (order && via) for (let k = 0; k < n; k++) out[k] = values[via[order[start + k]]];
    else if (order) for (let k = 0; k < n; k++) out[k] = values[order[start + k]];
    else if (via) for (let k = 0; k < n; k++) out[k] = values[via[start + k]];
    return out;
  }
  const rowOf = (k: number): number => {
    const r = order ? order[start + k] : start + k;
    return a.via ? a.via[r] : r;
  };
  if (a.kind === 'string') {
    const out = new Array<string>(n);
    for (let k = 0; k < n; k++) out[k] = a.values[rowOf(k)];
    return out;
  }
  const { values, rowSplits } = a.values;
  const splits = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) {
    const r = rowOf(k);
    splits[k + 1] = splits[k] + rowSplits[r + 1] - rowSplits[r];
  }
  const out = new Uint8Array(splits[n]);
  for (let k = 0; k < n; k++) {
    const r = rowOf(k);
    out.set(values.subarray(rowSplits[r], rowSplits[r + 1]), splits[k]);
  }
  return { values: out, rowSplits: splits };
}
