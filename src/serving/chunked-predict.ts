import * as tf from '@tensorflow/tfjs';
import type { ModelSignature } from './model-signature';
import type { PredictRequest } from './parse-predict-request';

/**
 * Runs the model on examples `[start, end)` of a validated request and returns one nested array per output
 * (`[end - start, ...exampleShape]`). Synchronous: it holds the event loop for the whole range.
 * `model.apply`, not `model.predict`: predict() forces inputs to rank ≥ 2, which a `[batch]` input (per-example
 * shape []) refuses.
 *
 * @param model the served model.
 * @param signature its signature (input order, dtypes, per-example shapes).
 * @param request a request from `parsePredictRequest`.
 * @param start first example (inclusive).
 * @param end last example (exclusive), `start < end ≤ request.batchSize`.
 * @returns one nested array per output.
 * @example
 * predictRange(model, signature, request, 0, request.batchSize)[0]; // [[3.9], [4.1]]
 */
export function predictRange(model: tf.LayersModel, signature: ModelSignature, request: PredictRequest, start: number, end: number): unknown[][] {
  const outs = tf.tidy(() => {
    const xs = signature.inputs.map((input) => {
      const size = input.exampleShape.reduce((a, b) => a * b, 1);
      const values = request.inputs.get(input.name)!.subarray(start * size, end * size);
      return tf.tensor(values, [end - start, ...input.exampleShape], input.dtype);
    });
    const out = model.apply(xs, { training: false }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out : [out];
  });
  try {
    return outs.map((t) => t.arraySync() as unknown[]);
  } finally {
    tf.dispose(outs);
  }
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks (a status GET) have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs the model on a request in chunks of `chunkSize` examples, yielding to the event loop between chunks so
 * other requests are served meanwhile, and stopping as soon as `shouldStop()` says so (the client went away or the
 * server is shutting down). The answer equals {@link predictRange} over the whole batch.
 *
 * @param model the served model.
 * @param signature its signature.
 * @param request a request from `parsePredictRequest`.
 * @param chunkSize examples per chunk (≥ 1).
 * @param shouldStop checked before every chunk.
 * @returns one nested array per output, or `null` when stopped.
 * @example
 * const outs = await predictInChunks(model, signature, request, 256, () => res.destroyed);
 */
export async function predictInChunks(
  model: tf.LayersModel,
  signature: ModelSignature,
  request: PredictRequest,
  chunkSize: number,
  shouldStop: () => boolean,
): Promise<unknown[][] | null> {
  let outs: unknown[][] | null = null;
  for (let start = 0; start < request.batchSize; start += chunkSize) {
    if (start > 0) await yieldToEventLoop();
    if (shouldStop()) return null;
    const part = predictRange(model, signature, request, start, Math.min(request.batchSize, start + chunkSize));
    if (outs === null) outs = part;
    else for (let k = 0; k < part.length; k++) for (const row of part[k]) outs[k].push(row);
  }
  return outs;
}
