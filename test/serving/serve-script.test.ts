import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { fileSystemIO } from '../../src/checkpoint';
import { startServeChild } from './serve-child';

const SCRIPT = path.resolve(__dirname, '../../scripts/serve.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'serve-script-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let want: number;
before(async () => {
  await chooseBackend();
  const ids = tf.input({ shape: [1], dtype: 'int32', name: 'movie_id' });
  const e = tf.layers.flatten().apply(tf.layers.embedding({ inputDim: 20, outputDim: 2, embeddingsInitializer: tf.initializers.constant({ value: 0.25 }) }).apply(ids)) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' }).apply(e) as tf.SymbolicTensor;
  const model = tf.model({ inputs: ids, outputs: out });
  await model.save(fileSystemIO(dir));
  want = 0.5; // every id embeds to [0.25, 0.25]; a ones kernel sums them
  model.dispose();
});

describe('scripts/serve.ts', () => {
  it('serves an export directory on the port asked (with --version and --version-labels), answers predict, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, dir, '--port', '0', '--name', 'm', '--version', '7', '--version-labels', 'stable,canary'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /at (http:\/\/127\.0\.0\.1:\d+)\/v1\/models\/m/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
      });
      const res = await fetch(`${url}/v1/models/m:predict`, { method: 'POST', body: '{"instances": [3, 19]}' });
      assert.deepEqual(await res.json(), { predictions: [[want], [want]] });
      const bad = await fetch(`${url}/v1/models/m:predict`, { method: 'POST', body: '{"instances": [20]}' });
      assert.equal(bad.status, 400);
      for (const p of ['/v1/models/m/versions/7:predict', '/v1/models/m/labels/stable:predict', '/v1/models/m/labels/canary:predict']) {
        const r = await fetch(`${url}${p}`, { method: 'POST', body: '{"instances": [3]}' });
        assert.deepEqual([p, r.status, await r.json()], [p, 200, { predictions: [[want]] }]);
      }
      const unlabelled = await fetch(`${url}/v1/models/m/labels/beta:predict`, { method: 'POST', body: '{"instances": [3]}' });
      assert.equal(unlabelled.status, 400);
      assert.match((await unlabelled.json()).error, /Unrecognized servable version label: beta; this server's labels are stable, canary/);
      assert.equal((await fetch(`${url}/v1/models/m/versions/1`)).status, 404);
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      assert.equal(code, 0);
    } finally {
      clearTimeout(guard);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits within a few seconds on SIGTERM while a half-sent request and an idle keep-alive connection are open', async () => {
    const server = await startServeChild(dir, ['--name', 'm', '--close-grace-ms', '1000'], 30_000);
    try {
      const open = (text: string) =>
        new Promise<{ socket: net.Socket; closed: Promise<string> }>((resolve) => {
          const socket = net.connect(server.port, '127.0.0.1', () => {
            socket.write(text);
            resolve({ socket, closed: new Promise((r) => socket.on('close', () => r(received))) });
          });
          let received = '';
          socket.on('data', (d) => (received += d));
          socket.on('error', () => undefined);
        });
      // A request whose body never finishes, one whose headers never finish, and an idle keep-alive connection.
      const halfBody = await open('POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"instances": [1,');
      const halfHeaders = await open('GET /v1/models/m HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      const idle = await open('GET /v1/models/m HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      server.child.kill('SIGTERM');
      const code = await server.exited;
      const exitMs = Date.now() - t0;
      assert.equal(code, 0);
      assert.ok(exitMs < 3000, `exited ${exitMs} ms after SIGTERM`);
      console.log(`serve.ts exited ${exitMs} ms after SIGTERM with a half-sent body, half-sent headers and an idle connection open`);
      for (const c of [halfBody, halfHeaders, idle]) await c.closed;
      assert.match(await idle.closed, /^HTTP\/1\.1 200 OK/);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });

  it('explains its usage when the directory is missing', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(err, /expected one export directory, but got 0\. usage: npm run serve -- <export dir>/);
  });
});
