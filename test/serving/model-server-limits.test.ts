// test-alone: server timeouts and close times measured in ms
// Limits, client errors and timeouts of startModelServer (issue 11, items 10–12), on a real server on 127.0.0.1.
import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { MODEL_SERVER_DEFAULTS, parsePredictRequest, startModelServer, type ModelServer } from '../../src/serving';

/** Two int32 id inputs → embeddings → Dense(1): small, so each example is cheap. */
function buildModel(): tf.LayersModel {
  const user = tf.input({ shape: [1], dtype: 'int32', name: 'user_id' });
  const movie = tf.input({ shape: [1], dtype: 'int32', name: 'movie_id' });
  const embed = (x: tf.SymbolicTensor, inputDim: number) => tf.layers.flatten().apply(tf.layers.embedding({ inputDim, outputDim: 4 }).apply(x)) as tf.SymbolicTensor;
  const x = tf.layers.concatenate().apply([embed(user, 100), embed(movie, 100)]) as tf.SymbolicTensor;
  return tf.model({ inputs: [user, movie], outputs: tf.layers.dense({ units: 1 }).apply(x) as tf.SymbolicTensor });
}
const rows = (n: number) => JSON.stringify({ instances: Array.from({ length: n }, (_, i) => ({ user_id: i % 100, movie_id: (7 * i) % 100 })) });

let model: tf.LayersModel;
let server: ModelServer;
const logs: string[] = [];
let releaseHold: () => void = () => undefined;

before(async () => {
  await chooseBackend();
  model = buildModel();
  server = await startModelServer({
    model,
    name: 'm',
    maxInstancesPerRequest: 50,
    maxConcurrentRequests: 1,
    retryAfterSeconds: 3,
    log: (line) => logs.push(line),
    routes: {
      // Holds its slot until the test releases it.
      hold: () => new Promise((resolve) => (releaseHold = () => resolve({ held: true }))),
      chunked: async ({ body, signature, predictAsync }) => ({ n: (await predictAsync(parsePredictRequest(body, signature)))[0].length }),
      sync_predict: ({ body, signature, predict }) => ({ n: predict(parsePredictRequest(body, signature))[0].length }),
    },
  });
});
after(async () => {
  await server?.close();
  model?.dispose();
});

async function call(method: string, path: string, body?: string) {
  const res = await fetch(`${server.url}${path}`, { method, body });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { error?: string } & Record<string, unknown> };
}

/** Sends raw bytes on a new connection and collects everything until the server closes it (or `waitMs` passes). */
function raw(port: number, send: (socket: net.Socket) => void, waitMs: number): Promise<{ text: string; closedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket: net.Socket = net.connect(port, '127.0.0.1', () => send(socket));
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: null });
    }, waitMs);
    socket.on('data', (d: Buffer) => (text += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - t0 });
    });
  });
}

describe('startModelServer: client errors are 4xx, never 500, and are not logged', () => {
  it('answers 400 for JSON nested 10,000 and 200,000 deep, without echoing the input', async () => {
    for (const depth of [10_000, 200_000]) {
      for (const body of ['['.repeat(depth) + ']'.repeat(depth), `{"instances": ${'['.repeat(depth)}${']'.repeat(depth)}}`]) {
        const { status, json } = await call('POST', '/v1/models/m:predict', body);
        assert.equal(status, 400, `depth ${depth}`);
        assert.match(json.error!, /nested more than 32 levels deep \(maxJsonDepth\)/);
        assert.ok(!json.error!.includes('[['), 'the message does not echo the input');
      }
    }
    // A legitimate body well within the depth limit still works.
    assert.equal((await call('POST', '/v1/models/m:predict', '{"instances": [{"user_id": [1], "movie_id": [2]}]}')).status, 200);
  });

  it('answers 400 for malformed %-escapes in the URL', async () => {
    for (const path of ['/v1/models/%E0%A4%A:predict', '/v1/models/%:predict', '/v1/models/m%zz', '/v1/models/%C0%80/metadata']) {
      const { status, json } = await call(path.endsWith(':predict') ? 'POST' : 'GET', path, path.endsWith(':predict') ? '{}' : undefined);
      assert.equal(status, 400, path);
      assert.match(json.error!, /malformed %-escape in the URL path; escape '%' as %25/);
    }
  });

  it('answers a wrong method with 400 Malformed request, as TF Serving does (http_rest_api_handler_test.cc UnsupportedApiCalls)', async () => {
    const post = await call('GET', '/v1/models/m:predict');
    assert.equal(post.status, 400);
    assert.match(post.json.error!, /^Malformed request: GET \/v1\/models\/m:predict/);
    for (const path of ['/v1/models/m', '/v1/models/m/metadata']) {
      const get = await call('DELETE', path);
      assert.equal(get.status, 400);
      assert.match(get.json.error!, /^Malformed request: DELETE /);
    }
  });

  it('refused requests above left no log line and no stack trace', () => {
    assert.deepEqual(logs.filter((l) => !l.includes('serving "m"')), []);
  });
});

describe('startModelServer: work limits', () => {
  it('caps instances per request (maxInstancesPerRequest) in both formats, for :predict and for custom routes', async () => {
    assert.equal(MODEL_SERVER_DEFAULTS.maxInstancesPerRequest, 10_000);
    assert.equal((await call('POST', '/v1/models/m:predict', rows(50))).status, 200);
    const over = await call('POST', '/v1/models/m:predict', rows(51));
    assert.equal(over.status, 400);
    assert.match(over.json.error!, /"instances" holds 51 examples, more than the limit of 50 per request \(maxInstancesPerRequest\); split the batch/);
    const cols = await call('POST', '/v1/models/m:predict', JSON.stringify({ inputs: { user_id: Array(60).fill(1), movie_id: Array(60).fill(2) } }));
    assert.equal(cols.status, 400);
    assert.match(cols.json.error!, /inputs\.user_id holds 60 examples/);
    for (const verb of ['chunked', 'sync_predict']) {
      assert.deepEqual((await call('POST', `/v1/models/m:${verb}`, rows(50))).json, { n: 50 });
      const r = await call('POST', `/v1/models/m:${verb}`, rows(51));
      assert.equal(r.status, 400, verb);
      assert.match(r.json.error!, /51 examples, more than the limit of 50 per request/);
    }
  });

  it('answers 429 with Retry-After when maxConcurrentRequests POSTs are being computed; GETs still answer', async () => {
    const held = fetch(`${server.url}/v1/models/m:hold`, { method: 'POST', body: '{}' });
    // Wait until the hold route has its slot.
    for (let i = 0; i < 100; i++) {
      const r = await call('POST', '/v1/models/m:predict', rows(1));
      if (r.status === 429) {
        assert.equal(r.headers.get('retry-after'), '3');
        assert.match(r.json.error!, /the server is busy: 1 requests are being computed \(maxConcurrentRequests = 1\); retry after 3 s/);
        break;
      }
      assert.ok(i < 99, 'never saturated');
      await new Promise((res) => setTimeout(res, 10));
    }
    assert.equal((await call('GET', '/v1/models/m')).status, 200);
    releaseHold();
    assert.deepEqual(await (await held).json(), { held: true });
    assert.equal((await call('POST', '/v1/models/m:predict', rows(1))).status, 200);
  });

  it('stops computing for a client that disconnected (its slot frees long before the batch would finish)', async () => {
    const s = await startModelServer({ model, name: 'm', maxConcurrentRequests: 1, predictChunkSize: 1, maxInstancesPerRequest: 100_000 });
    try {
      const body = rows(20_000); // 20,000 chunks of one example: several seconds of work
      const t0 = Date.now();
      await raw(
        s.port,
        (socket) => {
          socket.write(`POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
          setTimeout(() => socket.destroy(), 200);
        },
        1000,
      );
      // While the abandoned batch computed, a predict would get 429; once it stops, 200.
      let status = 0;
      while (Date.now() - t0 < 1500) {
        status = (await fetch(`${s.url}/v1/models/m:predict`, { method: 'POST', body: rows(1) })).status;
        if (status === 200) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      assert.equal(status, 200, 'the slot was freed within 1.5 s');
      // The full batch takes far longer than that: this is what stopping saved.
      const full = Date.now();
      assert.equal((await fetch(`${s.url}/v1/models/m:predict`, { method: 'POST', body })).status, 200);
      assert.ok(Date.now() - full > 1500, `the full batch took ${Date.now() - full} ms`);
    } finally {
      await s.close();
    }
  });

  it('rejects invalid limits and timeouts with the rule and the default', async () => {
    await assert.rejects(startModelServer({ model, maxConcurrentRequests: 0 }), /expected maxConcurrentRequests to be a positive integer, but got 0; leave it out for the default 8/);
    await assert.rejects(startModelServer({ model, predictChunkSize: 2.5 }), /expected predictChunkSize to be a positive integer/);
    await assert.rejects(startModelServer({ model, headersTimeoutMs: 5000, requestTimeoutMs: 1000 }), /headersTimeoutMs \(5000\) to be at most requestTimeoutMs \(1000\)/);
  });
});

describe('startModelServer: timeouts and close()', () => {
  let s: ModelServer;
  before(async () => {
    s = await startModelServer({ model, name: 'm', headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200, closeGraceMs: 500 });
  });
  after(() => s?.close());

  it('answers 408 and closes a connection whose headers do not arrive in headersTimeoutMs', async () => {
    const { text, closedAfterMs } = await raw(s.port, (socket) => socket.write('GET /v1/models/m HTTP/1.1\r\nHost: x\r\n'), 3000);
    assert.match(text, /^HTTP\/1\.1 408 Request Timeout/);
    assert.ok(closedAfterMs !== null && closedAfterMs < 1500, `closed after ${closedAfterMs} ms`);
  });

  it('answers 408 and closes a slow-body client (requestTimeoutMs), and still serves', async () => {
    const { text, closedAfterMs } = await raw(
      s.port,
      (socket) => {
        socket.write('POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"instances"');
        const drip: NodeJS.Timeout = setInterval(() => (socket.writable ? socket.write(' ') : clearInterval(drip)), 100);
        socket.on('close', () => clearInterval(drip));
      },
      3000,
    );
    assert.match(text, /HTTP\/1\.1 408 Request Timeout/);
    assert.ok(closedAfterMs !== null && closedAfterMs < 2000, `closed after ${closedAfterMs} ms`);
    assert.equal((await fetch(`${s.url}/v1/models/m`)).status, 200);
  });

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const { text, closedAfterMs } = await raw(s.port, (socket) => socket.write('GET /v1/models/m HTTP/1.1\r\nHost: x\r\n\r\n'), 3000);
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    assert.ok(closedAfterMs !== null && closedAfterMs < 1500, `closed after ${closedAfterMs} ms`);
  });

  it('close() ends idle and half-sent connections at once, and lets a request being computed answer', async () => {
    const s2 = await startModelServer({ model, name: 'm', closeGraceMs: 1000, routes: { slow: () => new Promise((r) => setTimeout(() => r({ done: true }), 300)) } });
    const half = raw(s2.port, (socket) => socket.write('POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"inst'), 5000);
    const idle = raw(s2.port, (socket) => socket.write('GET /v1/models/m HTTP/1.1\r\nHost: x\r\n\r\n'), 5000);
    const slow = fetch(`${s2.url}/v1/models/m:slow`, { method: 'POST', body: '{}' });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await s2.close();
    const closeMs = Date.now() - t0;
    assert.ok(closeMs < 800, `close() took ${closeMs} ms`);
    const [h, i] = await Promise.all([half, idle]);
    assert.notEqual(h.closedAfterMs, null);
    assert.notEqual(i.closedAfterMs, null);
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('connection'), 'close');
    assert.deepEqual(await answer.json(), { done: true });
  });
});
