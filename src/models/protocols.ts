import { ConfigError } from '../errors';
import { kerasAdagrad } from '../optimizers';
import { resolveTopology, type Topology } from '../strategy';
import type { History } from './history';
import { RankingModel, type EvaluateResult } from './ranking-model';
import type { RankingModelOptions } from './ranking-model-config';
import type { FeatureBatch, RatingDataset } from './rating-batch';
import type { TrainingCallback } from './training-callback';

/** A training and evaluation recipe for the ranking model. */
export interface TrainingProtocol {
  readonly name: string;
  /** Examples per replica per step; the global batch is this × the slice's replicas. */
  readonly perReplicaBatchSize: number;
  /** Drop a short last training batch (`drop_remainder=True`). */
  readonly dropRemainder: boolean;
  /** Steps per epoch, or undefined for one full pass over the training split per epoch. */
  readonly stepsPerEpoch: number | undefined;
  readonly epochs: number;
  /** Evaluation batches, or undefined for the whole test split (a short last batch included). */
  readonly evaluationSteps: number | undefined;
  /** Keras Adagrad learning rate of the one optimizer (tables and dense weights). */
  readonly learningRate: number;
  /** Reshuffle the training split every epoch (seed `shuffleSeed + epoch`); false keeps the split's order. */
  readonly reshuffleEachEpoch: boolean;
  readonly shuffleSeed: number;
}

/**
 * TensorFlow's tutorial, step for step: per-replica batch 16 × replicas (64 on v4-8), `drop_remainder`,
 * `fit(steps_per_epoch=10, epochs=10)` (one iterator across epochs: 100 batches = 6,400 examples on v4-8),
 * `evaluate(steps=10)`, Keras `Adagrad(0.1)`. It trains on a small part of the data: the tutorial printed a test
 * RMSE of 1.1339 on its 10 evaluation steps.
 */
export const tutorialProtocol: TrainingProtocol = Object.freeze({
  name: 'tutorial',
  perReplicaBatchSize: 16,
  dropRemainder: true,
  stepsPerEpoch: 10,
  epochs: 10,
  evaluationSteps: 10,
  learningRate: 0.1,
  reshuffleEachEpoch: false,
  shuffleSeed: 0,
});

/**
 * The full protocol: the tutorial's model, data and optimizer class, trained on all 80,000 training ratings for
 * several epochs (reshuffled each epoch) and evaluated on all 20,000 test ratings. The settings (epochs, batch,
 * learning rate) were chosen on a validation split carved from the training ratings (72,000 / 8,000), never on
 * the test ratings; see `bench/training.ts` for the measured RMSE.
 */
export const fullProtocol: TrainingProtocol = Object.freeze({
  name: 'full',
  perReplicaBatchSize: 64,
  dropRemainder: true,
  stepsPerEpoch: undefined,
  epochs: 8,
  evaluationSteps: undefined,
  learningRate: 0.05,
  reshuffleEachEpoch: true,
  shuffleSeed: 1,
});

/** The data a protocol needs: a split's datasets as the data folder makes them (`tutorialSplit`, `canonicalSplit`). */
export interface ProtocolSplit {
  readonly train: ShuffleBatchable;
  readonly test: ShuffleBatchable;
}

/** The part of the data folder's `Dataset` a protocol uses. */
export interface ShuffleBatchable {
  readonly length: number;
  shuffle(seed: number): ShuffleBatchable;
  batch(batchSize: number, options?: { dropRemainder?: boolean }): Iterable<FeatureBatch>;
}

/** Options of {@link runProtocol}. */
export interface RunProtocolOptions {
  readonly protocol: TrainingProtocol;
  readonly split: ProtocolSplit;
  /** Model options (topology, placement, seed, …); the optimizer comes from the protocol. @default tutorial model on v4-8 */
  readonly model?: Omit<RankingModelOptions, 'optimizer'>;
  /** @default 'auto' */
  readonly verbose?: 0 | 1 | 2 | 'auto';
  readonly callbacks?: readonly TrainingCallback[];
  /** Evaluation batch size. @default the global batch */
  readonly evaluationBatchSize?: number;
}

/** What {@link runProtocol} returns. */
export interface ProtocolResult {
  readonly protocol: TrainingProtocol;
  readonly topology: Topology;
  readonly globalBatchSize: number;
  /** The trained model (dispose it when done). */
  readonly model: RankingModel;
  readonly history: History;
  readonly test: EvaluateResult;
  /** Training examples per second over all epochs (evaluation excluded). */
  readonly examplesPerSecond: number;
  /** Training seconds (sum of the epochs' step time). */
  readonly trainSeconds: number;
}

/** The global batch of a protocol on a slice: per-replica batch × replicas. */
export function globalBatchSize(protocol: TrainingProtocol, topology: Topology | string): number {
  return protocol.perReplicaBatchSize * resolveTopology(topology).numReplicas;
}

/**
 * Builds the tutorial's model, trains it with a protocol on a split, and evaluates it on the split's test part.
 *
 * @param options protocol, split and model options.
 * @returns {@link ProtocolResult} (the model stays alive for export or checkpointing).
 * @throws ConfigError `empty_split` when the training split is smaller than one global batch.
 * @example
 * const data = await loadMovieLens('100k-ratings');
 * const r = await runProtocol({ protocol: tutorialProtocol, split: tutorialSplit(data) });
 * r.test.rmse; // ≈ 1.1 after 100 steps of 64
 */
export async function runProtocol(options: RunProtocolOptions): Promise<ProtocolResult> {
  const { protocol, split } = options;
  const model = new RankingModel({ ...(options.model ?? {}), optimizer: kerasAdagrad({ learningRate: protocol.learningRate }) });
  const topology = model.config.topology;
  const batch = globalBatchSize(protocol, topology);
  if (split.train.length < batch) {
    throw new ConfigError('empty_split', `runProtocol: expected at least one global batch (${batch}) of training examples, but the split has ${split.train.length}.`);
  }
  let epoch = 0;
  const train: RatingDataset = protocol.reshuffleEachEpoch
    ? { [Symbol.iterator]: () => split.train.shuffle(protocol.shuffleSeed + epoch++).batch(batch, { dropRemainder: protocol.dropRemainder })[Symbol.iterator]() }
    : split.train.batch(batch, { dropRemainder: protocol.dropRemainder });
  const history = await model.fit(train, {
    epochs: protocol.epochs,
    stepsPerEpoch: protocol.stepsPerEpoch,
    verbose: options.verbose ?? 'auto',
    callbacks: options.callbacks,
  });
  const evalBatch = options.evaluationBatchSize ?? batch;
  const test = await model.evaluate(split.test.batch(evalBatch, { dropRemainder: protocol.evaluationSteps !== undefined }), { steps: protocol.evaluationSteps });
  const trainSeconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
  const examples = history.epochs.reduce((s, e) => s + e.examples, 0);
  return { protocol, topology, globalBatchSize: batch, model, history, test, examplesPerSecond: examples / Math.max(trainSeconds, 1e-9), trainSeconds };
}
