/**
 * Column shapes of the in-memory MovieLens tables (columnar: typed arrays plus string dictionaries).
 *
 * A ragged column stores variable-length rows back to back:
 * ```
 * values    = [1, 2, 4,   7,   0, 3]      // genre label indices
 * rowSplits = [0,        3,   4,      6]  // row i is values[rowSplits[i] .. rowSplits[i+1])
 * rows      = [[1,2,4],  [7], [0,3]]
 * ```
 * A dictionary column stores each row as a code into a list of distinct strings:
 * `codes = [1, 0, 1]`, `dictionary = ['F', 'M']` → rows `M, F, M`.
 */

/** Variable-length rows of small integers (e.g. `movie_genres` label indices); `rowSplits.length` = rows + 1. */
export interface RaggedColumn {
  readonly values: Uint8Array;
  readonly rowSplits: Int32Array;
}

/** Strings stored as codes into a dictionary: row `i` is `dictionary[codes[i]]`. */
export interface DictionaryColumn {
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

/** The typed arrays numeric columns use. */
export type NumericArray = Int32Array | Float32Array | Float64Array | Uint8Array;
