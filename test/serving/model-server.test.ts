import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { fileSystemIO } from '../../src/checkpoint';
import { InputError } from '../../src/errors';
import { describeModel, parsePredictRequest, startModelServer, type ModelServer } from '../../src/serving';

const USERS = 300;
const MOVIES = 500;
const dir = mkdtempSync(path.join(tmpdir(), 'serving-test-'));

/** The tutorial's shape in miniature: two named int32 id inputs → embeddings → concat → Dense → Dense(1). */
function buildModel(exampleShape: [] | [1]): tf.LayersModel {
  const user = tf.input({ shape: exampleShape, dtype: 'int32', name: 'user_id' });
  const movie = tf.input({ shape: exampleShape, dtype: 'int32', name: 'movie_id' });
  const embed = (x: tf.SymbolicTensor, inputDim: number, name: string) => {
    const e = tf.layers.embedding({ inputDim, outputDim: 8, name, embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: inputDim }) }).apply(x) as tf.SymbolicTensor;
    return exampleShape.length === 1 ? (tf.layers.flatten().apply(e) as tf.SymbolicTensor) : e;
  };
  const x = tf.layers.concatenate().apply([embed(user, USERS, 'user_embedding'), embed(movie, MOVIES, 'movie_embedding')]) as tf.SymbolicTensor;
  const h = tf.layers.dense({ units: 4, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, name: 'rating', biasInitializer: tf.initializers.constant({ value: 3.5 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [user, movie], outputs: out });
}

let model: tf.LayersModel;
let server: ModelServer;

async function call(method: string, urlPath: string, body?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${urlPath}`, { method, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  return { status: res.status, json: await res.json() };
}
const predictPath = '/v1/models/ranking:predict';

/** model.predict on the same ids, as plain numbers. */
async function expected(users: number[], movies: number[]): Promise<number[]> {
  const xs = [tf.tensor1d(users, 'int32'), tf.tensor1d(movies, 'int32')];
  const y = model.predict(xs) as tf.Tensor;
  const values = Array.from(await y.data());
  tf.dispose([y, ...xs]);
  return values;
}

async function stillServes(): Promise<void> {
  const { status, json } = await call('POST', predictPath, JSON.stringify({ instances: [{ user_id: 30, movie_id: 100 }] }));
  assert.equal(status, 200);
  assert.deepEqual(json.predictions, [await expected([30], [100])]);
}

before(async () => {
  await chooseBackend();
  model = buildModel([1]);
  await model.save(fileSystemIO(path.join(dir, 'export')));
  server = await startModelServer({
    modelDir: path.join(dir, 'export'),
    name: 'ranking',
    maxBodyBytes: 4096,
    routes: {
      echo_batch: ({ body, signature, predict }) => {
        const request = parsePredictRequest(body, signature);
        return { batchSize: request.batchSize, first: predict(request)[0][0] };
      },
    },
  });
});
after(async () => {
  await server?.close();
  model?.dispose();
  server?.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('startModelServer', () => {
  it('binds to 127.0.0.1 on a free port by default', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  });

  it('answers the model status like TF Serving', async () => {
    const { status, json } = await call('GET', '/v1/models/ranking');
    assert.equal(status, 200);
    assert.deepEqual(json, { model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] });
    assert.equal((await call('GET', '/v1/models/ranking/versions/1')).status, 200);
  });

  it('answers metadata with input names, dtypes, shapes and vocabulary sizes found from the Embedding layers', async () => {
    const { status, json } = await call('GET', '/v1/models/ranking/metadata');
    assert.equal(status, 200);
    const sig = json.metadata.signature_def.signature_def.serving_default;
    assert.deepEqual(Object.keys(sig.inputs), ['user_id', 'movie_id']);
    assert.equal(sig.inputs.user_id.dtype, 'DT_INT32');
    assert.deepEqual(sig.inputs.user_id.tensor_shape.dim.map((d: { size: string }) => d.size), ['-1', '1']);
    assert.deepEqual(sig.outputs.rating.tensor_shape.dim.map((d: { size: string }) => d.size), ['-1', '1']);
    assert.deepEqual(json.metadata.vocabulary_sizes, { user_id: USERS, movie_id: MOVIES });
    assert.equal(json.model_spec.name, 'ranking');
  });

  it('predicts in row format like model.predict, one [rating] per instance', async () => {
    const users = [30, 0, 299, 7];
    const movies = [100, 499, 0, 7];
    const body = { instances: users.map((u, i) => ({ user_id: u, movie_id: movies[i] })) };
    const { status, json } = await call('POST', predictPath, JSON.stringify(body));
    assert.equal(status, 200);
    const want = await expected(users, movies);
    assert.deepEqual(json.predictions, want.map((v) => [v]));
    // [x] is accepted for an input of per-example shape [1], and /versions/1 routes the same way.
    const alt = await call('POST', '/v1/models/ranking/versions/1:predict', JSON.stringify({ instances: [{ user_id: [30], movie_id: [100] }], signature_name: 'serving_default' }));
    assert.deepEqual(alt.json.predictions, [[want[0]]]);
  });

  it('predicts in columnar format, answering {"outputs": ...}', async () => {
    const { status, json } = await call('POST', predictPath, JSON.stringify({ inputs: { movie_id: [100, 5], user_id: [30, 6] } }));
    assert.equal(status, 200);
    assert.deepEqual(json, { outputs: (await expected([30, 6], [100, 5])).map((v) => [v]) });
  });

  const BAD: Array<[string, string, RegExp]> = [
    ['malformed JSON', '{"instances": [', /malformed JSON body/],
    ['NaN (not JSON)', '{"instances": [{"user_id": NaN, "movie_id": 1}]}', /malformed JSON body/],
    ['empty body', '', /body is empty/],
    ['a list body', '[1, 2]', /expected the body to be a JSON object .* but got \[1,2\]/],
    ['neither instances nor inputs (other keys are ignored)', '{"data": []}', /missing "instances" \(row format\) or "inputs"/],
    ['a non-string signature_name', '{"signature_name": 100, "instances": [{"user_id": 1, "movie_id": 1}]}', /'signature_name' key must be a string value/],
    ['no fields', '{}', /missing "instances" \(row format\) or "inputs" \(columnar format\); the model's inputs are user_id, movie_id/],
    ['both formats', '{"instances": [], "inputs": {}}', /one of "instances" or "inputs", but got both/],
    ['empty instances', '{"instances": []}', /"instances" to be a non-empty list/],
    ['missing field', '{"instances": [{"user_id": 30}]}', /instances\[0\] is missing input "movie_id"/],
    ['unknown input', '{"instances": [{"user_id": 30, "movie_id": 1, "userid": 2}]}', /instances\[0\] has unknown input "userid"; the model's inputs are user_id, movie_id/],
    ['string id', '{"instances": [{"user_id": "30", "movie_id": 100}]}', /expected instances\[0\]\.user_id to be an integer id, but got the string "30"/],
    ['non-integer id', '{"instances": [{"user_id": 30.5, "movie_id": 100}]}', /instances\[0\]\.user_id to be an integer id, but got number 30\.5/],
    ['null id', '{"instances": [{"user_id": null, "movie_id": 100}]}', /integer id, but got null/],
    ['boolean id', '{"inputs": {"user_id": [true], "movie_id": [1]}}', /inputs\.user_id\[0\] to be an integer id, but got boolean true/],
    ['id = vocabulary size', '{"instances": [{"user_id": 300, "movie_id": 100}]}', /id 300 at instances\[0\]\.user_id is out of range: expected an integer in \[0, 300\) \(the vocabulary size of "user_id"\)/],
    ['negative id', '{"inputs": {"user_id": [1, 2], "movie_id": [3, -1]}}', /id -1 at inputs\.movie_id\[1\] is out of range/],
    ['huge id', '{"instances": [{"user_id": 1e300, "movie_id": 100}]}', /id 1e\+300 .* out of range/],
    ['wrong example shape', '{"instances": [{"user_id": [1, 2], "movie_id": 100}]}', /instances\[0\]\.user_id to be a list of shape \[1\]/],
    ['ragged columns', '{"inputs": {"user_id": [1, 2], "movie_id": [3]}}', /same batch size, but inputs\.movie_id has 1 values and the first input has 2/],
    ['instance not an object', '{"instances": [30]}', /instances\[0\] to be an object with "user_id", "movie_id", but got number 30/],
    ['wrong signature', '{"signature_name": "predict_v2", "instances": [{"user_id": 1, "movie_id": 1}]}', /unknown signature_name the string "predict_v2"/],
  ];
  for (const [kind, body, message] of BAD) {
    it(`answers 400 with a message for ${kind}, then keeps serving`, async () => {
      const { status, json } = await call('POST', predictPath, body);
      assert.equal(status, 400);
      assert.deepEqual(Object.keys(json), ['error']);
      assert.match(json.error, message);
      await stillServes();
    });
  }

  it('answers 400 for a body over maxBodyBytes (declared length), then keeps serving', async () => {
    const big = JSON.stringify({ instances: Array.from({ length: 400 }, () => ({ user_id: 1, movie_id: 2 })) }); // ≈ 12 KB > 4096
    const { status, json } = await call('POST', predictPath, big);
    assert.equal(status, 400);
    assert.match(json.error, /request body of \d+ bytes exceeds the limit of 4096 bytes \(maxBodyBytes\)/);
    await stillServes();
  });

  it('answers 400 for an oversized chunked body (no content-length), then keeps serving', async () => {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${server.url}${predictPath}`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d)).on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('x'.repeat(1000));
      req.end();
    });
    assert.equal(status, 400);
    assert.match(JSON.parse(text).error, /more than 4096 bytes exceeds the limit of 4096 bytes/);
    await stillServes();
  });

  it('answers 404 for an unknown model, version or a path outside /v1/, and 400 for an unknown verb or a wrong method', async () => {
    const cases: Array<[string, string, number, RegExp]> = [
      ['POST', '/v1/models/other:predict', 404, /Servable not found for request: Latest\(other\); this server serves model "ranking"/],
      ['GET', '/v1/models/other', 404, /Servable not found/],
      ['POST', '/v1/models/ranking/versions/2:predict', 404, /Specific\(ranking, 2\); available version: 1/],
      ['POST', '/v1/models/ranking:explain', 400, /Malformed request: POST \/v1\/models\/ranking:explain; .* with a verb among predict, classify, regress, echo_batch/],
      ['GET', '/v2/anything', 404, /no route for GET \/v2\/anything/],
      ['GET', predictPath, 400, /Malformed request: GET \/v1\/models\/ranking:predict/],
      ['POST', '/v1/models/ranking', 400, /Malformed request: POST \/v1\/models\/ranking/],
    ];
    for (const [method, p, code, re] of cases) {
      const { status, json } = await call(method, p, method === 'POST' ? '{}' : undefined);
      assert.equal(status, code, `${method} ${p}`);
      assert.match(json.error, re);
    }
    await stillServes();
  });

  it('serves custom routes, whose InputErrors become 400', async () => {
    const ok = await call('POST', '/v1/models/ranking:echo_batch', JSON.stringify({ inputs: { user_id: [30, 1], movie_id: [100, 2] } }));
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { batchSize: 2, first: [(await expected([30], [100]))[0]] });
    const bad = await call('POST', '/v1/models/ranking:echo_batch', JSON.stringify({ inputs: { user_id: [30] } }));
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /"inputs" is missing input "movie_id"/);
  });

  it('leaks no tensors over many requests', async () => {
    await stillServes();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      await call('POST', predictPath, JSON.stringify({ inputs: { user_id: [i, i + 1], movie_id: [i, 2 * i] } }));
      await call('POST', predictPath, '{"instances": [{"user_id": 1e9, "movie_id": 1}]}');
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('serves a model with [batch]-shaped inputs (per-example shape []), which tfjs predict() refuses', async () => {
    const flat = buildModel([]);
    const s2 = await startModelServer({ model: flat, name: 'flat', routes: {} });
    try {
      const xs = [tf.tensor1d([30, 2], 'int32'), tf.tensor1d([100, 3], 'int32')];
      assert.throws(() => flat.predict(xs), /expected user_id to have 1 dimension\(s\)/);
      const y = flat.apply(xs) as tf.Tensor;
      const want = Array.from(await y.data());
      tf.dispose([y, ...xs]);
      const res = await fetch(`${s2.url}/v1/models/flat:predict`, { method: 'POST', body: JSON.stringify({ instances: [{ user_id: 30, movie_id: 100 }, { user_id: 2, movie_id: 3 }] }) });
      assert.deepEqual((await res.json()).predictions, want.map((v) => [v]));
      assert.deepEqual(describeModel(flat).inputs.map((i) => [i.name, i.exampleShape, i.vocabularySize]), [['user_id', [], USERS], ['movie_id', [], MOVIES]]);
    } finally {
      await s2.close();
      flat.dispose();
    }
  });

  it('rejects bad options with the rule', async () => {
    await assert.rejects(startModelServer({ model, modelDir: dir }), /exactly one of options\.model or options\.modelDir/);
    await assert.rejects(startModelServer({ model, name: 'a/b' }), /expected name to use letters/);
    await assert.rejects(startModelServer({ model, routes: { predict: () => 1 } }), /other than TF Serving's verbs predict, classify, regress, but got "predict"/);
    await assert.rejects(startModelServer({ model, routes: { classify: () => 1 } }), /other than TF Serving's verbs .* but got "classify"/);
    await assert.rejects(startModelServer({ model, versionLabels: { stable: 2 } }), /expected versionLabels\.stable to be the served version 1, but got 2/);
    await assert.rejects(startModelServer({ model, versionLabels: { 'a/b': 1 } }), /version label names to use letters/);
    await assert.rejects(startModelServer({ model, vocabularySizes: { userid: 3 } }), /names input 'userid', but the model's inputs are user_id, movie_id/);
  });

  it('parsePredictRequest is usable on its own and throws InputError', () => {
    const sig = describeModel(model, { vocabularySizes: { user_id: 50 } });
    assert.equal(sig.inputs[0].vocabularySize, 50);
    const r = parsePredictRequest({ inputs: { user_id: [49], movie_id: [[3]] } }, sig);
    assert.deepEqual([r.format, r.batchSize, Array.from(r.inputs.get('movie_id')!)], ['columnar', 1, [3]]);
    assert.throws(() => parsePredictRequest({ inputs: { user_id: [50], movie_id: [3] } }, sig), (e: unknown) => e instanceof InputError && e.kind === 'bad_request' && /\[0, 50\)/.test(e.message));
  });
});
