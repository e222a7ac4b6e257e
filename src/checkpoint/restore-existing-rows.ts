import * as path from 'node:path';
import { CheckpointError } from '../errors';
import { EXISTING_ROWS_CONFIG_KEY, type ExistingRowsEntry } from './existing-rows-groups';
import type { LoadedCheckpoint, LoadedTensor } from './load-checkpoint';

/** Rows and keys to restore into one table (the engine's `ExistingRowsSnapshot`). */
export interface ExistingRowsSnapshot {
  readonly ids: BigInt64Array | readonly string[];
  /** `[ids.length, dim]` row-major. */
  readonly weights: Float32Array;
  readonly slots: Readonly<Record<string, Float32Array>>;
  readonly freq: Float64Array;
  readonly last: Float64Array;
  readonly clock: number;
  readonly totals: Readonly<Record<string, number>>;
  readonly sketch: Uint16Array | null;
}

/** What restores existing rows: a `TPUEmbedding` (checkpoint/ does not import the engine; the tests check it fits). */
export interface ExistingRowsTarget {
  importExistingRows(tables: Readonly<Record<string, ExistingRowsSnapshot>>, sources?: string | Readonly<Record<string, string>>): void;
}

/**
 * Restores the tables a checkpoint holds as existing rows + keys (written by {@link existingRowsGroups}) into an
 * engine, on any topology: the id maps are rebuilt (each id on shard hash mod N of this engine), then the rows'
 * weights, slots and eviction state, the clock, the totals and the admission sketch are restored, so the engine looks
 * up and trains exactly as the saved one did. All or nothing: every part of every table is checked (tensors present
 * with their dtype and shape, string offsets, the id map) before the engine changes; on error it is as it was.
 * Dense tables of the checkpoint are restored apart, with `importTables`.
 * @param emb the engine (its dynamic tables named as in the checkpoint).
 * @param loaded what {@link loadCheckpoint} returned, and the checkpoint directory (for messages).
 * @returns the names of the tables restored.
 * @throws CheckpointError `bad_manifest` for a malformed `configs.existingRows` entry, `shape_mismatch` for a
 *   missing or misshapen part tensor (naming the file), `bad_id_map` for corrupt string offsets; InputError from
 *   `TPUEmbedding.importExistingRows` (`unsupported_storage` for a dense table of this engine, `bad_id_map`,
 *   `id_map_overflow`, `non_finite_value`, `missing_slot`, …) naming the checkpoint files.
 * @example
 * const dir = (await latestCheckpoint(root))!.dir;
 * restoreExistingRows(emb, await loadCheckpoint(dir), dir);
 */
export function restoreExistingRows(emb: ExistingRowsTarget, loaded: LoadedCheckpoint, dir = '<checkpoint>'): string[] {
  const api = 'restoreExistingRows';
  const raw = loaded.manifest.configs[EXISTING_ROWS_CONFIG_KEY];
  if (raw === undefined) return [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CheckpointError('bad_manifest', `${api}: configs.${EXISTING_ROWS_CONFIG_KEY} of ${dir} is not an object of tables; the manifest is corrupted: restore an older checkpoint.`);
  }
  const snapshots: Record<string, ExistingRowsSnapshot> = {};
  const sources: Record<string, string> = {};
  for (const [table, e] of Object.entries(raw as Record<string, ExistingRowsEntry>)) {
    const bad = (rule: string): CheckpointError => new CheckpointError('bad_manifest', `${api}: table '${table}' in ${path.join(dir, 'checkpoint.json')}: ${rule}; the manifest is corrupted: restore an older checkpoint.`);
    if (e === null || typeof e !== 'object' || e.storage !== 'dynamic' || (e.keyKind !== 'int64' && e.keyKind !== 'string') || !Number.isSafeInteger(e.count) || e.count < 0 || !Number.isSafeInteger(e.dim) || e.dim < 1) {
      throw bad(`expected { storage: 'dynamic', keyKind, count, dim, slots, parts, idMap }, but got ${JSON.stringify(e)?.slice(0, 200)}`);
    }
    if (!Array.isArray(e.parts) || !Array.isArray(e.slots) || e.idMap === null || typeof e.idMap !== 'object') throw bad('expected arrays parts and slots and an object idMap');
    if (e.parts.reduce((n, p) => n + (Number.isSafeInteger(p?.rows) ? p.rows : NaN), 0) !== e.count) throw bad(`expected the parts' rows to add up to count ${e.count}`);
    const files = e.parts.map((p) => path.join(dir, String(p.file)));
    const source = `${dir} (table '${table}', ${e.parts.map((p) => p.file).join(', ')})`;
    sources[table] = source;
    const part = (k: number, what: string, dtype: LoadedTensor['dtype'], shape: number[]): LoadedTensor => {
      const name = `${table}${what}/part-${k}`;
      const t = loaded.tensors.get(name);
      if (!t || t.dtype !== dtype || t.shape.length !== shape.length || t.shape.some((d, i) => shape[i] >= 0 && d !== shape[i])) {
        throw new CheckpointError(
          'shape_mismatch',
          `${api}: expected tensor '${name}' ${dtype} [${shape.map((d) => (d < 0 ? '?' : d)).join(', ')}] in ${files[k]}, but got ${t ? `${t.dtype} [${t.shape.join(', ')}]` : 'none'}; the checkpoint is corrupted or incomplete: restore an older one.`,
        );
      }
      return t;
    };
    const n = e.count;
    const dim = e.dim;
    const weights = new Float32Array(n * dim);
    const slots = Object.fromEntries(e.slots.map((s) => [s, new Float32Array(n * dim)]));
    const freq = new Float64Array(n);
    const last = new Float64Array(n);
    const int64 = e.keyKind === 'int64' ? new BigInt64Array(n) : null;
    const strings: string[] = [];
    let at = 0;
    e.parts.forEach((p, k) => {
      const m = p.rows;
      if (int64) int64.set(part(k, '/keys', 'int64', [m]).data as BigInt64Array, at);
      else {
        const offsets = part(k, '/key_offsets', 'int64', [m + 1]).data as BigInt64Array;
        const bytes = part(k, '/key_bytes', 'uint8', [-1]).data as Uint8Array;
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0; i < m; i++) {
          const a = Number(offsets[i]);
          const b = Number(offsets[i + 1]);
          if (!(a >= 0 && b >= a && b <= bytes.length) || offsets[0] !== 0n || (i === m - 1 && b !== bytes.length)) {
            throw new CheckpointError('bad_id_map', `${api}: the string ids of table '${table}' in ${files[k]} are corrupt: key_offsets[${i}…${i + 1}] = ${a}…${b} over ${bytes.length} bytes; restore an older checkpoint.`);
          }
          strings.push(buf.toString('utf8', a, b));
        }
      }
      weights.set(part(k, '', 'float32', [m, dim]).data as Float32Array, at * dim);
      for (const s of e.slots) slots[s].set(part(k, `/${s}`, 'float32', [m, dim]).data as Float32Array, at * dim);
      freq.set(part(k, '/freq', 'float64', [m]).data as Float64Array, at);
      last.set(part(k, '/last', 'float64', [m]).data as Float64Array, at);
      at += m;
    });
    const sketchTensor = loaded.tensors.get(`${table}/admission_sketch`);
    let sketch: Uint16Array | null = null;
    if (sketchTensor) {
      const b = sketchTensor.data as Uint8Array;
      if (sketchTensor.dtype !== 'uint8' || b.length % 2 !== 0) throw new CheckpointError('shape_mismatch', `${api}: expected tensor '${table}/admission_sketch' of u16 counters as uint8 [depth, width, 2] in ${files[0]}, but got ${sketchTensor.dtype} [${sketchTensor.shape.join(', ')}]; restore an older checkpoint.`);
      sketch = new Uint16Array(b.length / 2);
      for (let i = 0; i < sketch.length; i++) sketch[i] = b[2 * i] | (b[2 * i + 1] << 8);
    }
    const { clock, totals } = e.idMap;
    snapshots[table] = { ids: int64 ?? strings, weights, slots, freq, last, clock, totals, sketch };
  }
  emb.importExistingRows(snapshots, sources);
  return Object.keys(snapshots);
}
