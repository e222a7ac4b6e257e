// TF Serving's REST contract as its own code and tests define it (tensorflow/serving at 9d981c5c):
// - the status of each request, from http_rest_api_handler_test.cc (UnsupportedApiCalls, PredictModelNameVersionErrors,
//   PredictRequestErrors, Predict, GetStatus, GetModelMetadata), the path regexes of http_rest_api_util.cc, the
//   dispatcher of http_server.cc (paths outside (?i)/v1/.* are not served: 404) and its ToHTTPStatusCode
//   (INVALID_ARGUMENT → 400, NOT_FOUND → 404);
// - `/metadata` parses as a `tensorflow.SignatureDef` with TF's own protos (python3, TF 2.21, json_format.ParseDict).
import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { pythonExecutable } from '../../src/interop';
import { startModelServer, type ModelServer } from '../../src/serving';

const USERS = 50;
const MOVIES = 70;

function buildModel(): tf.LayersModel {
  const user = tf.input({ shape: [1], dtype: 'int32', name: 'user_id' });
  const movie = tf.input({ shape: [1], dtype: 'int32', name: 'movie_id' });
  const embed = (x: tf.SymbolicTensor, inputDim: number) =>
    tf.layers.flatten().apply(tf.layers.embedding({ inputDim, outputDim: 4, embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: inputDim }) }).apply(x)) as tf.SymbolicTensor;
  const x = tf.layers.concatenate().apply([embed(user, USERS), embed(movie, MOVIES)]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, name: 'rating', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: [user, movie], outputs: out });
}

let model: tf.LayersModel;
/** Serves model "ranking" version 3 with TF Serving's defaults: no version labels. */
let plain: ModelServer;
/** The same model with the version label "stable" configured (version_labels { key: "stable" value: 3 }). */
let labelled: ModelServer;

before(async () => {
  await chooseBackend();
  model = buildModel();
  plain = await startModelServer({ model, name: 'ranking', version: 3 });
  labelled = await startModelServer({ model, name: 'ranking', version: 3, versionLabels: { stable: 3 } });
});
after(async () => {
  await plain?.close();
  await labelled?.close();
  model?.dispose();
});

const ONE = '{"instances": [{"user_id": 1, "movie_id": 2}]}';
const EXAMPLES = '{"examples": [{"user_id": 1, "movie_id": 2}]}';

/** [what, method, path, body, expected status, expected error (for non-200), server]; the source each row follows. */
const TABLE: Array<[string, string, string, string | undefined, number, RegExp | null, 'plain' | 'labelled']> = [
  // http_rest_api_handler_test.cc:179-258 UnsupportedApiCalls: every one INVALID_ARGUMENT (400).
  ['GET /v1/foo', 'GET', '/v1/foo', undefined, 400, /^Malformed request: GET \/v1\/foo/, 'plain'],
  ['POST /v1/foo', 'POST', '/v1/foo', '{}', 400, /^Malformed request: POST \/v1\/foo/, 'plain'],
  ['no model name', 'GET', '/v1/models', undefined, 400, /^Missing model name in request\./, 'plain'],
  ['GET /v1/models/debug/model_name', 'GET', '/v1/models/debug/model_name', undefined, 400, /^Malformed request/, 'plain'],
  ['POST /v1/models', 'POST', '/v1/models', '{}', 400, /^Malformed request/, 'plain'],
  ['GET on :predict (wrong method)', 'GET', '/v1/models/ranking:predict', undefined, 400, /^Malformed request: GET/, 'plain'],
  ['"version" instead of "versions" (GET)', 'GET', '/v1/models/foo/version/50:predict', undefined, 400, /^Malformed request/, 'plain'],
  ['"version" instead of "versions" (POST)', 'POST', '/v1/models/foo/version/50:regress', '{}', 400, /^Malformed request/, 'plain'],
  ['non-numeric version', 'POST', '/v1/models/ranking/versions/HELLO:predict', ONE, 400, /^Malformed request/, 'plain'],
  ['version over int64', 'POST', '/v1/models/foo/versions/18446744073709551615:regress', '{}', 400, /^Failed to convert version: 18446744073709551615 to numeric/, 'plain'],
  ['POST on /metadata (wrong method)', 'POST', '/v1/models/ranking/metadata', '{}', 400, /^Malformed request: POST/, 'plain'],
  ['"label" instead of "labels"', 'POST', '/v1/models/foo/label/some_label:regress', '{}', 400, /^Malformed request/, 'plain'],
  ['both a version and a label', 'POST', '/v1/models/foo/versions/50/labels/some_label:regress', '{}', 400, /^Malformed request/, 'plain'],
  ['a label as a version', 'POST', '/v1/models/foo/versions/some_label:regress', '{}', 400, /^Malformed request/, 'plain'],
  // Other methods: ProcessRequest dispatches GET and POST only and keeps its "Malformed request" status
  // (http_rest_api_handler.cc:74-75, 85-107).
  ['DELETE (wrong method)', 'DELETE', '/v1/models/ranking', undefined, 400, /^Malformed request: DELETE/, 'plain'],
  ['PUT (wrong method)', 'PUT', '/v1/models/ranking:predict', ONE, 400, /^Malformed request: PUT/, 'plain'],
  // kPredictionApiGegex allows classify|regress|predict only (http_rest_api_util.cc:31-32).
  ['unknown verb', 'POST', '/v1/models/ranking:explain', ONE, 400, /^Malformed request: POST \/v1\/models\/ranking:explain/, 'plain'],
  // (?i) matches ":PREDICT", but ProcessRequest compares the verb with "predict" as sent (http_rest_api_handler.cc:86-95).
  ['verb in capitals', 'POST', '/v1/models/ranking:PREDICT', ONE, 400, /^Malformed request/, 'plain'],
  // kModelStatusApiRegex has no trailing "/" (http_rest_api_util.cc:33-34).
  ['trailing slash', 'GET', '/v1/models/ranking/', undefined, 400, /^Malformed request/, 'plain'],
  // http_server.cc RestApiRequestDispatcher::Dispatch: a path outside (?i)/v1/.* is not TF Serving's: 404.
  ['outside /v1/', 'GET', '/v2/models/ranking', undefined, 404, /no route for GET \/v2\/models\/ranking/, 'plain'],

  // http_rest_api_handler_test.cc:260-281 PredictModelNameVersionErrors: NOT_FOUND (404) for unknown servables only.
  ['unknown model', 'POST', '/v1/models/foo:predict', '{"instances": [1]}', 404, /^Servable not found for request: Latest\(foo\)/, 'plain'],
  ['unknown model and version', 'POST', '/v1/models/foo/versions/50:predict', '{"instances": [1]}', 404, /^Servable not found for request: Specific\(foo, 50\)/, 'plain'],
  ['unknown model (name + "99")', 'POST', '/v1/models/ranking99:predict', '{"instances": [1]}', 404, /^Servable not found for request: Latest\(ranking99\)/, 'plain'],
  ['known model, unknown version', 'POST', '/v1/models/ranking/versions/99:predict', ONE, 404, /^Servable not found for request: Specific\(ranking, 99\)/, 'plain'],
  ['status of an unknown version', 'GET', '/v1/models/ranking/versions/99', undefined, 404, /^Servable not found/, 'plain'],

  // http_rest_api_handler_test.cc:283-328 PredictRequestErrors: INVALID_ARGUMENT (400).
  ['empty body', 'POST', '/v1/models/ranking:predict', '', 400, /body is empty/, 'plain'],
  ['badly formatted JSON', 'POST', '/v1/models/ranking:predict', 'instances = [1, 2]', 400, /malformed JSON body/, 'plain'],
  ['incorrect type', 'POST', '/v1/models/ranking:predict', '{"instances": ["x", "y"]}', 400, /instances\[0\] to be an object/, 'plain'],
  // "Unrecognized servable version label" (server_core.cc:890-891): labels exist only when configured.
  ['a label with no labels configured', 'POST', '/v1/models/ranking/labels/stable:predict', ONE, 400, /^Unrecognized servable version label: stable; this server has no version labels/, 'plain'],
  ['an unknown label', 'POST', '/v1/models/ranking/labels/canary:predict', ONE, 400, /^Unrecognized servable version label: canary; this server's labels are stable/, 'labelled'],
  ['status by an unknown label', 'GET', '/v1/models/ranking/labels/stable', undefined, 400, /^Unrecognized servable version label/, 'plain'],
  ['non-string signature_name', 'POST', '/v1/models/ranking:predict', '{"signature_name": 100}', 400, /'signature_name' key must be a string value/, 'plain'],
  // http_rest_api_handler.cc:GetInfoMap: 'Serving signature name: "…" not found in signature def'.
  ['unknown signature_name', 'POST', '/v1/models/ranking:predict', '{"signature_name": "other", "instances": [{"user_id": 1, "movie_id": 2}]}', 400, /unknown signature_name/, 'plain'],

  // :classify / :regress on a model with a predict signature only (classifier.cc:176-190, regressor.cc:170-184,
  // json_tensor.cc FillClassifyRegressRequestFromJson): 400, body errors first.
  [':classify', 'POST', '/v1/models/ranking:classify', EXAMPLES, 400, /^classify: Expected one input Tensor\. Signature "serving_default" has 2 \(user_id, movie_id\); .*use :predict/, 'plain'],
  [':regress', 'POST', '/v1/models/ranking/versions/3:regress', EXAMPLES, 400, /^regress: Expected one input Tensor\./, 'plain'],
  [':classify without examples', 'POST', '/v1/models/ranking:classify', ONE, 400, /^classify: When method is classify, key 'examples' is expected and was not found/, 'plain'],
  [':regress with empty examples', 'POST', '/v1/models/ranking:regress', '{"examples": []}', 400, /^regress: 'examples' value is an empty array/, 'plain'],
  [':classify on an unknown model', 'POST', '/v1/models/foo:classify', EXAMPLES, 404, /^Servable not found for request: Latest\(foo\)/, 'plain'],

  // http_rest_api_handler_test.cc:330-385 Predict, 448-513 GetStatus, 515+ GetModelMetadata: OK (200).
  ['predict', 'POST', '/v1/models/ranking:predict', ONE, 200, null, 'plain'],
  ['predict by version', 'POST', '/v1/models/ranking/versions/3:predict', ONE, 200, null, 'plain'],
  ['predict by a configured label', 'POST', '/v1/models/ranking/labels/stable:predict', ONE, 200, null, 'labelled'],
  ['status', 'GET', '/v1/models/ranking', undefined, 200, null, 'plain'],
  ['status by version', 'GET', '/v1/models/ranking/versions/3', undefined, 200, null, 'plain'],
  ['status by a configured label', 'GET', '/v1/models/ranking/labels/stable', undefined, 200, null, 'labelled'],
  ['metadata', 'GET', '/v1/models/ranking/metadata', undefined, 200, null, 'plain'],
  ['metadata by version', 'GET', '/v1/models/ranking/versions/3/metadata', undefined, 200, null, 'plain'],
  // json_tensor.cc FillPredictRequestFromJson looks up "signature_name", "instances" and "inputs" only.
  ['unknown top-level keys are ignored', 'POST', '/v1/models/ranking:predict', '{"instances": [{"user_id": 1, "movie_id": 2}], "extra": 1, "k": [1]}', 200, null, 'plain'],
  ['signature_name serving_default', 'POST', '/v1/models/ranking:predict', '{"signature_name": "serving_default", "inputs": {"user_id": [1], "movie_id": [2]}}', 200, null, 'plain'],
  // (?i) in kPredictionApiGegex / kModelStatusApiRegex: path keywords in any case (the model name is a name).
  ['case-insensitive path keywords (POST)', 'POST', '/V1/Models/ranking/VERSIONS/3:predict', ONE, 200, null, 'plain'],
  ['case-insensitive path keywords (GET)', 'GET', '/v1/MODELS/ranking/Labels/stable/metadata', undefined, 200, null, 'labelled'],
];

describe('TF Serving REST contract', () => {
  it('answers each request of TF Serving\'s handler tests with TF Serving\'s status (table)', async () => {
    const mismatches: string[] = [];
    for (const [what, method, path, body, status, error, which] of TABLE) {
      const server = which === 'plain' ? plain : labelled;
      const res = await fetch(`${server.url}${path}`, { method, body });
      const json = (await res.json()) as { error?: string };
      if (res.status !== status) mismatches.push(`${what}: ${method} ${path} → ${res.status}, expected ${status} (${json.error ?? 'no error'})`);
      else if (error && !error.test(json.error ?? '')) mismatches.push(`${what}: error ${JSON.stringify(json.error)} does not match ${error}`);
      else if (!error && json.error !== undefined) mismatches.push(`${what}: unexpected error ${json.error}`);
    }
    assert.deepEqual(mismatches, []);
  });

  it('answers GET /METADATA (verb in capitals) with the status, as TF Serving compares "metadata" as sent', async () => {
    const res = await fetch(`${plain.url}/v1/models/ranking/METADATA`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { model_version_status: [{ version: '3', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] });
  });

  it("(e) /metadata's signature_def parses as tensorflow.SignatureDef with TF's protos (python3, json_format.ParseDict)", async () => {
    const metadata = await (await fetch(`${plain.url}/v1/models/ranking/metadata`)).json();
    // ParseDict raises on any unknown field or enum name (e.g. "DT_FLOAT32"); the script prints what it parsed.
    const script = [
      'import json, sys',
      'from google.protobuf import json_format',
      'from tensorflow.core.protobuf import meta_graph_pb2',
      'from tensorflow.core.framework import types_pb2',
      'j = json.load(sys.stdin)',
      "defs = j['metadata']['signature_def']['signature_def']",
      'out = {}',
      'for key, d in defs.items():',
      '  s = json_format.ParseDict(d, meta_graph_pb2.SignatureDef())',
      '  t = lambda m: {k: [types_pb2.DataType.Name(v.dtype), [x.size for x in v.tensor_shape.dim], v.name] for k, v in m.items()}',
      "  out[key] = {'inputs': t(s.inputs), 'outputs': t(s.outputs), 'method_name': s.method_name}",
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync(pythonExecutable(), ['-c', script], { input: JSON.stringify(metadata), encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr.split('\n').slice(-5).join('\n'));
    const parsed = JSON.parse(run.stdout.trim().split('\n').pop()!);
    assert.deepEqual(parsed, {
      serving_default: {
        inputs: { user_id: ['DT_INT32', [-1, 1], 'serving_default_user_id:0'], movie_id: ['DT_INT32', [-1, 1], 'serving_default_movie_id:0'] },
        outputs: { rating: ['DT_FLOAT', [-1, 1], 'StatefulPartitionedCall:0'] },
        method_name: 'tensorflow/serving/predict',
      },
    });
    assert.deepEqual(metadata.model_spec, { name: 'ranking', signature_name: '', version: '3' });
  });
});

describe(':classify / :regress on one-input models (PreProcessClassification / PreProcessRegression, past the input count)', () => {
  /** One input `name` of `dtype` → Dense(units) outputs (`outputs` of them). */
  function oneInput(name: string, dtype: 'int32' | 'float32', outputs: number): tf.LayersModel {
    const x = tf.input({ shape: [2], dtype, name });
    const ys = Array.from({ length: outputs }, (_, k) => tf.layers.dense({ units: 1, name: `out_${k}` }).apply(x) as tf.SymbolicTensor);
    return tf.model({ inputs: x, outputs: ys });
  }
  const CASES: Array<[string, string, 'int32' | 'float32', number, 'classify' | 'regress', RegExp]> = [
    ['no input named "inputs" (classify)', 'user_id', 'float32', 1, 'classify', /^classify: No classification inputs found in SignatureDef "serving_default" \(its input is "user_id", not "inputs"\)/],
    ['no input named "inputs" (regress)', 'user_id', 'float32', 1, 'regress', /^regress: No regression inputs found in SignatureDef/],
    ['three outputs (classify)', 'inputs', 'float32', 3, 'classify', /^classify: Expected one or two output Tensors, found 3/],
    ['two outputs (regress)', 'inputs', 'float32', 2, 'regress', /^regress: Expected one output Tensor\. Signature "serving_default" has 2/],
    ['an "inputs" input of numbers, not serialized tf.Example', 'inputs', 'int32', 2, 'classify', /^classify: the classification input "inputs" must take serialized tf\.Example strings \(DT_STRING\), but this model's is int32/],
  ];
  for (const [what, input, dtype, outputs, verb, message] of CASES) {
    it(`answers 400 for ${what}`, async () => {
      const m = oneInput(input, dtype, outputs);
      const server = await startModelServer({ model: m, name: 'one' });
      try {
        const res = await fetch(`${server.url}/v1/models/one:${verb}`, { method: 'POST', body: '{"examples": [{"x": [1.5, 2]}]}' });
        assert.equal(res.status, 400);
        assert.match(((await res.json()) as { error: string }).error, message);
      } finally {
        await server.close();
        m.dispose();
      }
    });
  }
});
