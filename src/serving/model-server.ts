import * as tf from '@tensorflow/tfjs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileSystemIO } from '../checkpoint/file-system-io';
import { ConfigError, InputError } from '../errors';
import { describeModel, type ModelSignature } from './model-signature';
import { DEFAULT_SIGNATURE, parsePredictRequest, type PredictRequest } from './parse-predict-request';

/** What a custom route handler receives. */
export interface RouteContext {
  /** The parsed JSON body (`undefined` for an empty body). */
  readonly body: unknown;
  readonly model: tf.LayersModel;
  readonly signature: ModelSignature;
  /** The served model's name. */
  readonly name: string;
  /** Runs the model on a validated request (as `:predict` does) and returns one nested array per output. */
  readonly predict: (request: PredictRequest) => unknown[][];
}

/**
 * A custom `POST /v1/models/<name>:<verb>` handler. Return a JSON-serialisable value (sent with 200);
 * throw an `InputError` for a bad request (sent as 400 with its message); any other error is a 500.
 */
export type RouteHandler = (context: RouteContext) => unknown | Promise<unknown>;

/** Options of {@link startModelServer}. Give `model` or `modelDir`. */
export interface ModelServerOptions {
  /** A loaded LayersModel to serve. */
  readonly model?: tf.LayersModel;
  /** A directory holding `model.json` + weights (loaded with `tf.loadLayersModel(fileSystemIO(dir))`). */
  readonly modelDir?: string;
  /** The model name in URLs (`/v1/models/<name>`). Letters, digits, `_`, `-`, `.`. @default 'model' */
  readonly name?: string;
  /** The version reported by status and accepted in `/versions/<v>` URLs. @default 1 */
  readonly version?: number;
  /** Interface to bind. @default '127.0.0.1' (never all interfaces unless asked) */
  readonly host?: string;
  /** Port; 0 picks a free one (read it from the returned `port`). @default 0 */
  readonly port?: number;
  /** Largest request body in bytes; larger bodies get HTTP 400. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Vocabulary size per input name, when it cannot be found from the Embedding layers. @default {} */
  readonly vocabularySizes?: Readonly<Record<string, number>>;
  /** Extra verbs, e.g. `{ recommend: handler }` serves `POST /v1/models/<name>:recommend`. @default {} */
  readonly routes?: Readonly<Record<string, RouteHandler>>;
  /** Where to log one line per server event (start, 5xx errors). @default no logging */
  readonly log?: (line: string) => void;
}

/** A running server. */
export interface ModelServer {
  /** `http://<host>:<port>`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly model: tf.LayersModel;
  readonly signature: ModelSignature;
  /** Stops accepting connections and resolves once open ones are closed. The model is not disposed. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const PATH_RE = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?(\/metadata|:([A-Za-z_]+))?\/?$/;

/**
 * Serves a tfjs LayersModel over HTTP with TensorFlow Serving's REST API (node:http only):
 * - `GET /v1/models/<name>` → `{"model_version_status": [{"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}`
 * - `GET /v1/models/<name>/metadata` → `{"model_spec": …, "metadata": {"signature_def": …}}` (input names, dtypes, shapes)
 * - `POST /v1/models/<name>:predict` with `{"instances": [{"user_id": 30, "movie_id": 100}]}` → `{"predictions": [[3.9]]}`,
 *   or `{"inputs": {"user_id": [30], "movie_id": [100]}}` → `{"outputs": [[3.9]]}` (see {@link parsePredictRequest}).
 * - `POST /v1/models/<name>:<verb>` for each custom route.
 * `/versions/<v>` (and `/labels/<l>`) are accepted before the verb. Errors answer `{"error": "<message>"}` with
 * TF Serving's codes: 400 for invalid input (malformed JSON, missing or unknown fields, wrong types, ids out of
 * range, bodies over `maxBodyBytes` — TF Serving maps every INVALID_ARGUMENT to 400, so oversized bodies get 400
 * too, not 413), 404 for an unknown model, version, path or verb, 405 for a wrong method, 500 for a model
 * failure. The server keeps serving after every error.
 *
 * @param options model or modelDir, name, host, port, maxBodyBytes, vocabularySizes, routes.
 * @returns the running server (its `port` is the bound one).
 * @throws ConfigError `bad_server` for invalid options, `bad_model` for a model the server cannot describe;
 *   CheckpointError when `modelDir` cannot be loaded; the listen error (e.g. EADDRINUSE).
 * @example
 * const server = await startModelServer({ modelDir: 'out/export', name: 'ranking' });
 * await fetch(`${server.url}/v1/models/ranking:predict`, { method: 'POST', body: JSON.stringify({ instances: [{ user_id: 30, movie_id: 100 }] }) });
 * await server.close();
 */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const name = options.name ?? 'model';
  const version = options.version ?? 1;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const routes = options.routes ?? {};
  const log = options.log ?? (() => undefined);
  const bad = (rule: string): never => {
    throw new ConfigError('bad_server', `startModelServer: ${rule}`);
  };
  if ((options.model === undefined) === (options.modelDir === undefined)) bad('expected exactly one of options.model or options.modelDir.');
  if (!NAME_RE.test(name)) bad(`expected name to use letters, digits, '_', '-' or '.', but got ${JSON.stringify(name)}.`);
  if (!Number.isSafeInteger(version) || version < 1) bad(`expected version to be a positive integer, but got ${version}.`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) bad(`expected port to be an integer in [0, 65535], but got ${port}.`);
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) bad(`expected maxBodyBytes to be a positive integer, but got ${maxBodyBytes}.`);
  for (const verb of Object.keys(routes)) {
    if (!/^[A-Za-z_]+$/.test(verb) || verb === 'predict') bad(`expected route names to be letters or '_' other than 'predict', but got ${JSON.stringify(verb)}.`);
    if (typeof routes[verb] !== 'function') bad(`expected routes.${verb} to be a function.`);
  }
  const model = options.model ?? (await tf.loadLayersModel(fileSystemIO(options.modelDir!)));
  const signature = describeModel(model, { vocabularySizes: options.vocabularySizes });

  // model.apply, not model.predict: predict() forces inputs to rank ≥ 2, which a `[batch]` input (per-example shape []) refuses.
  const predict = (request: PredictRequest): unknown[][] => {
    const outs = tf.tidy(() => {
      const xs = signature.inputs.map((input) => tf.tensor(request.inputs.get(input.name)!, [request.batchSize, ...input.exampleShape], input.dtype));
      const out = model.apply(xs, { training: false }) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    });
    try {
      return outs.map((t) => t.arraySync() as unknown[]);
    } finally {
      tf.dispose(outs);
    }
  };

  const status = () => ({
    model_version_status: [{ version: String(version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
  });
  const metadata = () => {
    const tensorInfo = (n: string, dtype: string, shape: readonly number[], prefix: string) => ({
      dtype: `DT_${dtype.toUpperCase()}`,
      tensor_shape: { dim: [-1, ...shape].map((size) => ({ size: String(size), name: '' })), unknown_rank: false },
      name: `${prefix}${n}:0`,
    });
    return {
      model_spec: { name, signature_name: '', version: String(version) },
      metadata: {
        signature_def: {
          signature_def: {
            [DEFAULT_SIGNATURE]: {
              inputs: Object.fromEntries(signature.inputs.map((i) => [i.name, tensorInfo(i.name, i.dtype, i.exampleShape, `${DEFAULT_SIGNATURE}_`)])),
              outputs: Object.fromEntries(signature.outputs.map((o) => [o.name, tensorInfo(o.name, o.dtype, o.exampleShape, 'StatefulPartitionedCall:')])),
              method_name: 'tensorflow/serving/predict',
            },
          },
        },
        // Not in TF Serving's reply: the id range each input accepts.
        vocabulary_sizes: Object.fromEntries(signature.inputs.map((i) => [i.name, i.vocabularySize])),
      },
    };
  };

  const handle = async (req: http.IncomingMessage): Promise<unknown> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = PATH_RE.exec(url.pathname);
    if (!m) throw new HttpError(404, `no route for ${req.method} ${url.pathname}; expected /v1/models/${name}, /v1/models/${name}/metadata or POST /v1/models/${name}:predict`);
    const [, modelName, v, label, suffix, verb] = m;
    if (decodeURIComponent(modelName) !== name) throw new HttpError(404, `Servable not found for request: Latest(${decodeURIComponent(modelName)}); this server serves model "${name}"`);
    if (v !== undefined && v !== String(version)) throw new HttpError(404, `Servable not found for request: Specific(${name}, ${v}); available version: ${version}`);
    if (label !== undefined && label !== 'stable') throw new HttpError(404, `unknown version label "${label}"; this server knows "stable" only`);
    if (suffix === undefined || suffix === '/metadata') {
      if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}; use GET`);
      await drain(req);
      return suffix === undefined ? status() : metadata();
    }
    if (verb !== 'predict' && !Object.hasOwn(routes, verb)) {
      throw new HttpError(404, `unknown method ":${verb}"; this server handles :predict${Object.keys(routes).map((r) => `, :${r}`).join('')}`);
    }
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}; use POST with a JSON body`);
    const body = await readJson(req, maxBodyBytes);
    if (verb === 'predict') {
      const request = parsePredictRequest(body, signature);
      const outs = predict(request);
      const outNames = signature.outputs.map((o) => o.name);
      if (request.format === 'row') {
        const predictions = Array.from({ length: request.batchSize }, (_, r) => (outs.length === 1 ? outs[0][r] : Object.fromEntries(outNames.map((n, k) => [n, outs[k][r]]))));
        return { predictions };
      }
      return { outputs: outs.length === 1 ? outs[0] : Object.fromEntries(outNames.map((n, k) => [n, outs[k]])) };
    }
    return routes[verb]({ body, model, signature, name, predict });
  };

  const server = http.createServer((req, res) => {
    handle(req)
      .then((payload) => send(res, 200, payload))
      .catch((e: unknown) => {
        const code = e instanceof HttpError ? e.status : e instanceof InputError ? 400 : 500;
        if (code === 500) log(`model server: ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? e}`);
        // A body we stopped reading (oversized) must not be parsed as the next request: close that connection.
        if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
        send(res, code, { error: (e as Error)?.message ?? String(e) });
      });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: `malformed HTTP request (${err.message})` })}`);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const result: ModelServer = {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    name,
    model,
    signature,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
  log(`model server: serving "${name}" v${version} at ${result.url}/v1/models/${name} (inputs ${signature.inputs.map((i) => `${i.name}:${i.dtype}`).join(', ')})`);
  return result;
}

function send(res: http.ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  let text: string;
  try {
    text = JSON.stringify(payload ?? null);
  } catch (e) {
    status = 500;
    text = JSON.stringify({ error: `the handler returned a value that is not JSON-serialisable (${(e as Error).message})` });
  }
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function drain(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.complete) return resolve();
    req.on('end', resolve).on('error', () => resolve()).resume();
  });
}

/** Reads the body up to `max` bytes and parses it; an oversized body is refused as soon as it is known. */
function readJson(req: http.IncomingMessage, max: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooBig = (n: string) => new HttpError(400, `request body of ${n} bytes exceeds the limit of ${max} bytes (maxBodyBytes); send smaller batches`);
    if (Number.isFinite(declared) && declared > max) {
      reject(tooBig(String(declared)));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        reject(tooBig(`more than ${max}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (e) => {
      if (!done) {
        done = true;
        reject(new HttpError(400, `could not read the request body (${e.message})`));
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        reject(new HttpError(400, 'the request body is empty; expected JSON such as {"instances": [...]}'));
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(new HttpError(400, `malformed JSON body: ${(e as Error).message}`));
      }
    });
  });
}
