import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../errors';
import type { CandidateIndex } from './candidate-index';
import { EXACT_INDEX_FILE, ExactIndex } from './exact-index';
import { HNSW_SETTINGS_FILE, HnswIndex } from './hnsw-index';

/**
 * Reads a candidate index saved with `index.save(dir)`, whichever its kind (the file present decides:
 * `hnsw.json` → {@link HnswIndex}, `candidates.safetensors` → {@link ExactIndex}).
 * @param dir the directory the index was saved to.
 * @returns the loaded index.
 * @throws CheckpointError `missing_file` when the directory holds neither.
 * @example
 * const index = await loadCandidateIndex('out/retrieval/index');
 */
export async function loadCandidateIndex(dir: string): Promise<CandidateIndex> {
  const has = async (f: string) => fs.access(path.join(dir, f)).then(() => true, () => false);
  if (await has(HNSW_SETTINGS_FILE)) return HnswIndex.load(dir);
  if (await has(EXACT_INDEX_FILE)) return ExactIndex.load(dir);
  throw new CheckpointError('missing_file', `loadCandidateIndex: expected ${HNSW_SETTINGS_FILE} or ${EXACT_INDEX_FILE} in ${dir}, but found neither; save an index there with index.save(dir).`);
}
