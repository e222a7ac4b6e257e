import { InputError } from '../errors';
import { Random } from '../random';

/** A 2-D projection of row vectors and how much variance each axis keeps. */
export interface Projection2D {
  /** First principal coordinate of each row `[n]`. */
  readonly x: Float32Array;
  /** Second principal coordinate `[n]`. */
  readonly y: Float32Array;
  /** Fraction of the total variance along each of the two axes. */
  readonly explainedVariance: readonly [number, number];
}

/**
 * Projects rows `[n, dim]` onto their first two principal components (centred; components by power iteration
 * with deflation on the `dim × dim` covariance, seeded so the result is reproducible up to sign).
 * @param vectors `[n, dim]` row-major.
 * @param dim row width.
 * @param seed seed of the power-iteration start vectors. @default 0
 * @returns x, y and the explained variance fractions.
 * @throws InputError `bad_shape` when vectors is not n × dim with n ≥ 2.
 * @example
 * const { x, y } = pcaProjection(model.candidateEmbeddings(ids), 32);
 */
export function pcaProjection(vectors: Float32Array, dim: number, seed = 0): Projection2D {
  if (!Number.isInteger(dim) || dim < 2 || !(vectors instanceof Float32Array) || vectors.length % dim !== 0 || vectors.length < 2 * dim) {
    throw new InputError('bad_shape', `pcaProjection: expected a Float32Array of n × dim values with n ≥ 2 and dim ≥ 2, but got ${vectors?.length} values and dim ${dim}.`);
  }
  const n = vectors.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k] += vectors[i * dim + k] / n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) row[k] = vectors[i * dim + k] - mean[k];
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b] += (row[a] * row[b]) / (n - 1);
  }
  let trace = 0;
  for (let a = 0; a < dim; a++) trace += cov[a * dim + a];
  const rng = new Random(seed);
  const comps: Float64Array[] = [];
  const eig: number[] = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: dim }, () => rng.normal());
    let lambda = 0;
    for (let it = 0; it < 300; it++) {
      const w = new Float64Array(dim);
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += cov[a * dim + b] * v[b];
        w[a] = s;
      }
      for (const u of comps) {
        let d = 0;
        for (let a = 0; a < dim; a++) d += w[a] * u[a];
        for (let a = 0; a < dim; a++) w[a] -= d * u[a];
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      lambda = norm;
      v = w.map((x) => x / norm);
    }
    comps.push(v);
    eig.push(lambda);
  }
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sx = 0;
    let sy = 0;
    for (let k = 0; k < dim; k++) {
      const d = vectors[i * dim + k] - mean[k];
      sx += d * comps[0][k];
      sy += d * comps[1][k];
    }
    x[i] = sx;
    y[i] = sy;
  }
  return { x, y, explainedVariance: [trace > 0 ? eig[0] / trace : 0, trace > 0 ? eig[1] / trace : 0] };
}
