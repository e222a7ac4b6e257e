import type { CheckpointContent, LoadedCheckpoint } from '../checkpoint';
import { modelCheckpointGroups, modelStateFromCheckpoint, type ModelState } from '../models';
import type { TwoTowerModel } from './two-tower-model';

/**
 * What `saveCheckpoint(root, …)` needs to save a two-tower model: its step, configs (the model's scalar options,
 * both towers' embedding configs, the optimizer), topology and the three files every model on the training core
 * writes — both towers' full tables with their slots (`tables.safetensors`: `user_id`, `user_id/accumulators`,
 * `movie_id`, …), dense weights (`dense.safetensors`: `query/…`, `candidate/…`) and dense optimizer state
 * (`optimizer.safetensors`). Side features, candidate ids and the logQ probabilities are data, not state: pass
 * them to the model you restore into (and `fit` estimates the probabilities again).
 *
 * @param model the model to save.
 * @returns a {@link CheckpointContent}.
 * @example
 * await saveCheckpoint('/tmp/ckpts', await twoTowerCheckpointContent(model));
 */
export async function twoTowerCheckpointContent(model: TwoTowerModel): Promise<CheckpointContent> {
  const state = await model.getState();
  const { topology, optimizer, sideFeatures: _side, candidateIds, ...rest } = model.config;
  return {
    step: state.step,
    configs: {
      model: { ...rest, candidateCount: candidateIds.length },
      optimizer: { className: optimizer.className, config: optimizer.getConfig() },
      queryEmbedding: model.queryEmbedding.getConfig(),
      candidateEmbedding: model.candidateEmbedding.getConfig(),
    },
    topology: { ...topology },
    groups: modelCheckpointGroups(state),
  };
}

/**
 * Turns a loaded checkpoint (`loadCheckpoint(dir)`) back into a state for `TwoTowerModel.setState`. Tables come back
 * full, so any topology (or CPU placement) can restore them; `setState` checks every tensor.
 *
 * @param loaded what `loadCheckpoint` returned.
 * @returns the state.
 * @throws CheckpointError `not_a_two_tower_checkpoint` when one of the three files is missing.
 * @example
 * await model.setState(twoTowerStateFromCheckpoint(await loadCheckpoint(dir)));
 */
export function twoTowerStateFromCheckpoint(loaded: LoadedCheckpoint): ModelState {
  return modelStateFromCheckpoint('twoTowerStateFromCheckpoint', 'not_a_two_tower_checkpoint', 'twoTowerCheckpointContent(model)', loaded);
}
