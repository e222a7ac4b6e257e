// `tpu-embeddings evaluate` and `tpu-embeddings export`: a saved ranking checkpoint restored on CPU placement, then
// evaluated on a MovieLens 100K split or written as a serving export (compiled into dist/cli/ by
// scripts/build-package.mjs; the CLI in scripts/cli.ts calls these functions).
//   evaluate <checkpoint> [--split tutorial|u1…u5|ua|ub] [--seed N]   → test RMSE on the split's test ratings
//   export   <checkpoint> <out dir>                                      → model.json + weights (atomic replace)
// <checkpoint> is a `ckpt-<step>` directory or a folder of them (the newest is used).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { chooseBackend } from '../src/backend';
import { latestCheckpoint, loadCheckpoint } from '../src/checkpoint';
import { CANONICAL_SPLITS, canonicalSplit, loadMovieLens, tutorialSplit, type CanonicalSplitName } from '../src/data';
import { CheckpointError } from '../src/errors';
import { RankingModel, rankingStateFromCheckpoint, type RankingModelOptions } from '../src/models';
import { optimizerFromConfig } from '../src/optimizers';

/** The splits `evaluate` accepts: the tutorial's seeded 80/20 split, or one of GroupLens's canonical splits. */
export const EVALUATE_SPLITS = ['tutorial', ...CANONICAL_SPLITS] as const;
/** One of {@link EVALUATE_SPLITS}. */
export type EvaluateSplit = (typeof EVALUATE_SPLITS)[number];

/** What {@link parseEvaluateArgs} returns. */
export interface EvaluateArgs {
  readonly checkpoint: string;
  /** @default 'tutorial' */
  readonly split: EvaluateSplit;
  /** Seed of the tutorial split (ignored for canonical splits). @default 42 */
  readonly seed: number;
}

/** What {@link parseExportArgs} returns. */
export interface ExportArgs {
  readonly checkpoint: string;
  readonly out: string;
}

/** Splits a command line into `--flag value` pairs (also `--flag=value`) and positional arguments. */
function splitArgs(command: string, argv: readonly string[], known: readonly string[], usage: string): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [key, inline] = a.slice(2).split('=', 2);
    if (!known.includes(key)) throw new Error(`${command}: unknown option --${key}. ${usage}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${command}: --${key} needs a value. ${usage}`);
    flags[key] = value;
  }
  return { flags, positional };
}

/**
 * Parses `evaluate`'s command line.
 * @throws Error naming the flag or argument and the value (the CLI turns it into ConfigError `bad_option`).
 */
export function parseEvaluateArgs(argv: readonly string[], usage: string): EvaluateArgs {
  const { flags, positional } = splitArgs('evaluate', argv, ['split', 'seed'], usage);
  if (positional.length !== 1) throw new Error(`evaluate: expected one checkpoint directory, but got ${positional.length}. ${usage}`);
  const split = (flags.split ?? 'tutorial') as EvaluateSplit;
  if (!(EVALUATE_SPLITS as readonly string[]).includes(split)) throw new Error(`evaluate: expected --split to be one of ${EVALUATE_SPLITS.join(', ')}, but got '${flags.split}'.`);
  const seed = flags.seed === undefined ? 42 : Number(flags.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`evaluate: expected --seed to be an integer, but got '${flags.seed}'.`);
  return { checkpoint: positional[0], split, seed };
}

/**
 * Parses `export`'s command line.
 * @throws Error naming the argument count (the CLI turns it into ConfigError `bad_option`).
 */
export function parseExportArgs(argv: readonly string[], usage: string): ExportArgs {
  const { positional } = splitArgs('export', argv, [], usage);
  if (positional.length !== 2) throw new Error(`export: expected a checkpoint directory and an output directory, but got ${positional.length} argument(s). ${usage}`);
  return { checkpoint: positional[0], out: positional[1] };
}

/**
 * Restores a ranking checkpoint on CPU placement: the model is rebuilt from the checkpoint's own configs (sizes,
 * hidden units, seed, optimizer), then `setState` checks and loads every tensor.
 * @param checkpoint a `ckpt-<step>` directory, or a folder of them (the newest is used).
 * @returns the model, the directory restored and its step.
 * @throws CheckpointError `missing_manifest` when neither is found; whatever loadCheckpoint / setState throw.
 */
export async function restoreRankingCheckpoint(checkpoint: string): Promise<{ model: RankingModel; dir: string; step: number }> {
  const given = path.resolve(checkpoint);
  const dir = existsSync(path.join(given, 'checkpoint.json')) ? given : (await latestCheckpoint(given))?.dir;
  if (!dir) throw new CheckpointError('missing_manifest', `expected ${given} to be a checkpoint directory (with checkpoint.json) or a folder of ckpt-<step> directories, but it is neither. Save one with \`tpu-embeddings train\` or saveCheckpoint.`);
  const loaded = await loadCheckpoint(dir);
  const configs = loaded.manifest.configs as { model?: Record<string, unknown>; optimizer?: Parameters<typeof optimizerFromConfig>[0] };
  const { userVocabularySize, movieVocabularySize, embeddingDim, hiddenUnits, seed } = (configs.model ?? {}) as RankingModelOptions;
  const model = new RankingModel({
    topology: 'cpu',
    placement: 'cpu',
    userVocabularySize,
    movieVocabularySize,
    embeddingDim,
    hiddenUnits,
    seed,
    ...(configs.optimizer ? { optimizer: optimizerFromConfig(configs.optimizer) } : {}),
  });
  try {
    await model.setState(rankingStateFromCheckpoint(loaded));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, dir, step: loaded.manifest.step };
}

/** Restores the checkpoint and prints its test RMSE on the split (one line). */
export async function runEvaluate(args: EvaluateArgs, print: (line: string) => void = (l) => console.log(l)): Promise<{ rmse: number; examples: number; step: number }> {
  await chooseBackend();
  const { model, dir, step } = await restoreRankingCheckpoint(args.checkpoint);
  try {
    const features = ['user_id', 'movie_id', 'user_rating'] as const;
    const split = args.split === 'tutorial'
      ? tutorialSplit(await loadMovieLens('100k-ratings'), { seed: args.seed, features: [...features] })
      : canonicalSplit(args.split as CanonicalSplitName, { features: [...features] });
    const result = await model.evaluate(split.test.batch(1000));
    const where = args.split === 'tutorial' ? `the tutorial split (seed ${args.seed})` : `${args.split}.test`;
    print(`${path.basename(dir)} (step ${step}): test RMSE ${result.rmse.toFixed(4)} on ${split.test.length.toLocaleString('en-US')} ratings of ${where}`);
    return { rmse: result.rmse, examples: split.test.length, step };
  } finally {
    model.dispose();
  }
}

/** Restores the checkpoint and writes its serving export (atomically replacing an older one), then prints where. */
export async function runExport(args: ExportArgs, print: (line: string) => void = (l) => console.log(l)): Promise<{ dir: string; step: number }> {
  await chooseBackend();
  const { model, dir, step } = await restoreRankingCheckpoint(args.checkpoint);
  try {
    const out = path.resolve(args.out);
    await model.saveServingModel(out);
    print(`${path.basename(dir)} (step ${step}) exported to ${out} (tf.loadLayersModel / tpu-embeddings serve)`);
    return { dir: out, step };
  } finally {
    model.dispose();
  }
}
