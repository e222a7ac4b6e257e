import { CheckpointError } from '../errors';
import type { SlotName } from './embedding-optimizer';

/**
 * Slot names that checkpoints written by tpu-embeddings ≤ 0.1 used, mapped to TensorFlow's names
 * (`tpu_embedding_v2_utils.py`, `_slot_names()`): Adagrad, AdagradMomentum and FTRL kept `<table>/accumulator`,
 * TensorFlow says `<table>/accumulators`. `momenta`, `velocities` and `linears` were already TensorFlow's.
 */
export const LEGACY_SLOT_NAMES: Readonly<Record<string, SlotName>> = Object.freeze({ accumulator: 'accumulators' });

/**
 * Renames the table-slot tensors of an old checkpoint to TensorFlow's slot names (`table_0/accumulator` →
 * `table_0/accumulators`) and says so in one line; tensors with current names pass through unchanged. Only for
 * table tensors (`<table>` and `<table>/<slot>`): the dense optimizer's own slots keep their tfjs/Keras names.
 *
 * @param tensors the table tensors of a checkpoint (anything with a `name`).
 * @param source the checkpoint, for the notice and errors.
 * @param notify where the notice goes. @default console.warn
 * @returns the same tensors, renamed where needed (new objects only for renamed ones).
 * @throws CheckpointError `ambiguous_slot` when a table has both the old and the new name of a slot.
 * @example
 * renameLegacySlots([{ name: 'table_0/accumulator', … }], '/ckpts/ckpt-10'); // [{ name: 'table_0/accumulators', … }]
 */
export function renameLegacySlots<T extends { readonly name: string }>(
  tensors: readonly T[],
  source: string,
  notify: (line: string) => void = console.warn,
): T[] {
  const names = new Set(tensors.map((t) => t.name));
  const renamed: string[] = [];
  const out = tensors.map((t) => {
    const cut = t.name.lastIndexOf('/');
    const next = cut > 0 ? LEGACY_SLOT_NAMES[t.name.slice(cut + 1)] : undefined;
    if (!next) return t;
    const name = `${t.name.slice(0, cut)}/${next}`;
    if (names.has(name)) {
      throw new CheckpointError(
        'ambiguous_slot',
        `renameLegacySlots: ${source} holds both '${t.name}' (the old slot name) and '${name}' (TensorFlow's); expected one of them. Delete the stale tensor from the checkpoint and save it again.`,
      );
    }
    renamed.push(`${t.name} → ${name}`);
    return { ...t, name };
  });
  if (renamed.length > 0) {
    notify(`tpu-embeddings: ${source} uses the old slot names; read as TensorFlow's: ${renamed.join(', ')} (save it again to write the new names).`);
  }
  return out;
}
