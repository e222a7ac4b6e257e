/**
 * Dynamic-vocabulary benchmark: the id map of a `storage: 'dynamic'` table (`DynamicIdMap`) on a stream of 64-bit ids
 * drawn from 1e9 possible values (Zipf, s = 1.05, ranks scrambled into arbitrary 64-bit ids) under a 1e7-row budget,
 * 65,536 ids per batch. Per case (LRU / LFU × admitAfter 1 / 3), each in its own child process so that peak memory
 * does not mix: hit, admission, rejection and eviction rates (per id occurrence; evictions per id), rows in use, ids
 * per second of `map()` alone (the stream is generated outside the timed part) and the child's peak RSS.
 * The Zipf draw is the continuous inverse CDF of x^−s on [1, K + 1), floored (a close approximation of discrete Zipf).
 *
 * Usage: `npm run bench -- dynamic-vocab` or `npx tsx bench/dynamic-vocab.ts [--quick] [--steps=N]`.
 * Full: 1,500 batches per case (98M ids). `--quick`: 1e7 possible ids, a 1e5-row budget, 16,384 ids per batch, 40 batches.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamicIdMap } from '../src/kernels/dynamic-id-map';
import type { Eviction } from '../src/kernels/eviction-heap';
import { Random } from '../src/random';
import { machineLoad, type MachineLoad } from './machine-load';

/** One case's figures. */
export interface DynamicVocabRow {
  readonly eviction: Eviction;
  readonly admitAfter: number;
  readonly possibleIds: number;
  readonly rowBudget: number;
  readonly idsPerBatch: number;
  readonly batches: number;
  readonly ids: number;
  /** Fractions of id occurrences. */
  readonly hitRate: number;
  readonly admittedRate: number;
  readonly rejectedRate: number;
  /** Rows created / evicted per id occurrence. */
  readonly admissionsPerId: number;
  readonly evictionsPerId: number;
  /** Hit rate over the last quarter of the batches (steady state). */
  readonly hitRateLastQuarter: number;
  readonly rowsInUse: number;
  /** Ids per second of wall time in `map()` (the machine's load slows it), and per second of this process's CPU time. */
  readonly idsPerSecond: number;
  readonly idsPerCpuSecond: number;
  readonly peakRssBytes: number;
}

/**
 * The id index alone, typed arrays against a JavaScript `Map<bigint, number>`: `ids` distinct ids inserted in batches
 * of 65,536 (every id new), then looked up again (every id a hit); each in its own child process.
 */
export interface IdIndexRow {
  readonly impl: 'DynamicIdMap' | 'Map<bigint, number>';
  readonly ids: number;
  readonly insertMs: number;
  readonly lookupMs: number;
  /** Peak RSS of the child minus its RSS before the index was built. */
  readonly indexBytes: number;
}

/** `bench/results/dynamic-vocab.json`. */
export interface DynamicVocabResult {
  readonly date: string;
  readonly node: string;
  readonly zipfExponent: number;
  readonly loadBefore: MachineLoad;
  readonly loadAfter: MachineLoad;
  readonly rows: readonly DynamicVocabRow[];
  readonly index: readonly IdIndexRow[];
}

const ZIPF_S = 1.05;

interface CaseSpec {
  eviction: Eviction;
  admitAfter: number;
  possibleIds: number;
  rowBudget: number;
  idsPerBatch: number;
  batches: number;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Fills `out` with Zipf(s) ranks in [0, K), scrambled into distinct 64-bit ids (lo = fmix32(rank) is a bijection). */
function zipfBatch(rng: Random, K: number, out: BigInt64Array): void {
  const w = new Int32Array(out.buffer, out.byteOffset, 2 * out.length);
  const a = 1 - ZIPF_S;
  const top = Math.pow(K + 1, a) - 1;
  for (let i = 0; i < out.length; i++) {
    const x = Math.pow(top * rng.float() + 1, 1 / a);
    const rank = Math.min(K - 1, Math.floor(x) - 1);
    w[2 * i] = fmix32(rank) | 0;
    w[2 * i + 1] = fmix32((rank ^ 0x5bd1e995) >>> 0) | 0;
  }
}

/** Builds and probes one id index in this process (see {@link IdIndexRow}). */
function runIndexCase(impl: IdIndexRow['impl'], n: number): IdIndexRow {
  const B = 65_536;
  const batch = new BigInt64Array(B);
  const w = new Int32Array(batch.buffer);
  const fill = (start: number, len: number): BigInt64Array => {
    for (let i = 0; i < len; i++) {
      w[2 * i] = fmix32(start + i) | 0;
      w[2 * i + 1] = fmix32(((start + i) ^ 0x5bd1e995) >>> 0) | 0;
    }
    return batch.subarray(0, len);
  };
  const rss0 = process.memoryUsage().rss;
  let sink = 0;
  const run = (pass: (ids: BigInt64Array) => void): number => {
    const t0 = performance.now();
    for (let s = 0; s < n; s += B) pass(fill(s, Math.min(B, n - s)));
    return Math.round(performance.now() - t0);
  };
  let insertMs: number;
  let lookupMs: number;
  if (impl === 'DynamicIdMap') {
    const m = new DynamicIdMap({ rowBudget: n });
    insertMs = run((ids) => {
      m.map(ids);
      m.commit();
    });
    lookupMs = run((ids) => {
      sink += m.map(ids).rows[0];
      m.commit();
    });
  } else {
    const m = new Map<bigint, number>();
    insertMs = run((ids) => {
      for (let i = 0; i < ids.length; i++) m.set(ids[i], m.size);
    });
    lookupMs = run((ids) => {
      for (let i = 0; i < ids.length; i++) sink += m.get(ids[i])!;
    });
  }
  if (sink < 0) console.error(sink);
  return { impl, ids: n, insertMs, lookupMs, indexBytes: process.resourceUsage().maxRSS * 1024 - rss0 };
}

/** Runs one case in this process. */
function runCase(spec: CaseSpec): DynamicVocabRow {
  const map = new DynamicIdMap({ rowBudget: spec.rowBudget, admitAfter: spec.admitAfter, eviction: spec.eviction });
  const rng = new Random(1);
  const batch = new BigInt64Array(spec.idsPerBatch);
  let ms = 0;
  let cpuUs = 0;
  let lastQuarterIds = 0;
  let lastQuarterHits = 0;
  for (let b = 0; b < spec.batches; b++) {
    zipfBatch(rng, spec.possibleIds, batch);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = map.map(batch);
    map.commit();
    const c = process.cpuUsage(c0);
    cpuUs += c.user + c.system;
    ms += performance.now() - t0;
    if (b >= (3 * spec.batches) / 4) {
      lastQuarterIds += r.stats.ids;
      lastQuarterHits += r.stats.hits;
    }
  }
  const t = map.totals;
  const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
  return {
    ...spec,
    ids: t.ids,
    hitRate: r4(t.hits / t.ids),
    admittedRate: r4(t.admittedIds / t.ids),
    rejectedRate: r4(t.rejectedIds / t.ids),
    admissionsPerId: r4(t.admissions / t.ids),
    evictionsPerId: r4(t.evictions / t.ids),
    hitRateLastQuarter: r4(lastQuarterHits / lastQuarterIds),
    rowsInUse: map.size,
    idsPerSecond: Math.round(t.ids / (ms / 1000)),
    idsPerCpuSecond: Math.round(t.ids / (cpuUs / 1e6)),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/**
 * Runs every case, each in a child process; writes `bench/results/dynamic-vocab[.quick].json` unless `write` is false.
 * @param options `quick` (small sizes), `steps` (batches per case), `write`.
 * @returns the result (also printed by the suite runner).
 */
export async function runDynamicVocabBench(options: { quick?: boolean; steps?: number; write?: boolean } = {}): Promise<DynamicVocabResult> {
  const quick = options.quick ?? false;
  const base = quick
    ? { possibleIds: 1e7, rowBudget: 1e5, idsPerBatch: 16_384, batches: options.steps ?? 40 }
    : { possibleIds: 1e9, rowBudget: 1e7, idsPerBatch: 65_536, batches: options.steps ?? 1500 };
  const loadBefore = machineLoad();
  const rows: DynamicVocabRow[] = [];
  for (const admitAfter of [1, 3]) {
    for (const eviction of ['lru', 'lfu'] as const) {
      const spec: CaseSpec = { eviction, admitAfter, ...base };
      const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, `--case=${JSON.stringify(spec)}`], { encoding: 'utf8', maxBuffer: 1 << 20 });
      rows.push(JSON.parse(out.trim().split('\n').pop()!) as DynamicVocabRow);
    }
  }
  const index: IdIndexRow[] = [];
  for (const impl of ['DynamicIdMap', 'Map<bigint, number>'] as const) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, `--index=${JSON.stringify({ impl, n: quick ? 1e6 : 1e7 })}`], { encoding: 'utf8', maxBuffer: 1 << 20 });
    index.push(JSON.parse(out.trim().split('\n').pop()!) as IdIndexRow);
  }
  const result: DynamicVocabResult = { date: new Date().toISOString(), node: process.version, zipfExponent: ZIPF_S, loadBefore, loadAfter: machineLoad(), rows, index };
  if (options.write ?? true) {
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, quick ? 'dynamic-vocab.quick.json' : 'dynamic-vocab.json'), JSON.stringify(result, null, 2) + '\n');
  }
  return result;
}

if (require.main === module) {
  const caseArg = process.argv.find((a) => a.startsWith('--case='));
  const indexArg = process.argv.find((a) => a.startsWith('--index='));
  if (indexArg) {
    const { impl, n } = JSON.parse(indexArg.slice('--index='.length)) as { impl: IdIndexRow['impl']; n: number };
    console.log(JSON.stringify(runIndexCase(impl, n)));
  } else if (caseArg) {
    console.log(JSON.stringify(runCase(JSON.parse(caseArg.slice('--case='.length)) as CaseSpec)));
  } else {
    const steps = process.argv.find((a) => a.startsWith('--steps='));
    void runDynamicVocabBench({ quick: process.argv.includes('--quick'), steps: steps ? Number(steps.slice(8)) : undefined }).then((r) => {
      console.log(`load before ${r.loadBefore.loadavg1} / ${r.loadBefore.cores} cores, after ${r.loadAfter.loadavg1}`);
      console.table(r.rows.map((x) => ({ ...x, peakRssMB: Math.round(x.peakRssBytes / 2 ** 20) })));
      console.table(r.index.map((x) => ({ ...x, indexMB: Math.round(x.indexBytes / 2 ** 20) })));
    });
  }
}
