/**
 * Rating quality benchmark (issue 16): the models of `src/models/beyond` on real MovieLens 100K, with the
 * baselines computed in the same run, never hard-coded.
 *
 * Protocol, per model:
 * - 80/20: five random splits (`tutorialSplit` with seeds 1…5, 80,000 / 20,000), as Surprise's five folds are
 *   read (mean ± sd); and ml-100k's `u1.base` / `u1.test`.
 * - On every split, a validation split is carved from the training ratings only (`validationSplit`, 10 %);
 *   the model trains on the other 90 % with early stopping on validation RMSE (patience, best weights restored)
 *   and is then evaluated once on the test ratings. Settings were chosen on validation RMSE of split seed 1, never on
 *   a test set. Predictions are clipped to [1, 5] (Surprise clips to the rating scale too).
 * - `ensemble (mean)`: the mean of the listed models' test predictions on the same split (no weights fitted).
 *
 * Extend {@link QUALITY_MODELS} (models on the engine) and {@link QUALITY_BASELINES} (direct computations, e.g.
 * BaselineOnly) to add rows; every row gets the same splits.
 *
 * Usage: `npm run bench -- quality` (or `--quick`: split seed 1 and u1 only, fewer epochs) →
 * `bench/results/quality.json`; alone: `npx tsx bench/quality.ts [--quick]`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chooseBackend } from '../src/backend';
import { canonicalSplit, loadMovieLens, tutorialSplit, type Dataset } from '../src/data';
import { featureConfig, tableConfig } from '../src/embedding';
import { Adam, SGD } from '../src/optimizers';
import { RMSE_ANCHORS } from '../src/models';
import { BiasedMF, DCNv2, DLRM, FeatureMLP, RatedMovies, earlyStopping, mfTableInitializer, validationSplit, type ColumnBatch, type EmbeddingRatingModel } from '../src/models/beyond';

import { machineLoad, type MachineLoad } from './machine-load';

/** The columns the benchmark's datasets carry. */
const COLUMNS = ['user_id', 'movie_id', 'user_rating', 'timestamp', 'raw_user_age'] as const;
type QualityDataset = Dataset<(typeof COLUMNS)[number]>;

/** Rows of the user and movie tables (ml-100k ids are 1…943 and 1…1682). */
const USERS = 944;
const MOVIES = 1683;

/** Targets of issue 16. */
export const QUALITY_TARGETS = Object.freeze({ rmse8020Mean: 0.915, rmseU1: 0.905 });

/** One split as a model sees it: the training part (90 %), validation (10 %, from training), test. */
export interface QualitySplit {
  readonly name: string;
  readonly seed: number;
  readonly train: QualityDataset;
  readonly validation: QualityDataset;
  readonly test: QualityDataset;
  /** Movies each user rated in `train` (SVD++'s implicit feedback; from the training part only). */
  readonly rated: RatedMovies;
}

/** A model of the benchmark: how to build it and train it. */
export interface QualityModel {
  readonly name: string;
  /** A same-run baseline (shown as such in the table). */
  readonly baseline?: boolean;
  /** Part of the `ensemble (mean)` row. */
  readonly inEnsemble?: boolean;
  /** Runs only when named in `models` (too slow for the default run on this machine). */
  readonly slow?: boolean;
  readonly batchSize: number;
  readonly maxEpochs: number;
  /** Early-stopping patience (epochs). */
  readonly patience: number;
  readonly build: (split: QualitySplit, seed: number) => EmbeddingRatingModel;
  /** Extra columns per batch (e.g. the rated-movies bags). @default none */
  readonly columns?: (split: QualitySplit, batch: ColumnBatch) => ColumnBatch;
  /** Settings, for the JSON. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** A baseline computed directly (no engine): fit on the training ratings, predict test ratings. */
export interface QualityBaseline {
  readonly name: string;
  readonly fit: (train: QualityDataset) => (batch: ColumnBatch) => Float32Array;
}

const ratedFeature = (factors: number) =>
  featureConfig({ table: tableConfig({ vocabularySize: MOVIES, dim: factors + 1, combiner: 'sqrtn', initializer: mfTableInitializer(0.02), name: 'implicit' }) });

/** The models, in table order. Extend this list to add a row. */
export const QUALITY_MODELS: readonly QualityModel[] = [
  {
    name: 'biased MF',
    baseline: true,
    inEnsemble: true,
    batchSize: 256,
    maxEpochs: 60,
    patience: 3,
    settings: { factors: 100, l2: 0.1, optimizer: 'SGD', learningRate: 2.56, initStddev: 0.1 },
    build: (_s, seed) => new BiasedMF({ factors: 100, l2: 0.1, initStddev: 0.1, optimizer: new SGD({ learningRate: 2.56 }), userVocabularySize: USERS, movieVocabularySize: MOVIES, topology: 'v4-8', seed }),
  },
  {
    name: 'biased MF (second initialisation)',
    inEnsemble: true,
    batchSize: 256,
    maxEpochs: 60,
    patience: 3,
    settings: { factors: 100, l2: 0.1, optimizer: 'SGD', learningRate: 2.56, initStddev: 0.1, seed: 'split seed + 100' },
    build: (_s, seed) => new BiasedMF({ factors: 100, l2: 0.1, initStddev: 0.1, optimizer: new SGD({ learningRate: 2.56 }), userVocabularySize: USERS, movieVocabularySize: MOVIES, topology: 'v4-8', seed: seed + 100 }),
  },
  {
    name: 'SVD++ (biased MF + rated movies)',
    slow: true,
    inEnsemble: true,
    batchSize: 256,
    maxEpochs: 60,
    patience: 3,
    settings: { factors: 100, l2: 0.1, optimizer: 'SGD', learningRate: 2.56, implicitFeature: 'rated_movies (training ratings only) → table implicit, combiner sqrtn' },
    build: (_s, seed) =>
      new BiasedMF({ factors: 100, l2: 0.1, initStddev: 0.1, optimizer: new SGD({ learningRate: 2.56 }), userVocabularySize: USERS, movieVocabularySize: MOVIES, topology: 'v4-8', seed, userFeatures: { rated_movies: ratedFeature(100) } }),
    columns: (split, batch) => ({ ...batch, rated_movies: split.rated.bags(batch.user_id as Int32Array) }),
  },
  {
    name: 'DCN-v2',
    inEnsemble: true,
    batchSize: 1024,
    maxEpochs: 40,
    patience: 2,
    settings: { embeddingDim: 32, crossLayers: 2, deepUnits: [128, 64], dropout: 0.3, l2: 0.05, optimizer: 'Adam 0.002' },
    build: (_s, seed) => new DCNv2({ embeddingDim: 32, crossLayers: 2, deepUnits: [128, 64], dropout: 0.3, l2: 0.05, optimizer: new Adam({ learningRate: 0.002 }), userVocabularySize: USERS, movieVocabularySize: MOVIES, topology: 'v4-8', seed }),
  },
  {
    name: 'DLRM (age, time → bottom MLP)',
    batchSize: 1024,
    maxEpochs: 40,
    patience: 2,
    settings: { embeddingDim: 32, bottomUnits: [16], topUnits: [128, 64], dropout: 0.2, l2: 0.02, optimizer: 'Adam 0.002', denseInputs: 'raw_user_age, timestamp (standardised)' },
    build: (_s, seed) =>
      new DLRM({
        embeddingDim: 32, bottomUnits: [16], topUnits: [128, 64], dropout: 0.2, l2: 0.02, optimizer: new Adam({ learningRate: 0.002 }), userVocabularySize: USERS, movieVocabularySize: MOVIES, topology: 'v4-8', seed,
        denseInputs: [{ column: 'raw_user_age', offset: 34, scale: 1 / 12 }, { column: 'timestamp', offset: 883_000_000, scale: 1 / 5_500_000 }],
      }),
  },
  {
    name: 'tutorial MLP + features (dropout)',
    batchSize: 1024,
    maxEpochs: 40,
    patience: 2,
    settings: { embeddingDim: 64, hiddenUnits: [256, 64], dropout: 0.3, l2: 0.02, optimizer: 'Adam 0.002', denseInputs: 'raw_user_age, timestamp (standardised)' },
    build: (_s, seed) =>
      new FeatureMLP({
        embeddingDim: 64, dropout: 0.3, l2: 0.02, optimizer: new Adam({ learningRate: 0.002 }), userVocabularySize: USERS, movieVocabularySize: MOVIES, topology: 'v4-8', seed,
        denseInputs: [{ column: 'raw_user_age', offset: 34, scale: 1 / 12 }, { column: 'timestamp', offset: 883_000_000, scale: 1 / 5_500_000 }],
      }),
  },
];

/** Baselines computed directly from the training ratings. Extend this list (e.g. BaselineOnly) to add a row. */
export const QUALITY_BASELINES: readonly QualityBaseline[] = [
  {
    name: 'global mean',
    fit: (train) => {
      let sum = 0;
      for (const b of train.batch(20_000)) for (const r of b.features.user_rating) sum += r;
      const mu = sum / train.length;
      return (batch) => new Float32Array((batch.user_rating as Float32Array).length).fill(mu);
    },
  },
];

/** One row of the result. */
export interface QualityRow {
  readonly name: string;
  readonly kind: 'model' | 'baseline' | 'ensemble';
  /** Test RMSE on the five 80/20 splits (seeds 1…5), or fewer with --quick. */
  readonly rmse8020: readonly number[];
  readonly rmse8020Mean: number;
  readonly rmse8020Sd: number;
  readonly rmseU1: number;
  /** Epochs trained per split (80/20 splits, then u1); the best (restored) epoch is epochs − patience unless it ran to the end. */
  readonly epochs: readonly number[];
  readonly bestEpochs: readonly number[];
  /** Training seconds per split (80/20 splits, then u1), validation and test evaluation excluded. */
  readonly trainSeconds: readonly number[];
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** The benchmark's result. */
export interface QualityResult {
  readonly date: string;
  readonly backend: string;
  readonly node: string;
  readonly machineLoadStart: MachineLoad;
  readonly machineLoadEnd: MachineLoad;
  readonly protocol: string;
  readonly targets: typeof QUALITY_TARGETS;
  readonly best: { readonly rmse8020Mean: { name: string; value: number }; readonly rmseU1: { name: string; value: number } };
  readonly targetsMet: { readonly rmse8020Mean: boolean; readonly rmseU1: boolean };
  readonly anchors: typeof RMSE_ANCHORS;
  readonly rows: readonly QualityRow[];
  readonly totalSeconds: number;
}

/** Options of {@link runQualityBench}. */
export interface QualityBenchOptions {
  /** Split seed 1 and u1 only, at most 12 epochs per model. @default false */
  readonly quick?: boolean;
  /** Model names to run (baselines always run). @default all but the `slow` ones */
  readonly models?: readonly string[];
  /** The models to choose from. @default QUALITY_MODELS */
  readonly modelList?: readonly QualityModel[];
  /** 80/20 split seeds. @default [1, 2, 3, 4, 5] ([1] with quick) */
  readonly seeds?: readonly number[];
  /** Also run u1. @default true */
  readonly u1?: boolean;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
/** Sample standard deviation (n − 1), 0 for one value. */
const sd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

function rmseOf(pred: Float32Array, labels: Float32Array): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += (Math.min(5, Math.max(1, pred[i])) - labels[i]) ** 2;
  return Math.sqrt(s / labels.length);
}

/** The test set in one batch (labels and columns). */
function wholeBatch(ds: QualityDataset): ColumnBatch {
  return [...ds.batch(ds.length)][0].features as unknown as ColumnBatch;
}

function makeSplit(name: string, seed: number, train: QualityDataset, test: QualityDataset): QualitySplit {
  const { train: fitOn, validation } = validationSplit(train, { fraction: 0.1, seed: 1000 + seed });
  return { name, seed, train: fitOn, validation, test, rated: RatedMovies.fromBatches(fitOn.batch(20_000), USERS) };
}

/** Trains one model on one split; returns its test predictions, epochs and time. */
async function trainOne(m: QualityModel, split: QualitySplit, maxEpochs: number) {
  const model = m.build(split, split.seed);
  model.predictionRange = [1, 5];
  const cols = (b: ColumnBatch): ColumnBatch => (m.columns ? m.columns(split, b) : b);
  let epoch = 0;
  const train = {
    [Symbol.iterator]: function* () {
      for (const b of split.train.shuffle(split.seed * 7919 + epoch++).batch(m.batchSize, { dropRemainder: true })) yield cols(b.features as unknown as ColumnBatch);
    },
  };
  const validation = [...split.validation.batch(4096)].map((b) => cols(b.features as unknown as ColumnBatch));
  const stop = earlyStopping(model, { patience: m.patience });
  const history = await model.fit(train, { epochs: maxEpochs, validationData: validation, callbacks: [stop], verbose: 0 });
  const test = cols(wholeBatch(split.test));
  const pred = model.predict(test);
  model.dispose();
  return { pred, epochs: history.epochs.length, bestEpoch: stop.bestEpoch + 1, seconds: history.epochs.reduce((s, e) => s + e.seconds, 0), valRmse: stop.best };
}

/**
 * Runs the quality benchmark (see the file's header for the protocol).
 * @returns {@link QualityResult}; `npm run bench -- quality` writes it to `bench/results/quality.json`.
 */
export async function runQualityBench(options: QualityBenchOptions = {}): Promise<QualityResult> {
  const t0 = performance.now();
  const log = options.log ?? ((s: string) => console.log(s));
  const quick = options.quick ?? false;
  const backend = await chooseBackend();
  const loadStart = machineLoad();
  const data = await loadMovieLens('100k-ratings');
  const seeds = options.seeds ?? (quick ? [1] : [1, 2, 3, 4, 5]);
  const splits: QualitySplit[] = seeds.map((seed) => {
    const s = tutorialSplit(data, { seed, features: COLUMNS });
    return makeSplit(`80/20 seed ${seed}`, seed, s.train, s.test);
  });
  if (options.u1 ?? true) {
    const u1 = canonicalSplit('u1', { features: COLUMNS });
    splits.push(makeSplit('u1', 0, u1.train, u1.test));
  }
  const isU1 = (s: QualitySplit) => s.name === 'u1';
  const models = (options.modelList ?? QUALITY_MODELS).filter((m) => (options.models ? options.models.includes(m.name) : !m.slow));
  const rows: QualityRow[] = [];
  const ensemblePreds: Float32Array[][] = splits.map(() => []);
  const summarize = (name: string, kind: QualityRow['kind'], perSplit: { rmse: number; epochs: number; bestEpoch: number; seconds: number }[], settings?: Record<string, unknown>): QualityRow => {
    const r8020 = perSplit.filter((_, i) => !isU1(splits[i])).map((x) => x.rmse);
    const u1 = perSplit.find((_, i) => isU1(splits[i]));
    const row: QualityRow = {
      name, kind,
      rmse8020: r8020, rmse8020Mean: r8020.length ? mean(r8020) : NaN, rmse8020Sd: sd(r8020), rmseU1: u1 ? u1.rmse : NaN,
      epochs: perSplit.map((x) => x.epochs), bestEpochs: perSplit.map((x) => x.bestEpoch), trainSeconds: perSplit.map((x) => Math.round(x.seconds * 10) / 10),
      ...(settings ? { settings } : {}),
    };
    log(`${name}: 80/20 ${row.rmse8020Mean.toFixed(4)} ± ${row.rmse8020Sd.toFixed(4)} [${r8020.map((x) => x.toFixed(4)).join(', ')}], u1 ${row.rmseU1.toFixed(4)}`);
    return row;
  };
  for (const b of QUALITY_BASELINES) {
    rows.push(summarize(b.name, 'baseline', splits.map((s) => {
      const t = performance.now();
      const predict = b.fit(s.train);
      const test = wholeBatch(s.test);
      return { rmse: rmseOf(predict(test), test.user_rating as Float32Array), epochs: 0, bestEpoch: 0, seconds: (performance.now() - t) / 1000 };
    })));
  }
  for (const m of models) {
    const per = [];
    for (const [i, s] of splits.entries()) {
      const r = await trainOne(m, s, quick ? Math.min(12, m.maxEpochs) : m.maxEpochs);
      const labels = wholeBatch(s.test).user_rating as Float32Array;
      const rmse = rmseOf(r.pred, labels);
      if (m.inEnsemble) ensemblePreds[i].push(r.pred);
      log(`  ${m.name} on ${s.name}: test ${rmse.toFixed(4)} (validation ${r.valRmse.toFixed(4)}, best epoch ${r.bestEpoch} of ${r.epochs}, ${r.seconds.toFixed(0)} s)`);
      per.push({ rmse, ...r });
    }
    rows.push(summarize(m.name, m.baseline ? 'baseline' : 'model', per, m.settings));
  }
  if (ensemblePreds[0].length >= 2) {
    const names = models.filter((m) => m.inEnsemble).map((m) => m.name);
    rows.push(summarize(`ensemble (mean of ${names.join(' + ')})`, 'ensemble', splits.map((s, i) => {
      const ps = ensemblePreds[i];
      const avg = new Float32Array(ps[0].length).map((_, j) => mean(ps.map((p) => p[j])));
      return { rmse: rmseOf(avg, wholeBatch(s.test).user_rating as Float32Array), epochs: 0, bestEpoch: 0, seconds: 0 };
    })));
  }
  const candidates = rows.filter((r) => r.kind !== 'baseline' || r.name === 'biased MF');
  const bestBy = (key: 'rmse8020Mean' | 'rmseU1') => {
    const finite = candidates.filter((x) => Number.isFinite(x[key]));
    if (finite.length === 0) return { name: 'none', value: NaN };
    const r = finite.reduce((a, b) => (b[key] < a[key] ? b : a));
    return { name: r.name, value: r[key] };
  };
  const best = { rmse8020Mean: bestBy('rmse8020Mean'), rmseU1: bestBy('rmseU1') };
  return {
    date: new Date().toISOString(),
    backend: backend.name,
    node: process.version,
    machineLoadStart: loadStart,
    machineLoadEnd: machineLoad(),
    protocol: `80/20: tutorialSplit seeds ${seeds.join(', ')}; u1.base/u1.test; validation = 10 % of each training split (validationSplit); early stopping on validation RMSE, best weights restored; predictions clipped to [1, 5]`,
    targets: QUALITY_TARGETS,
    best,
    targetsMet: { rmse8020Mean: best.rmse8020Mean.value <= QUALITY_TARGETS.rmse8020Mean, rmseU1: best.rmseU1.value <= QUALITY_TARGETS.rmseU1 },
    anchors: RMSE_ANCHORS,
    rows,
    totalSeconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  const models = process.env.QUALITY_MODELS?.split(',').map((s) => s.trim());
  const seeds = process.env.QUALITY_SEEDS?.split(',').map(Number);
  runQualityBench({ quick, models, seeds, u1: process.env.QUALITY_U1 !== '0' }).then((r) => {
    const out = path.resolve(__dirname, 'results', `quality${quick ? '.quick' : ''}${process.env.QUALITY_OUT ?? ''}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify({ benchmark: 'quality', quick, ...r }, null, 2)}\n`);
    console.table(r.rows.map((x) => ({ name: x.name, '80/20 mean': x.rmse8020Mean.toFixed(4), sd: x.rmse8020Sd.toFixed(4), u1: x.rmseU1.toFixed(4), epochs: x.epochs.join(' ') })));
    console.log(`best 80/20 ${r.best.rmse8020Mean.name} ${r.best.rmse8020Mean.value.toFixed(4)}; best u1 ${r.best.rmseU1.name} ${r.best.rmseU1.value.toFixed(4)} → ${out}`);
  });
}
