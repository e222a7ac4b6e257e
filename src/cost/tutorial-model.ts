import type { SyntheticModel } from './production-like-model';

/**
 * The TPU-embeddings tutorial's ranking model as a modelled (not run) model: two tables of 2,048 × 64
 * (`user_id`, `movie_id`: MovieLens 100K's 943 users and 1,682 movies, vocabularies padded to 2,048 as the
 * tutorial does), one id per sample each, uniform ids, and the dense tower Dense(256) → Dense(64) → Dense(1)
 * on the 128 concatenated dims. The tutorial's batch is 16 per replica.
 *
 * Dense: Σ fan_in·fan_out = 128·256 + 256·64 + 64·1 = 32,768 + 16,384 + 64 = 49,216 MACs,
 * × 2 FLOPs × 3 (forward + backward) = 295,296 FLOPs per sample.
 *
 * @returns a frozen {@link SyntheticModel}.
 * @example speedupSparseCoreVsCpu({ model: tutorialModel(), topology: 'v4-8', batchSizes: [64] })
 */
export function tutorialModel(): SyntheticModel {
  const tables = ['user_id', 'movie_id'].map((name) => Object.freeze({ name, vocabularySize: 2048, dim: 64, idsPerSample: 1 }));
  const denseLayerSizes = [128, 256, 64, 1];
  let macs = 0;
  for (let i = 1; i < denseLayerSizes.length; i++) macs += denseLayerSizes[i - 1] * denseLayerSizes[i];
  return Object.freeze({
    name: 'tutorial',
    description: '2 tables of 2,048 × 64 (user_id, movie_id), 1 id per sample each, MLP 128→256→64→1',
    tables: Object.freeze(tables),
    denseLayerSizes: Object.freeze(denseLayerSizes),
    denseFlopsPerSample: 3 * 2 * macs,
  });
}
