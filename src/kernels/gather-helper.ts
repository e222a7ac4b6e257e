import * as os from 'node:os';
import { WASM_BASE64 } from './row-gather.wasm';
import type { KernelRoute } from './wasm-id-dedup';

/** One part of a pooled combine for the helper: addresses in the table's memory (see `SimdCombiner.helperArea`). */
export interface GatherJob {
  readonly idsPtr: number;
  /** 0: every scale is 1. */
  readonly scalesPtr: number;
  readonly splitsPtr: number;
  readonly samples: number;
  readonly route: KernelRoute;
  readonly rowBytes: number;
  readonly outPtr: number;
}

/**
 * A helper thread that gathers and combines part of a large lookup while the main thread deduplicates and combines
 * the rest. A lookup of random rows is bound by memory latency: one thread keeps only so many cache and TLB misses
 * in flight, two keep about twice as many (measured on 2 cores: 65,536 rows of 256 B in 4.3 ms on one thread,
 * 2.7 ms on two). The helper runs `src/kernels/row-gather.as.ts` on the table's shared WebAssembly memory and writes
 * activations there; the main thread copies them into the output tensor (only it can reach the tfjs heap). Results
 * are bit-identical to the main thread's kernel (same f32 operations in the same order).
 *
 * One Worker per process, started on first use and `unref`ed (it never keeps a process alive). Not used with fewer
 * than 2 cores, without `SharedArrayBuffer`, or when the environment sets `TPU_EMBEDDINGS_HELPER=0`.
 *
 * Protocol: a shared control block. The main thread writes a job's parameters, bumps `SEQ` and notifies; the helper
 * drains its message port (memories to register), runs the job and stores `SEQ` into `DONE`. When a table it used is
 * garbage-collected, the helper thread is ended (see {@link GatherHelper.retire}) and a new one starts on demand.
 *
 * @example
 * const h = GatherHelper.get(); // null where there is no helper
 */
export class GatherHelper {
  private static instance: GatherHelper | null | undefined;
  private nextId = 1;
  private seq = 0;
  private readonly registry: FinalizationRegistry<number>;

  private readonly ids = new WeakMap<WebAssembly.Memory, number>();

  private retired = false;

  private constructor(
    private readonly port: { postMessage(m: unknown): void },
    private readonly ctl: Int32Array,
    private readonly alive: () => boolean,
    private readonly terminate: () => Promise<number>,
  ) {
    this.registry = new FinalizationRegistry(() => this.retire());
  }

  /** The process's helper, started on the first call; null where it is off or impossible. */
  static get(): GatherHelper | null {
    if (GatherHelper.instance !== undefined) {
      // A helper whose thread failed (an error, or it exited) is not replaced: lookups run on this thread.
      if (GatherHelper.instance && !GatherHelper.instance.alive()) GatherHelper.instance = null;
      return GatherHelper.instance;
    }
    GatherHelper.instance = null;
    if (process.env.TPU_EMBEDDINGS_HELPER === '0' || typeof SharedArrayBuffer === 'undefined') return null;
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    if (cores < 2) return null;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Worker, MessageChannel } = require('node:worker_threads') as typeof import('node:worker_threads');
      const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_INTS));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { ctl, port: port2, wasm: WASM_BASE64 }, transferList: [port2] });
      worker.unref();
      port1.unref();
      let ok = true;
      worker.on('error', () => (ok = false));
      worker.on('exit', () => (ok = false));
      GatherHelper.instance = new GatherHelper(port1, ctl, () => ok, () => worker.terminate());
    } catch {
      GatherHelper.instance = null;
    }
    return GatherHelper.instance;
  }

  /**
   * Lets the helper run kernels on `memory` (once per memory); when `owner` is garbage-collected, the helper retires
   * so that the memory can be freed.
   */
  register(memory: WebAssembly.Memory, owner: object): number {
    let id = this.ids.get(memory);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(memory, id);
      this.port.postMessage({ id, memory });
      this.registry.register(owner, id);
    }
    return id;
  }

  /** Starts `job` on memory `memoryId` (after {@link wait}ing for the previous job). */
  start(memoryId: number, job: GatherJob): void {
    this.wait();
    const c = this.ctl;
    const r = job.route;
    c[KIND] = KIND_COMBINE;
    c[MEM] = memoryId;
    c[IDS] = job.idsPtr;
    c[SCALES] = job.scalesPtr;
    c[SPLITS] = job.splitsPtr;
    c[SAMPLES] = job.samples;
    c[MODE] = r.mode;
    c[SHARDS] = r.N;
    c[ROT] = r.rot;
    c[RPS] = r.rps;
    c[Q] = r.q;
    c[EXTRAS] = r.extras;
    c[ROW_BYTES] = job.rowBytes;
    c[OUT] = job.outPtr;
    this.seq = Atomics.add(c, SEQ, 1) + 1;
    Atomics.notify(c, SEQ);
  }

  /**
   * Waits until the helper has finished the last job started.
   * @returns false when it did not finish (the helper died or took over 10 s): then do its part on this thread.
   */
  wait(): boolean {
    const c = this.ctl;
    const deadline = performance.now() + 10_000;
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done === this.seq) return Atomics.load(c, FAILED) !== this.seq;
      if (!this.alive() || performance.now() > deadline) return false;
      Atomics.wait(c, DONE, done, 50);
    }
  }

  /** Jobs the helper has finished (for tests and benchmarks: it did run). */
  get jobsDone(): number {
    return Atomics.load(this.ctl, DONE);
  }

  /**
   * Retires this helper when a table it has used is garbage-collected: V8 frees a shared memory only when every
   * thread that instantiated a module on it has let go, and an instance in the helper's thread is only let go when
   * the thread ends (measured: deleting it and collecting that thread's heap frees nothing). So the thread is
   * terminated, and the next large lookup starts a fresh helper (about 40 ms) and registers the tables still in
   * use. Finalizers run between tasks, never inside a lookup.
   */
  private retire(): void {
    if (this.retired) return;
    this.retired = true;
    if (GatherHelper.instance === this) GatherHelper.instance = undefined;
    this.wait(); // a job of a lookup that threw may still be running
    void this.terminate();
  }
}

// Control block layout (Int32 indices).
const SEQ = 0, DONE = 1, FAILED = 2, KIND = 3, MEM = 4, IDS = 5, SCALES = 6, SPLITS = 7, SAMPLES = 8, MODE = 9, SHARDS = 10, ROT = 11, RPS = 12, Q = 13, EXTRAS = 14, ROW_BYTES = 15, OUT = 16;
const CTL_INTS = 32;
const KIND_COMBINE = 1;

/** The helper's code (CommonJS, run with `eval: true`); the indices above are inlined by value. */
const HELPER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const c = workerData.ctl;
const port = workerData.port;
const mod = new WebAssembly.Module(Buffer.from(workerData.wasm, 'base64'));
const kernels = new Map();
let seen = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  for (let m; (m = receiveMessageOnPort(port)); ) {
    const d = m.message;
    kernels.set(d.id, new WebAssembly.Instance(mod, { env: { memory: d.memory } }).exports);
  }
  try {
    const k = kernels.get(c[${MEM}]);
    if (c[${KIND}] !== ${KIND_COMBINE} || !k) throw new Error('no such job');
    k.combineIds(c[${IDS}], c[${SCALES}], c[${SPLITS}], c[${SAMPLES}], c[${MODE}], c[${SHARDS}], c[${ROT}], c[${RPS}], c[${Q}], c[${EXTRAS}], c[${ROW_BYTES}], c[${OUT}]);
  } catch {
    Atomics.store(c, ${FAILED}, seen);
  }
  Atomics.store(c, ${DONE}, seen);
  Atomics.notify(c, ${DONE});
}
`;
