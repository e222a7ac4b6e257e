import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { InputError } from '../../src/errors';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, type EmbeddingOptimizer } from '../../src/optimizers';
import { hasRowKernels } from '../../src/kernels/row-kernels';

before(async () => {
  await chooseBackend();
});

// SGD's step is lr·g: with lr 10, g = 3e38 gives 3e39 (float32 max ≈ 3.4e38). The others square g (acc + g², v + (1−β2)g²).
const OPTIMIZERS: Record<string, () => EmbeddingOptimizer> = {
  SGD: () => new SGD({ learningRate: 10 }),
  Adagrad: () => new Adagrad({ learningRate: 0.1 }),
  AdagradMomentum: () => new AdagradMomentum({ learningRate: 0.1 }),
  Adam: () => new Adam({ learningRate: 0.1 }),
  FTRL: () => new FTRL({ learningRate: 0.1 }),
};

const HUGE = 3e38; // finite in float32
const B = 8193;
const LAST = 9999; // table_1's last storage row on 'cpu' (one shard, storage row = id)

/** table_0 (8 × 4, feature a) is updated first; table_1 (10000 × 4, feature b) has 8,193 rows to update: 3 chunks of ≤ 4,096. */
function make(optimizer: EmbeddingOptimizer): TPUEmbedding {
  return new TPUEmbedding({
    features: {
      a: featureConfig({ table: tableConfig({ vocabularySize: 8, dim: 4, combiner: 'sum' }) }),
      b: featureConfig({ table: tableConfig({ vocabularySize: 10000, dim: 4, combiner: 'sum' }) }),
    },
    optimizer,
    topology: 'cpu',
    seed: 3,
  });
}

const ids = { a: Int32Array.from({ length: B }, (_, i) => i % 8), b: Int32Array.from({ length: B }, (_, i) => (i === B - 1 ? LAST : i)) };

/** Every table and slot, as bytes. */
function snapshot(emb: TPUEmbedding): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const full of Object.values(emb.exportTables())) {
    out.set(full.name, Buffer.from(full.weights.buffer.slice(0)));
    for (const [slot, a] of Object.entries(full.slots)) if (a) out.set(`${full.name}/${slot}`, Buffer.from(a.buffer.slice(0)));
  }
  return out;
}

/** One step with gradient 0.5 everywhere except `huge` at (b's last position, column 2). */
function step(emb: TPUEmbedding, huge: number): void {
  const acts = emb.lookup(ids);
  const gb = new Float32Array(B * 4).fill(0.5);
  gb[(B - 1) * 4 + 2] = huge;
  const grads = { a: tf.fill([B, 4], 0.5), b: tf.tensor2d(gb, [B, 4]) };
  try {
    emb.applyGradients(grads);
  } finally {
    tf.dispose([acts.a, acts.b, grads.a, grads.b]);
  }
}

describe('a finite gradient that would make a weight or slot non-finite is rejected, every table unchanged', () => {
  for (const [name, opt] of Object.entries(OPTIMIZERS)) {
    for (const kernels of [true, false]) {
      it(`${name}, ${kernels ? 'WebAssembly kernels where the optimizer has one' : 'JavaScript loops'}`, () => {
        const emb = make(opt());
        emb.useSimd = kernels;
        if (kernels && (name === 'SGD' || name === 'Adagrad' || name === 'Adam')) {
          const t = emb.table('table_1');
          assert.ok(hasRowKernels(t.storage, ...t.slotStorage), 'the tables live in kernel memories: the WebAssembly path runs');
        }
        step(emb, 0.25); // a normal step first: slots hold trained values
        const before = snapshot(emb);
        const tensors = tf.memory().numTensors;
        assert.throws(
          () => step(emb, HUGE),
          (e: unknown) =>
            e instanceof InputError &&
            e.kind === 'non_finite_gradient' &&
            new RegExp(`summed gradient 3\\.\\d+e\\+38 of row ${LAST} \\(column 2\\) of table 'table_1' \\(features 'b'\\) makes 'table_1(/\\w+)?' (-?Infinity|NaN) under ${name}; the tables are unchanged`).test(e.message),
        );
        assert.equal(tf.memory().numTensors, tensors, 'no tensor leaked');
        assert.equal(emb.step, 1, 'the rejected step is not counted');
        const after = snapshot(emb);
        assert.deepEqual([...after.keys()], [...before.keys()]);
        for (const [k, v] of before) assert.ok(v.equals(after.get(k)!), `'${k}' is bit-identical after the rejected step`);
        // The engine is consistent: a normal step applies and changes the rows it touches.
        step(emb, 0.25);
        assert.equal(emb.step, 2);
        assert.ok(!snapshot(emb).get('table_1')!.equals(before.get('table_1')!));
      });
    }
  }
});

describe('the fast path (no rollback copy) is taken only while the table bounds let the optimizer vouch for the step', () => {
  /** One SGD table of 4 × 4 on 'cpu'; one id per step with the sum combiner, so the summed gradient is the activation gradient. */
  function sgdTable(): TPUEmbedding {
    return new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 4, dim: 4, combiner: 'sum' }) }) }, optimizer: new SGD({ learningRate: 1 }), topology: 'cpu', seed: 1 });
  }
  function sgdStep(emb: TPUEmbedding, g: number): void {
    const acts = emb.lookup({ f: Int32Array.of(2) });
    const grad = tf.fill([1, 4], g);
    try {
      emb.applyGradients({ f: grad });
    } finally {
      tf.dispose([acts.f, grad]);
    }
  }

  it('a table imported with a value near float32 max takes the checked path (its bounds are recomputed on import): lr·g = 5e36 on a weight of −3.4e38 is rolled back', () => {
    const emb = sgdTable();
    const weights = new Float32Array(16).fill(0.5);
    weights[2 * 4 + 1] = -3.4e38; // finite; − 5e36 overflows float32 (max ≈ 3.4028e38)
    emb.importTables({ table_0: { weights, slots: {} } });
    const before = snapshot(emb);
    assert.throws(() => sgdStep(emb, 5e36), (e: unknown) => e instanceof InputError && e.kind === 'non_finite_gradient' && /row 2 \(column 1\) of table 'table_0'.*makes 'table_0' -Infinity under SGD/.test(e.message));
    for (const [k, v] of before) assert.ok(v.equals(snapshot(emb).get(k)!), `'${k}' unchanged`);
  });

  it('bounds carried forward by training send a growing table to the checked path (40 steps of lr·g = 9e36 overflow at the 38th)', () => {
    const emb = sgdTable();
    // Each step: W ← W − 9e36. SGD vouches for the first (bound 0.5 + 9e36 ≤ 1e37), not for the second (1.8e37);
    // the checked steps carry the bound on; step k gives W ≈ −k·9e36, beyond float32's 3.4e38 at k = 38.
    let rejectedAt = 0;
    for (let k = 1; k <= 40 && rejectedAt === 0; k++) {
      const before = snapshot(emb);
      try {
        sgdStep(emb, 9e36);
      } catch (e) {
        assert.ok(e instanceof InputError && e.kind === 'non_finite_gradient', String(e));
        for (const [name, v] of before) assert.ok(v.equals(snapshot(emb).get(name)!), `'${name}' unchanged after the rejected step ${k}`);
        rejectedAt = k;
      }
    }
    assert.equal(rejectedAt, 38);
    const row = emb.table('table_0').readRow(2);
    assert.ok(row.every((x) => Number.isFinite(x) && x < -3.3e38), `row 2 keeps its last finite values: ${row}`);
  });

  /** One AdagradMomentum table of 4 × 4 on 'cpu', one id per step (sum combiner: the summed gradient is the activation gradient). */
  function momentumTable(learningRate: number): TPUEmbedding {
    return new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 4, dim: 4, combiner: 'sum' }) }) }, optimizer: new AdagradMomentum({ learningRate, momentum: 0.9 }), topology: 'cpu', seed: 1 });
  }
  function momentumStep(emb: TPUEmbedding, g: number): void {
    const acts = emb.lookup({ f: Int32Array.of(2) });
    const grad = tf.fill([1, 4], g);
    try {
      emb.applyGradients({ f: grad });
    } finally {
      tf.dispose([acts.f, grad]);
    }
  }
  /** The rollback buffer of the table: empty while every step took the fast path. */
  const undoLength = (emb: TPUEmbedding): number => (emb as unknown as { tableStates: { undo: Float32Array }[] }).tableStates[0].undo.length;

  it('AdagradMomentum takes the fast path on ordinary steps (|ĝ| ≤ 1: no rollback buffer), with the same values as the checked path', () => {
    const fast = momentumTable(0.1);
    const checked = momentumTable(0.1);
    const opt = checked.table('table_0').optimizer as AdagradMomentum;
    opt.boundsAfter = () => null; // the same table (same seed), but this optimizer never vouches: every step is checked
    for (let k = 0; k < 5; k++) for (const emb of [fast, checked]) momentumStep(emb, 0.5 - k);
    assert.equal(undoLength(fast), 0, 'no step saved rows for a rollback');
    assert.ok(undoLength(checked) > 0, 'the checked path saves rows');
    const a = snapshot(fast);
    for (const [k, v] of snapshot(checked)) assert.ok(v.equals(a.get(k)!), `'${k}' bit-identical on both paths`);
  });

  it('AdagradMomentum: a table imported near float32 max takes the checked path: lr·m = 1e37 on a weight of −3.4e38 is rolled back', () => {
    const emb = momentumTable(1e37);
    const weights = new Float32Array(16).fill(0.5);
    weights[2 * 4 + 1] = -3.4e38; // finite; − 1e37 overflows float32
    emb.importTables({ table_0: { weights, slots: {} } });
    const before = snapshot(emb);
    assert.throws(() => momentumStep(emb, 1), (e: unknown) => e instanceof InputError && e.kind === 'non_finite_gradient' && /row 2 \(column 1\) of table 'table_0'.*makes 'table_0' -Infinity under AdagradMomentum/.test(e.message));
    for (const [k, v] of before) assert.ok(v.equals(snapshot(emb).get(k)!), `'${k}' unchanged`);
    assert.equal(emb.step, 0);
  });
});
