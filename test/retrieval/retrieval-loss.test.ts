import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { ConfigError, InputError } from '../../src/errors';
import { ACCIDENTAL_HIT_LOGIT, retrievalLoss } from '../../src/retrieval';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** TFRS's computation in tfjs ops: logits (÷T, −log p, + duplicate·MIN_FLOAT), CCE from logits, SUM. */
function reference(q: tf.Tensor2D, c: tf.Tensor2D, T = 1, ids?: number[], p?: number[]): tf.Scalar {
  const B = q.shape[0];
  const N = c.shape[0];
  let s = tf.div(tf.matMul(q, c, false, true), T);
  if (p) s = tf.sub(s, tf.log(tf.tensor1d(p)));
  const labels = tf.eye(B, N);
  if (ids) {
    const dup = tf.tensor2d(Array.from({ length: B * N }, (_, k) => (ids[Math.floor(k / N)] === ids[k % N] && Math.floor(k / N) !== k % N ? 1 : 0)), [B, N]);
    s = tf.add(s, tf.mul(dup, ACCIDENTAL_HIT_LOGIT));
  }
  return tf.losses.softmaxCrossEntropy(labels, s, undefined, undefined, tf.Reduction.SUM) as tf.Scalar;
}

describe('retrievalLoss (TFRS Retrieval task)', () => {
  before(async () => {
    await chooseBackend();
  });

  it('matches a hand-computed batch, with and without temperature, and its gradient', () => {
    const q = tf.tensor2d([[1, 0], [0, 1]]);
    const c = tf.tensor2d([[1, 0], [0, 2]]);
    // S = q·cᵀ = [[1, 0], [0, 2]]; ℓ0 = log(e¹ + e⁰) − 1 = log(1 + e⁻¹) = 0.3132617; ℓ1 = log(1 + e⁻²) = 0.1269280.
    close(retrievalLoss(q, c).dataSync()[0], Math.log(1 + Math.exp(-1)) + Math.log(1 + Math.exp(-2)));
    close(retrievalLoss(q, c).dataSync()[0], 0.4401897);
    // T = 0.5: S/T = [[2, 0], [0, 4]] → log(1 + e⁻²) + log(1 + e⁻⁴) = 0.1269280 + 0.0181499.
    close(retrievalLoss(q, c, { temperature: 0.5 }).dataSync()[0], 0.1450779);
    // dℓ/dq0 = Σⱼ (p0j − δ0j) cⱼ with p01 = 1/(1 + e) = 0.2689414: −0.2689414·[1, 0] + 0.2689414·[0, 2].
    const [dq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => retrievalLoss(a as tf.Tensor2D, b as tf.Tensor2D))([q, c]);
    const g = dq.dataSync();
    close(g[0], -0.2689414);
    close(g[1], 0.5378828);
    tf.dispose([q, c, dq]);
  });

  it('equals the tfjs reference (value and gradients) on random batches, N > B, with logQ', () => {
    const q = tf.randomNormal([6, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    const c = tf.randomNormal([9, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
    const p = [0.1, 0.2, 0.05, 0.3, 0.01, 0.02, 0.5, 0.15, 0.4];
    const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => retrievalLoss(a as tf.Tensor2D, b as tf.Tensor2D, { temperature: 0.3, candidateSamplingProbability: p }))([q, c]);
    const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) => reference(a as tf.Tensor2D, b as tf.Tensor2D, 0.3, undefined, p))([q, c]);
    close(retrievalLoss(q, c, { temperature: 0.3, candidateSamplingProbability: p }).dataSync()[0], reference(q, c, 0.3, undefined, p).dataSync()[0], 1e-3);
    for (let i = 0; i < 2; i++) {
      const a = ours[i].dataSync();
      const b = ref[i].dataSync();
      a.forEach((v, k) => close(v, b[k], 1e-4));
    }
    tf.dispose([q, c, ...ours, ...ref]);
  });

  it('removes accidental hits: in-batch negatives with the positive id get no softmax weight', () => {
    const q = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
    const c = tf.tensor2d([[1, 0], [0, 1], [0, 0]]);
    // S = [[1, 0, 0], [0, 1, 0], [1, 1, 0]]; ids [7, 7, 9]: rows 0 and 1 are the same movie.
    // Without removal: ℓ0 = log(e + 2) − 1 = 0.5514447, ℓ1 = 0.5514447, ℓ2 = log(2e + 1) − 0 = 1.8619948.
    close(retrievalLoss(q, c).dataSync()[0], 2 * 0.5514447 + 1.8619948);
    // With removal: row 0 drops column 1 and row 1 drops column 0: ℓ0 = ℓ1 = log(e + 1) − 1 = 0.3132617; ℓ2 unchanged.
    const ids = [7, 7, 9];
    close(retrievalLoss(q, c, { candidateIds: ids }).dataSync()[0], 2 * 0.3132617 + 1.8619948);
    close(retrievalLoss(q, c, { candidateIds: ids }).dataSync()[0], reference(q, c, 1, ids).dataSync()[0], 1e-4);
    // The masked pair sends no gradient: dℓ0/dq0 = (p00 − 1)c0 + p02 c2 with c2 = 0 → only the c0 direction, and
    // candidate 1 receives only row 1's positive term, none from row 0.
    const [dq, dc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => retrievalLoss(a as tf.Tensor2D, b as tf.Tensor2D, { candidateIds: ids }))([q, c]);
    const g = dq.dataSync();
    close(g[1], 0); // q0's gradient has no component along c1 = [0, 1]
    const [rq, rc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => reference(a as tf.Tensor2D, b as tf.Tensor2D, 1, ids))([q, c]);
    dc.dataSync().forEach((v, k) => close(v, rc.dataSync()[k], 1e-4));
    dq.dataSync().forEach((v, k) => close(v, rq.dataSync()[k], 1e-4));
    tf.dispose([q, c, dq, dc, rq, rc]);
  });

  it('applies sample weights (Σ wᵢℓᵢ) and leaks no tensor', () => {
    const q = tf.tensor2d([[1, 0], [0, 1]]);
    const c = tf.tensor2d([[1, 0], [0, 2]]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.engine().gradients(() => retrievalLoss(q, c, { sampleWeight: [2, 0] }), [q, c], undefined, false);
    close(value.dataSync()[0], 2 * 0.3132617);
    tf.dispose([value, ...grads]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([q, c]);
  });

  it('rejects bad shapes and options with messages naming the rule', () => {
    const q = tf.zeros([3, 2]) as tf.Tensor2D;
    const c = tf.zeros([2, 2]) as tf.Tensor2D;
    assert.throws(() => retrievalLoss(q, c), /at least as many candidates as queries.*B = 3 > N = 2/);
    assert.throws(() => retrievalLoss(q, tf.zeros([3, 3]) as tf.Tensor2D), /same d/);
    // An option (temperature) is a ConfigError; the per-call arrays that go with the batch are InputErrors.
    const is = (cls: typeof ConfigError | typeof InputError, kind: string, re: RegExp) => (e: unknown) => e instanceof cls && e.kind === kind && re.test(e.message);
    assert.throws(() => retrievalLoss(q, q, { temperature: 0 }), is(ConfigError, 'invalid_option', /^retrievalLoss: expected temperature to be a positive finite number, but got 0\. Leave it out for 1\.$/));
    assert.throws(() => retrievalLoss(q, q, { candidateIds: [1, 2] }), is(InputError, 'length_mismatch', /one id per candidate \(3\), but got 2/));
    assert.throws(() => retrievalLoss(q, q, { candidateSamplingProbability: [0.5, 1] }), is(InputError, 'length_mismatch', /one probability per candidate \(3\), but got 2/));
    assert.throws(() => retrievalLoss(q, q, { candidateSamplingProbability: [0.5, 0, 1] }), is(InputError, 'bad_candidates', /values in \(0, 1\], but got 0 at 1/));
    assert.throws(() => retrievalLoss(q, q, { sampleWeight: [1, 1] }), is(InputError, 'length_mismatch', /one weight per query \(3\), but got 2/));
    tf.dispose([q, c]);
  });
});
