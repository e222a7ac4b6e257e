import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { positiveInteger, where } from '../validation';

/** Input dtypes the server accepts (from the model's `tf.input({ dtype })`). */
export const SERVING_DTYPES = ['int32', 'float32'] as const;
/** One of {@link SERVING_DTYPES}. */
export type ServingDtype = (typeof SERVING_DTYPES)[number];

/** One named input of a served model. */
export interface ServingInput {
  /** The input's name (`tf.input({ name })`), e.g. `user_id`; the key in requests. */
  readonly name: string;
  readonly dtype: ServingDtype;
  /** Shape of ONE example (batch axis removed): `[]` for `[batch]` inputs, `[1]` for `[batch, 1]` inputs. */
  readonly exampleShape: readonly number[];
  /** Ids must lie in `[0, vocabularySize)`; `null` when the input feeds no Embedding layer and none was given. */
  readonly vocabularySize: number | null;
}

/** One named output of a served model. */
export interface ServingOutput {
  /** The output layer's name, e.g. `rating`. */
  readonly name: string;
  readonly dtype: string;
  /** Shape of one example's output (batch axis removed), `-1` for unknown dimensions. */
  readonly exampleShape: readonly number[];
}

/** What the server needs to know about a model: its inputs (with id ranges) and outputs. */
export interface ModelSignature {
  readonly inputs: readonly ServingInput[];
  readonly outputs: readonly ServingOutput[];
}

/** Options of {@link describeModel}. */
export interface DescribeModelOptions {
  /**
   * Vocabulary size per input name, overriding (or supplying) the one found from the Embedding layer an input feeds.
   * @default {} (found from the model's layers)
   */
  readonly vocabularySizes?: Readonly<Record<string, number>>;
}

/** How many layers to follow from an input to find the Embedding it feeds (e.g. through a Reshape). */
const MAX_HOPS = 4;

/**
 * Describes a LayersModel for serving: each input's name, dtype, per-example shape and the vocabulary size of
 * the Embedding layer it feeds (found by walking the layers downstream of the input, through at most a few
 * reshaping layers; the smallest `inputDim` wins when an input feeds several), and each output.
 *
 * @param model a tfjs LayersModel with named inputs (`tf.input({ name: 'user_id', shape: [1], dtype: 'int32' })`).
 * @param options vocabularySizes to override or supply ranges.
 * @returns the frozen signature.
 * @throws ConfigError `bad_model` when an input has a dtype other than int32/float32 or a variable per-example
 *   dimension, or when `vocabularySizes` names an unknown input or holds a non-positive integer.
 * @example
 * describeModel(model).inputs; // [{ name: 'user_id', dtype: 'int32', exampleShape: [1], vocabularySize: 2048 }, …]
 */
export function describeModel(model: tf.LayersModel, options: DescribeModelOptions = {}): ModelSignature {
  const overrides = options.vocabularySizes ?? {};
  const names = model.inputs.map((t, i) => model.inputNames?.[i] ?? t.name);
  for (const [name, size] of Object.entries(overrides)) {
    if (!names.includes(name)) {
      throw new ConfigError('bad_model', `describeModel: vocabularySizes names input '${name}', but the model's inputs are ${names.join(', ')}.`);
    }
    positiveInteger(size, where(ConfigError, 'bad_model', 'describeModel')(`vocabularySizes.${name}`));
  }
  const inputs = model.inputs.map((t, i): ServingInput => {
    const name = names[i];
    if (!(SERVING_DTYPES as readonly string[]).includes(t.dtype)) {
      throw new ConfigError('bad_model', `describeModel: input '${name}' has dtype ${t.dtype}; the server accepts ${SERVING_DTYPES.join(', ')} inputs.`);
    }
    const exampleShape = t.shape.slice(1);
    if (exampleShape.some((d) => d == null || d < 0)) {
      throw new ConfigError('bad_model', `describeModel: input '${name}' has shape [${t.shape.map((d) => d ?? 'null').join(', ')}]; the server needs a fixed shape per example.`);
    }
    const found = t.dtype === 'int32' ? embeddingVocabulary(t.sourceLayer) : null;
    return Object.freeze({ name, dtype: t.dtype as ServingDtype, exampleShape: Object.freeze(exampleShape as number[]), vocabularySize: overrides[name] ?? found });
  });
  const outputs = model.outputs.map(
    (t, i): ServingOutput => Object.freeze({ name: model.outputNames?.[i] ?? t.name, dtype: t.dtype, exampleShape: Object.freeze(t.shape.slice(1).map((d) => d ?? -1)) }),
  );
  return Object.freeze({ inputs: Object.freeze(inputs), outputs: Object.freeze(outputs) });
}

function embeddingVocabulary(start: tf.layers.Layer): number | null {
  let best: number | null = null;
  let frontier: tf.layers.Layer[] = [start];
  const seen = new Set<tf.layers.Layer>();
  for (let hop = 0; hop <= MAX_HOPS && frontier.length > 0; hop++) {
    const next: tf.layers.Layer[] = [];
    for (const layer of frontier) {
      if (seen.has(layer)) continue;
      seen.add(layer);
      if (layer.getClassName() === 'Embedding') {
        const inputDim = (layer.getConfig() as { inputDim?: number }).inputDim;
        if (typeof inputDim === 'number') best = best === null ? inputDim : Math.min(best, inputDim);
        continue;
      }
      // Only follow single-input layers (reshapes, casts): past a merge the values are no longer ids.
      if (layer !== start && layer.inboundNodes.some((n) => n.inboundLayers.length > 1)) continue;
      for (const node of layer.outboundNodes) next.push(node.outboundLayer);
    }
    frontier = next;
  }
  return best;
}
