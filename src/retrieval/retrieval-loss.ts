import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors';
import { finiteNumber, where } from '../validation';

/**
 * The logit TFRS gives an accidental hit: `np.finfo(np.float32).min / 100` (`MIN_FLOAT` in
 * `tensorflow_recommenders/layers/loss.py`), so that its softmax weight is exactly 0.
 */
export const ACCIDENTAL_HIT_LOGIT = -3.4028234663852886e38 / 100;

/** Options of {@link retrievalLoss} (the arguments of TFRS `tfrs.tasks.Retrieval(...)(...)`). */
export interface RetrievalLossOptions {
  /** Softmax temperature: logits are divided by it. @default 1 (TFRS `temperature=None`) */
  readonly temperature?: number;
  /**
   * Ids of the candidates `[N]`. When given, accidental hits are removed: for query i, every in-batch negative j ≠ i
   * whose id equals the positive's id (`candidateIds[i]`) gets the logit {@link ACCIDENTAL_HIT_LOGIT}.
   * @default undefined (no removal, as TFRS without `candidate_ids`)
   */
  readonly candidateIds?: ArrayLike<number>;
  /**
   * Probability `[N]` with which each candidate was sampled into the batch (TFRS `candidate_sampling_probability`):
   * logits become `S[i, j] − log pⱼ` (the logQ correction of Yi et al. 2019, TFRS `SamplingProbablityCorrection`),
   * which removes the in-batch softmax's bias against popular candidates. @default undefined (no correction)
   */
  readonly candidateSamplingProbability?: ArrayLike<number>;
  /** Per-query weights `[B]` (TFRS `sample_weight`): the loss is Σᵢ wᵢ·ℓᵢ. @default all 1 */
  readonly sampleWeight?: ArrayLike<number>;
}

/**
 * TFRS's factorized retrieval loss (`tfrs.tasks.Retrieval`) with the in-batch softmax:
 *
 * ```
 * query [B, d]   candidates [N, d]   (row i of candidates is the positive of query i; the others are negatives)
 * S   = query · candidatesᵀ / temperature                       [B, N]
 * S[i, j] −= log p[j]                                          (with candidateSamplingProbability)
 * S[i, j] = ACCIDENTAL_HIT_LOGIT   if j ≠ i and id[j] = id[i]    (removal of accidental hits, with candidateIds)
 * ℓᵢ  = logΣⱼ exp S[i, j] − S[i, i]                            (categorical cross-entropy from logits, labels eye(B, N))
 * loss = Σᵢ wᵢ ℓᵢ                                               (Reduction.SUM, TFRS's default)
 * ```
 * Gradients (one backward pass through `tf.grad`/`tf.engine().gradients`):
 * `dS = wᵢ(softmax(S) − eye)/temperature`, `dquery = dS · candidates`, `dcandidates = dSᵀ · query`.
 *
 * The softmax and cross-entropy run in one pass over the `[B, N]` scores in plain JavaScript (stable log-sum-exp):
 * on the wasm backend that is ~10× faster than tfjs's `softmaxCrossEntropy` and its gradient for B = 4096.
 * The two products stay tfjs `matMul`s.
 *
 * @param query query embeddings `[B, d]` float32.
 * @param candidates candidate embeddings `[N, d]`, N ≥ B.
 * @param options temperature, candidateIds, sampleWeight.
 * @returns the scalar loss (differentiable with respect to `query` and `candidates`).
 * @throws ConfigError `invalid_option` (temperature not a positive finite number); InputError `bad_shape` (shapes),
 *   `length_mismatch` (candidateIds, candidateSamplingProbability or sampleWeight of the wrong length),
 *   `bad_candidates` (a sampling probability outside (0, 1]).
 * @example
 * const loss = retrievalLoss(q, c, { temperature: 0.1, candidateIds: movieIds });
 */
export function retrievalLoss(query: tf.Tensor2D, candidates: tf.Tensor2D, options: RetrievalLossOptions = {}): tf.Scalar {
  const api = 'retrievalLoss';
  if (query.rank !== 2 || candidates.rank !== 2 || query.shape[1] !== candidates.shape[1]) {
    throw new InputError('bad_shape', `${api}: expected query [B, d] and candidates [N, d] with the same d, but got [${query.shape.join(', ')}] and [${candidates.shape.join(', ')}].`);
  }
  const [B] = query.shape;
  const N = candidates.shape[0];
  if (B > N) {
    throw new InputError('bad_shape', `${api}: expected at least as many candidates as queries (labels eye(B, N), row i's positive is candidate i), but got B = ${B} > N = ${N}.`);
  }
  const temperature = finiteNumber(options.temperature ?? 1, where(ConfigError, 'invalid_option', api)('temperature', 'Leave it out for 1.'), { min: 0, exclusive: true });
  const ids = options.candidateIds;
  if (ids !== undefined && ids.length !== N) {
    throw new InputError('length_mismatch', `${api}: expected candidateIds to hold one id per candidate (${N}), but got ${ids.length}.`);
  }
  const p = options.candidateSamplingProbability;
  let logP: Float32Array | undefined;
  if (p !== undefined) {
    if (p.length !== N) throw new InputError('length_mismatch', `${api}: expected candidateSamplingProbability to hold one probability per candidate (${N}), but got ${p.length}.`);
    logP = new Float32Array(N);
    for (let j = 0; j < N; j++) {
      if (!(p[j] > 0 && p[j] <= 1)) throw new InputError('bad_candidates', `${api}: expected candidateSamplingProbability values in (0, 1], but got ${p[j]} at ${j}.`);
      logP[j] = Math.log(p[j]);
    }
  }
  const w = options.sampleWeight;
  if (w !== undefined && w.length !== B) {
    throw new InputError('length_mismatch', `${api}: expected sampleWeight to hold one weight per query (${B}), but got ${w.length}.`);
  }
  const op = tf.customGrad((...args: unknown[]) => {
    const [q, c] = args as [tf.Tensor2D, tf.Tensor2D];
    const save = args[2] as tf.GradSaveFunc;
    const scores = tf.tidy(() => tf.matMul(q, tf.transpose(c)));
    const s = scores.dataSync() as Float32Array;
    scores.dispose();
    const ds = new Float32Array(B * N);
    const total = softmaxCrossEntropyRows(s, ds, B, N, 1 / temperature, logP, ids, w);
    const dsT = tf.tensor2d(ds, [B, N]);
    save([q, c, dsT]);
    return {
      value: tf.scalar(total),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sc, d] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const g = tf.mul(d, dy) as tf.Tensor2D;
        return [tf.matMul(g, sc), tf.matMul(tf.transpose(g), sq)];
      },
    };
  });
  return op(query, candidates) as tf.Scalar;
}

/**
 * One pass over the raw scores: per row i, logits `z = s·invT − log p` (accidental hits masked), ℓᵢ = lse(z) − zᵢᵢ,
 * and `ds[i, j] = wᵢ(softmax(z)ᵢⱼ − [i = j])·invT`. Returns Σᵢ wᵢℓᵢ.
 */
function softmaxCrossEntropyRows(
  s: Float32Array,
  ds: Float32Array,
  B: number,
  N: number,
  invT: number,
  logP: Float32Array | undefined,
  ids: ArrayLike<number> | undefined,
  w: ArrayLike<number> | undefined,
): number {
  let total = 0;
  for (let i = 0; i < B; i++) {
    const o = i * N;
    const pos = ids ? ids[i] : 0;
    let max = -Infinity;
    for (let j = 0; j < N; j++) {
      if (ids && j !== i && ids[j] === pos) continue;
      const z = s[o + j] * invT - (logP ? logP[j] : 0);
      if (z > max) max = z;
    }
    let sum = 0;
    for (let j = 0; j < N; j++) {
      if (ids && j !== i && ids[j] === pos) {
        ds[o + j] = 0;
        continue;
      }
      const e = Math.exp(s[o + j] * invT - (logP ? logP[j] : 0) - max);
      ds[o + j] = e;
      sum += e;
    }
    const wi = w ? w[i] : 1;
    total += wi * (Math.log(sum) + max - (s[o + i] * invT - (logP ? logP[i] : 0)));
    const scale = (wi * invT) / sum;
    for (let j = 0; j < N; j++) ds[o + j] *= scale;
    ds[o + i] -= wi * invT;
  }
  return total;
}
