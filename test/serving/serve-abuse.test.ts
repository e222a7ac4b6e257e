// test-alone: status GET latency bounds (p99 < 100 ms) under load
// Responsiveness and abuse of the real server (`scripts/serve.ts` as a child process on 127.0.0.1), issue 11 item 10
// and its acceptance test. Latency is measured from this process, so a blocked server event loop shows up.
import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { fileSystemIO } from '../../src/checkpoint';
import { MODEL_SERVER_DEFAULTS } from '../../src/serving';
import { MOVIES, PREDICT, STATUS, USERS, abandon, rows } from './abuse-client';
import { rssBytes, startServeChild, type ServeChild } from './serve-child';

const CLIENT = path.resolve(__dirname, 'abuse-client.ts');

const dir = mkdtempSync(path.join(tmpdir(), 'serve-abuse-'));

/** The tutorial's serving model shape (MovieLens 100K vocabularies, dim 32, Dense 256 → 64 → 1), random weights. */
function tutorialShapedModel(): tf.LayersModel {
  const user = tf.input({ shape: [1], dtype: 'int32', name: 'user_id' });
  const movie = tf.input({ shape: [1], dtype: 'int32', name: 'movie_id' });
  const embed = (x: tf.SymbolicTensor, inputDim: number, name: string) => tf.layers.flatten().apply(tf.layers.embedding({ inputDim, outputDim: 32, name }).apply(x)) as tf.SymbolicTensor;
  let h = tf.layers.concatenate().apply([embed(user, USERS, 'user_embedding'), embed(movie, MOVIES, 'movie_embedding')]) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 256, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 64, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [user, movie], outputs: tf.layers.dense({ units: 1, name: 'rating' }).apply(h) as tf.SymbolicTensor });
}
/** The largest predict the server accepts by default: maxInstancesPerRequest examples (≈ 300 KB in row format). */
const MAXIMAL = rows(MODEL_SERVER_DEFAULTS.maxInstancesPerRequest);

let server: ServeChild;
before(async () => {
  await chooseBackend();
  const model = tutorialShapedModel();
  await model.save(fileSystemIO(dir));
  model.dispose();
  server = await startServeChild(dir, [], 120_000);
});
after(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One status GET; its latency in ms (rejects if it takes more than 5 s). */
async function statusLatency(): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}${STATUS}`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  return performance.now() - t0;
}

const p = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

describe('npm run serve under load', () => {
  it('answers status GETs in < 100 ms (p99) while maximal predicts run', async () => {
    // Warm-up (first-call compilation), then maximal predicts back to back with status GETs polled meanwhile, until
    // 100 GETs were timed. p99, not max: on a shared 2-core machine a GET to an idle server can take 100+ ms.
    assert.equal((await fetch(`${server.url}${PREDICT}`, { method: 'POST', body: MAXIMAL })).status, 200);
    const latencies: number[] = [];
    for (let round = 0; round < 10 && latencies.length < 100; round++) {
      let done = false;
      const predict = fetch(`${server.url}${PREDICT}`, { method: 'POST', body: MAXIMAL }).then(async (res) => {
        const json = (await res.json()) as { predictions: number[][] };
        done = true;
        return [res.status, json.predictions.length];
      });
      while (!done) {
        latencies.push(await statusLatency());
        await sleep(5);
      }
      assert.deepEqual(await predict, [200, MODEL_SERVER_DEFAULTS.maxInstancesPerRequest]);
    }
    latencies.sort((a, b) => a - b);
    assert.ok(latencies.length >= 100, `only ${latencies.length} status GETs during 10 maximal predicts`);
    const summary = `${latencies.length} GETs: p50 ${p(latencies, 0.5).toFixed(1)} ms, p99 ${p(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`;
    assert.ok(p(latencies, 0.99) < 100, summary);
    console.log(`status GET during maximal predicts: ${summary}`);
  });

  it('stays responsive after 30 abandoned maximal predicts (their work stops)', async () => {
    await Promise.all(Array.from({ length: 30 }, () => abandon(server.port, MAXIMAL, 50)));
    // The server reads what was already sent, then drops the work (before: 30 × a maximal batch, many seconds).
    await sleep(300);
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      latencies.push(await statusLatency());
      await sleep(10);
    }
    latencies.sort((a, b) => a - b);
    assert.ok(p(latencies, 0.95) < 100 && latencies.at(-1)! < 1000, `status GET latencies after abandoning: ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
  });

  it('abuse (≤ 20 s): good, maximal, abandoned and malformed requests: no 5xx, status GET p99 < 100 ms, RSS flat', async () => {
    /** Runs the load process for `ms` while this process polls the status every 20 ms; returns its answer counts. */
    const phase = async (ms: number, latencies: number[]): Promise<Record<string, number>> => {
      // At a lower CPU priority: real clients do not share the server's 2 cores; here they must not starve it.
      const client = spawn('nice', ['-n', '10', process.execPath, '--import', 'tsx', CLIENT, server.url, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const guard = setTimeout(() => client.kill('SIGKILL'), ms + 15_000);
      let out = '';
      client.stdout.on('data', (d) => (out += d));
      let running = true;
      const exited = new Promise<number | null>((resolve) => client.on('exit', (code) => resolve(code)));
      void exited.then(() => (running = false));
      while (running) {
        latencies.push(await statusLatency());
        await sleep(20);
      }
      clearTimeout(guard);
      assert.equal(await exited, 0);
      return (JSON.parse(out) as { statuses: Record<string, number> }).statuses;
    };

    await phase(4000, []); // warm-up: JIT, tfjs and the allocator reach their working size
    // A leak grows with the work done; the wasm heap and malloc arenas grow to the peak of concurrent requests once
    // and stay (wasm memory never shrinks). So the bound is on the second of two equal abuse phases: a fresh CI
    // machine once showed 71 MB in a single 10-s phase after the warm-up, which a plateau check tells apart from a leak.
    const rss = [rssBytes(server.child.pid!)];
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    for (let round = 0; round < 2; round++) {
      for (const [code, n] of Object.entries(await phase(7000, latencies))) statuses[code] = (statuses[code] ?? 0) + n;
      rss.push(rssBytes(server.child.pid!));
    }
    const [firstPhaseMb, rssGrowthMb] = [rss[1] - rss[0], rss[2] - rss[1]].map((b) => b / 2 ** 20);

    const codes = Object.keys(statuses);
    assert.deepEqual(codes.filter((s) => !/^[1-4]\d\d$/.test(s)), [], `answers: ${JSON.stringify(statuses)}`);
    for (const s of ['200', '400']) assert.ok(codes.includes(s), `no ${s} among ${JSON.stringify(statuses)}`);
    latencies.sort((a, b) => a - b);
    assert.ok(latencies.length > 100, `${latencies.length} status GETs`);
    assert.ok(p(latencies, 0.99) < 100, `status GET p99 ${p(latencies, 0.99).toFixed(1)} ms (p50 ${p(latencies, 0.5).toFixed(1)}, max ${latencies.at(-1)!.toFixed(1)})`);
    // Bound: < 40 MB of RSS growth over the second 7 s of abuse (bodies are ≤ 1 MiB, at most 8 computed at once).
    assert.ok(rssGrowthMb < 40, `RSS grew ${rssGrowthMb.toFixed(1)} MB in the second abuse phase (${firstPhaseMb.toFixed(1)} MB in the first)`);
    assert.doesNotMatch(server.stderr(), /\n\s+at /, 'no stack trace in the log');
    console.log(`abuse: answers ${JSON.stringify(statuses)}, status GET p50 ${p(latencies, 0.5).toFixed(1)} ms p99 ${p(latencies, 0.99).toFixed(1)} ms max ${latencies.at(-1)!.toFixed(1)} ms (${latencies.length}), RSS growth ${firstPhaseMb.toFixed(1)} MB then ${rssGrowthMb.toFixed(1)} MB`);
  });
});
