import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBackend } from '../../src/backend';
import { ConfigError } from '../../src/errors';
import { Random } from '../../src/random';
import {
  fullProtocol,
  globalBatchSize,
  History,
  liveLossCallback,
  progressCallback,
  progressModeFor,
  RankingModel,
  runProtocol,
  tutorialProtocol,
  type FeatureBatch,
  type RatingBatch,
  type ShuffleBatchable,
} from '../../src/models';
import { liveLossFigureCallback, lossFigure } from '../../src/viz';

/** A data-folder-like dataset over synthetic ratings (rating = 1 + (u + m) % 5). */
class FakeDataset implements ShuffleBatchable {
  constructor(private readonly rows: Int32Array, private readonly all: RatingBatch) {}
  get length(): number {
    return this.rows.length;
  }
  shuffle(seed: number): FakeDataset {
    return new FakeDataset(new Random(seed).shuffle(Int32Array.from(this.rows)), this.all);
  }
  *batch(size: number, options: { dropRemainder?: boolean } = {}): Generator<FeatureBatch> {
    for (let s = 0; s < this.rows.length; s += size) {
      const r = this.rows.subarray(s, Math.min(s + size, this.rows.length));
      if (options.dropRemainder && r.length < size) return;
      yield { features: { user_id: Int32Array.from(r, (i) => this.all.user_id[i]), movie_id: Int32Array.from(r, (i) => this.all.movie_id[i]), user_rating: Float32Array.from(r, (i) => this.all.user_rating[i]) } };
    }
  }
}

function fakeSplit(trainSize: number, testSize: number): { train: FakeDataset; test: FakeDataset } {
  const n = trainSize + testSize;
  const rng = new Random(3);
  const u = Int32Array.from({ length: n }, () => rng.int(20));
  const m = Int32Array.from({ length: n }, () => rng.int(20));
  const all = { user_id: u, movie_id: m, user_rating: Float32Array.from(u, (x, i) => 1 + ((x + m[i]) % 5)) };
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  return { train: new FakeDataset(idx.subarray(0, trainSize), all), test: new FakeDataset(idx.subarray(trainSize), all) };
}

const tiny = { topology: 'v4-8', userVocabularySize: 20, movieVocabularySize: 20, embeddingDim: 4, hiddenUnits: [8] } as const;

describe('training protocols', () => {
  before(async () => {
    await chooseBackend();
  });

  it('the tutorial protocol is the tutorial: 16 per replica (64 on v4-8, 128 on v3-8), 10 × 10 steps, 10 evaluation steps, Adagrad 0.1', () => {
    assert.equal(globalBatchSize(tutorialProtocol, 'v4-8'), 64);
    assert.equal(globalBatchSize(tutorialProtocol, 'v3-8'), 128);
    assert.deepEqual(
      [tutorialProtocol.stepsPerEpoch, tutorialProtocol.epochs, tutorialProtocol.evaluationSteps, tutorialProtocol.learningRate, tutorialProtocol.dropRemainder],
      [10, 10, 10, 0.1, true],
    );
    assert.equal(fullProtocol.stepsPerEpoch, undefined);
    assert.equal(fullProtocol.evaluationSteps, undefined);
  });

  it('runProtocol(tutorial) trains 100 steps of 64 and evaluates 10 batches of 64', async () => {
    const r = await runProtocol({ protocol: tutorialProtocol, split: fakeSplit(8000, 2000), model: tiny, verbose: 0 });
    assert.equal(r.globalBatchSize, 64);
    assert.equal(r.history.stepLoss.length, 100);
    assert.equal(r.test.examples, 640);
    assert.ok(r.examplesPerSecond > 0);
    r.model.dispose();
  });

  it('runProtocol(full) passes over the whole training split every epoch and evaluates every test example', async () => {
    const protocol = { ...fullProtocol, epochs: 2 };
    const r = await runProtocol({ protocol, split: fakeSplit(1000, 301), model: tiny, verbose: 0, evaluationBatchSize: 100 });
    // 1000 / 256 → 3 full batches per epoch (remainder dropped); test: 301 examples in 4 batches, none dropped.
    assert.equal(r.history.stepLoss.length, 6);
    assert.deepEqual(r.history.epochs.map((e) => e.examples), [768, 768]);
    assert.equal(r.test.examples, 301);
    r.model.dispose();
  });

  it('runProtocol refuses a split smaller than one global batch', async () => {
    await assert.rejects(runProtocol({ protocol: fullProtocol, split: fakeSplit(100, 10), model: tiny, verbose: 0 }), (e: unknown) => e instanceof ConfigError && /at least one global batch \(256\)/.test(e.message));
  });
});

describe('progress and loss figures', () => {
  it('progressModeFor: 0 silent, 2 lines, auto → lines when not a terminal', () => {
    const notTty = { isTTY: false } as NodeJS.WriteStream;
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const saved = process.env.JPY_PARENT_PID;
    delete process.env.JPY_PARENT_PID;
    try {
      assert.equal(progressModeFor(0, tty), 'silent');
      assert.equal(progressModeFor(2, tty), 'lines');
      assert.equal(progressModeFor('auto', notTty), 'lines');
      assert.equal(progressModeFor('auto', tty), 'bar');
      process.env.JPY_PARENT_PID = '1';
      assert.equal(progressModeFor('auto', tty), 'lines'); // in a notebook: one line per epoch
      assert.throws(() => progressModeFor(3 as 0, tty), /expected verbose to be 0, 1, 2 or 'auto', but got 3/);
    } finally {
      if (saved === undefined) delete process.env.JPY_PARENT_PID;
      else process.env.JPY_PARENT_PID = saved;
    }
  });

  it("'lines' prints one line per epoch with loss, rmse, validation and throughput", async () => {
    const lines: string[] = [];
    const cb = progressCallback('lines', { write: (l) => lines.push(l) });
    await cb.onTrainBegin?.({ epochs: 2, stepsPerEpoch: 3 });
    await cb.onEpochBegin?.(0);
    const h = new History();
    for (let i = 0; i < 3; i++) await cb.onStepEnd?.(i + 1, { step: i + 1, epoch: 0, stepInEpoch: i, loss: 1, batchSize: 64 }, h);
    await cb.onEpochEnd?.(0, { epoch: 0, lastStep: 3, loss: 1.23456, rmse: 1.111, val_loss: 0.5, val_rmse: 0.7071, examples: 192, seconds: 0.01, examplesPerSecond: 19200 }, h);
    assert.deepEqual(lines, ['Epoch 1/2 · 3 steps · loss 1.2346 · rmse 1.1110 · val_loss 0.5000 · val_rmse 0.7071 · 19,200 ex/s']);
  });

  it('liveLossCallback updates every N steps and at each epoch end; lossFigure draws steps and validation', async () => {
    const model = new RankingModel({ ...tiny, topology: 'cpu' });
    const calls: number[] = [];
    const rng = new Random(1);
    const data = Array.from({ length: 5 }, () => ({ user_id: Int32Array.from({ length: 8 }, () => rng.int(20)), movie_id: Int32Array.from({ length: 8 }, () => rng.int(20)), user_rating: new Float32Array(8).fill(3) }));
    const history = await model.fit(data, { epochs: 2, verbose: 0, validationData: data.slice(0, 1), callbacks: [liveLossCallback((h) => void calls.push(h.stepLoss.length), { everySteps: 4 })] });
    // steps 4 and 8, plus the ends of epochs 1 (after 5 steps) and 2 (after 10).
    assert.deepEqual(calls, [4, 5, 8, 10]);
    const fig = lossFigure(history);
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data[1].x, [5, 10]);
    // A log loss axis (the first steps' loss would flatten the rest on a linear one); every step is drawn.
    assert.equal((fig.layout.yaxis as { type: string }).type, 'log');
    assert.equal((fig.data[0].x as number[]).length, 10);
    // In a notebook the figure is shown once and then replaced in place.
    const shown: string[] = [];
    const display = { html: (s: string) => void shown.push(s) };
    await model.fit(data, { epochs: 1, verbose: 0, callbacks: [liveLossFigureCallback({ everySteps: 2, display, plotlyDisplay: display })] });
    assert.ok(shown.length >= 3, `${shown.length} outputs`);
    model.dispose();
  });
});
