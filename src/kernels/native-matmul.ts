/**
 * Matrix products of the tfjs-wasm backend through the machine's BLAS (the native kernels' `sgemm`): the backend's
 * `BatchMatMul` and `_FusedMatMul` kernels are replaced by ones that write `op(A) · op(B) (+ bias) (relu)` straight
 * into the output tensor's memory in the backend's heap (as the embedding lookups do), and hand every other case
 * (other activations, a bias that is not one value per column, broadcast batches, non-float32) to the backend's own
 * kernel. The transposes are free (BLAS flags), where the wasm kernel's transposed forms are slow.
 * Results agree with the wasm kernel's to float32 rounding (a different summation order), not bit for bit — and
 * OpenBLAS's summation order can depend on the shapes and the operands' memory alignment, so the same model may
 * predict the same example differently in the last bits from one load to the next. Hence it is opt-in:
 * `TPU_EMBEDDINGS_BLAS=1` (read by {@link useNativeMatMulIfRequested}) or a direct {@link useNativeMatMul} call.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernels, type NativeKernels } from './native-kernels';

/** The parts of tfjs-backend-wasm's backend used here. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): ArrayLike<number>;
}

/** Whether {@link useNativeMatMul} replaced the kernels (then `matMul` with transpose flags costs no transpose). */
export function nativeMatMulActive(): boolean {
  return active !== null && tf.getBackend() === 'wasm';
}

/** The kernels replaced. */
export const NATIVE_MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

let active: string | null = null;

/** The environment variable that turns the BLAS matrix products on for the models' dense layers (`1`). */
export const BLAS_ENV = 'TPU_EMBEDDINGS_BLAS';

/**
 * {@link useNativeMatMul} when `TPU_EMBEDDINGS_BLAS=1`, else nothing: the dense layers call this, so by default every
 * product is tfjs's own (deterministic) kernel.
 * @returns the BLAS library used, or null.
 */
export function useNativeMatMulIfRequested(): string | null {
  const env = typeof process === 'undefined' ? undefined : process.env?.[BLAS_ENV];
  return env === '1' ? useNativeMatMul() : null;
}

/**
 * Replaces the wasm backend's matrix-product kernels by BLAS ones, once per process, where the native kernels loaded
 * and found a BLAS and the active backend is `wasm`; a no-op elsewhere.
 * @returns the BLAS library used, or null when the backend keeps its own kernels.
 * @example useNativeMatMul(); // 'libopenblas.so.0' on a Debian host with libopenblas0-pthread
 */
export function useNativeMatMul(): string | null {
  if (active) return active;
  const k = nativeKernels();
  if (!k || typeof k.sgemm !== 'function' || tf.getBackend() !== 'wasm') return null;
  const lib = k.blas();
  if (!lib) return null;
  for (const name of NATIVE_MATMUL_KERNELS) {
    const own = tf.getKernel(name, 'wasm');
    if (!own) return null;
    const ownFunc = own.kernelFunc as unknown as (args: KernelArgs) => tf.TensorInfo;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      setupFunc: own.setupFunc,
      kernelFunc: ((args: KernelArgs) => blasMatMul(args, k) ?? ownFunc(args)) as unknown as tf.KernelFunc,
    });
  }
  active = lib;
  return lib;
}

interface KernelArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  backend: unknown;
  attrs: { transposeA?: boolean; transposeB?: boolean; activation?: string };
}

/** The product by BLAS, or null for a case left to the backend's kernel. */
function blasMatMul(args: KernelArgs, k: NativeKernels): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = args.inputs;
  const { transposeA = false, transposeB = false } = args.attrs;
  const activation = args.attrs.activation ?? 'linear';
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || preluActivationWeights || (activation !== 'linear' && activation !== 'relu')) return null;
  if (a.shape.length !== b.shape.length || a.shape.length < 2) return null;
  const r = a.shape.length;
  const batchDims = a.shape.slice(0, r - 2);
  if (batchDims.some((d, i) => d !== b.shape[i])) return null; // broadcast batches: the backend's kernel
  const M = transposeA ? a.shape[r - 1] : a.shape[r - 2];
  const K = transposeA ? a.shape[r - 2] : a.shape[r - 1];
  const Kb = transposeB ? b.shape[r - 1] : b.shape[r - 2];
  const N = transposeB ? b.shape[r - 2] : b.shape[r - 1];
  if (K !== Kb) return null; // the backend's kernel reports the mismatch
  if (bias && (bias.dtype !== 'float32' || bias.shape.reduce((x, y) => x * y, 1) !== N || (bias.shape.length > 0 && bias.shape[bias.shape.length - 1] !== N))) return null;
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput([...batchDims, M, N], 'float32');
  // Views after makeOutput: an allocation may grow (and detach) the heap.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const A = view(a);
  const B = view(b);
  const C = view(out);
  const biasView = bias ? view(bias) : null;
  const batches = batchDims.reduce((x, y) => x * y, 1);
  for (let i = 0; i < batches; i++) {
    k.sgemm(transposeA, transposeB, M, N, K, A.subarray(i * M * K, (i + 1) * M * K), B.subarray(i * K * N, (i + 1) * K * N), C.subarray(i * M * N, (i + 1) * M * N), biasView, activation === 'relu');
  }
  return out;
}
