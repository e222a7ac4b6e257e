import { CheckpointError } from '../errors';
import { renameLegacySlots } from '../optimizers/legacy-slot-names';
import type { CheckpointContent, LoadedCheckpoint } from '../checkpoint';
import type { NamedTensor } from '../checkpoint/safetensors';
import type { RankingModel, RankingModelState } from './ranking-model';
import type { ModelState } from './model-state';

/** The safetensors files of a ranking-model checkpoint, one per state group. */
export const RANKING_CHECKPOINT_FILES = Object.freeze({
  tables: 'tables.safetensors',
  dense: 'dense.safetensors',
  optimizer: 'optimizer.safetensors',
});

/**
 * What `saveCheckpoint(root, …)` needs to save a ranking model: its step, configs (model, embedding, optimizer),
 * topology and three files — full tables with their slots (`tables.safetensors`: `table_0`, `table_0/accumulators`, …),
 * dense weights (`dense.safetensors`) and dense optimizer state (`optimizer.safetensors`).
 *
 * @param model the model to save.
 * @returns a {@link CheckpointContent}.
 * @example
 * await saveCheckpoint('/tmp/ckpts', await rankingCheckpointContent(model));
 */
export async function rankingCheckpointContent(model: RankingModel): Promise<CheckpointContent> {
  const state = await model.getState();
  const { topology, optimizer, ...rest } = model.config;
  return {
    step: state.step,
    configs: {
      model: { ...rest, placement: model.config.placement },
      optimizer: { className: optimizer.className, config: optimizer.getConfig() },
      embedding: model.embedding.getConfig(),
    },
    topology: { ...topology },
    groups: modelCheckpointGroups(state),
  };
}

/**
 * Turns a loaded checkpoint (`loadCheckpoint(dir)`) back into a {@link RankingModelState} for `model.setState`,
 * grouping tensors by the file they were saved in. Tables come back full, so any topology (or CPU placement) can
 * restore them. A checkpoint with the old slot name `<table>/accumulator` is read as `<table>/accumulators`
 * (TensorFlow's name), with a one-line notice (see `renameLegacySlots`).
 *
 * @param loaded what `loadCheckpoint` returned.
 * @returns the state.
 * @throws CheckpointError `not_a_ranking_checkpoint` when one of the three files is missing (then `setState` is not
 *   reached; it checks every tensor itself); `ambiguous_slot` when a table has a slot under both its old and its new name.
 * @example
 * await model.setState(rankingStateFromCheckpoint(await loadCheckpoint(dir)));
 */
export function rankingStateFromCheckpoint(loaded: LoadedCheckpoint): RankingModelState {
  return modelStateFromCheckpoint('rankingStateFromCheckpoint', 'not_a_ranking_checkpoint', 'rankingCheckpointContent(model)', loaded);
}

/**
 * The checkpoint groups of a {@link ModelState}, one safetensors file each ({@link RANKING_CHECKPOINT_FILES}: every
 * model on the training core saves its state in the same three files).
 * @param state the state (from `getState`).
 * @returns the `groups` of a `CheckpointContent`.
 * @example const content = { step: state.step, configs, topology, groups: modelCheckpointGroups(state) };
 */
export function modelCheckpointGroups(state: ModelState): CheckpointContent['groups'] {
  return [
    { file: RANKING_CHECKPOINT_FILES.tables, tensors: state.tables },
    { file: RANKING_CHECKPOINT_FILES.dense, tensors: state.dense },
    { file: RANKING_CHECKPOINT_FILES.optimizer, tensors: state.optimizer },
  ];
}

/**
 * A loaded checkpoint's tensors grouped back into a {@link ModelState} by the file they were saved in (the inverse
 * of {@link modelCheckpointGroups}); old slot names are renamed (see `renameLegacySlots`).
 * @param api the calling API; @param kind the CheckpointError kind when a file is missing; @param saveWith how to save one, for the message.
 * @throws CheckpointError `kind` when one of the three files is missing; `ambiguous_slot`.
 * @example modelStateFromCheckpoint('twoTowerStateFromCheckpoint', 'not_a_two_tower_checkpoint', 'twoTowerCheckpointContent(model)', loaded)
 */
export function modelStateFromCheckpoint(api: string, kind: CheckpointError['kind'], saveWith: string, loaded: LoadedCheckpoint): ModelState {
  const groups: Record<keyof typeof RANKING_CHECKPOINT_FILES, NamedTensor[]> = { tables: [], dense: [], optimizer: [] };
  const byFile = new Map<string, keyof typeof RANKING_CHECKPOINT_FILES>(Object.entries(RANKING_CHECKPOINT_FILES).map(([k, f]) => [f, k as keyof typeof RANKING_CHECKPOINT_FILES]));
  for (const t of loaded.manifest.tensors) {
    const group = byFile.get(t.file);
    const data = loaded.tensors.get(t.name);
    if (!group || !data) continue;
    groups[group].push({ name: t.name, dtype: data.dtype, shape: data.shape, data: data.data });
  }
  const files = new Set<string>(loaded.manifest.files.map((f) => f.file));
  for (const f of Object.values(RANKING_CHECKPOINT_FILES)) {
    if (!files.has(f)) {
      throw new CheckpointError(kind, `${api}: expected the checkpoint to hold ${f}, but it holds ${[...files].join(', ') || 'no files'}. Save it with ${saveWith}.`);
    }
  }
  const tables = renameLegacySlots(groups.tables, `the checkpoint of step ${loaded.manifest.step}`);
  return { step: loaded.manifest.step, tables, dense: groups.dense, optimizer: groups.optimizer };
}
