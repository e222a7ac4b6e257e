/**
 * The activation buffers a lookup combines into, and the tensors made of them: on the wasm backend the new tensor's
 * own memory in the backend's heap (no copy afterwards), elsewhere a fresh array.
 */
import * as tf from '@tensorflow/tfjs';
import type { PendingFeature } from './engine-state';

/** The parts of tfjs-backend-wasm's `BackendWasm` used to write activations straight into its heap. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): ArrayLike<number>;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Hands out one activation buffer at a time ({@link buffer}) and turns it into a tensor ({@link tensor}); one per
 * `TPUEmbedding`, reused for every feature of every lookup.
 *
 * @example
 * const values = outputs.buffer(pf, B * dim); // fill values
 * const t = outputs.tensor(values, pf.shape);
 */
export class ActivationOutput {
  /** The wasm backend's output the last {@link buffer} call allocated, until wrapped in a tensor. */
  private heapOutput: tf.TensorInfo | null = null;

  /**
   * An activation buffer of `size` floats for `pf`, zeroed unless `zero` is false (the caller writes every element).
   * On the wasm backend it is the new tensor's own memory in the backend's heap (allocated like a kernel output and
   * kept in {@link heapOutput} until {@link tensor} wraps it: no copy into the heap afterwards); other
   * backends (cpu) may keep a reference to what `tf.tensor` is given, so they get a fresh array.
   * @param pf the feature (its activation shape, and its reused buffer when the heap cannot be used).
   * @param size floats, the product of `pf.shape`.
   * @returns the buffer, valid until the next call.
   */
  buffer(pf: Pick<PendingFeature, 'state' | 'shape'>, size: number, zero = true): Float32Array {
    this.heapOutput = null;
    if (tf.getBackend() !== 'wasm') return new Float32Array(size);
    const backend = tf.backend() as unknown as WasmHeapBackend;
    if (typeof backend.makeOutput === 'function' && typeof backend.typedArrayFromHeap === 'function') {
      const info = backend.makeOutput(pf.shape, 'float32');
      const view = backend.typedArrayFromHeap(info);
      if (view instanceof Float32Array && view.length === size) {
        this.heapOutput = info;
        if (zero) view.fill(0);
        return view;
      }
      backend.disposeData(info.dataId, true);
    }
    const fs = pf.state;
    if (fs.outBuf.length < size) fs.outBuf = new Float32Array(size);
    const out = fs.outBuf.subarray(0, size);
    if (zero) out.fill(0);
    return out;
  }

  /** Frees the heap output of the last {@link buffer} call when it will not become a tensor (a failed lookup). */
  discard(): void {
    const info = this.heapOutput;
    this.heapOutput = null;
    if (info) (tf.backend() as unknown as WasmHeapBackend).disposeData(info.dataId, true);
  }

  /**
   * The activation tensor of `values` (from {@link buffer}): the heap output wrapped, or `tf.tensor`.
   * @returns a tensor of `shape` the caller owns.
   */
  tensor(values: Float32Array, shape: number[]): tf.Tensor {
    const info = this.heapOutput;
    this.heapOutput = null;
    return info ? tf.engine().makeTensorFromTensorInfo(info) : tf.tensor(values, shape, 'float32');
  }
}
