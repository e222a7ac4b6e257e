import * as tf from '@tensorflow/tfjs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileSystemIO } from '../checkpoint/file-system-io';
import { ConfigError, InputError } from '../errors';
import { inRange, positiveInteger, where } from '../validation';
import { predictInChunks, predictRange, yieldToEventLoop } from './chunked-predict';
import { CLASSIFY_REGRESS_VERBS, classifyRegressError } from './classify-regress';
import { HttpError } from './http-error';
import { describeModel, type ModelSignature } from './model-signature';
import { parseRestPath } from './rest-path';
import { signatureDefJson } from './signature-def';
import { JsonText, stringifyListInSteps } from './json-text';
import { DEFAULT_SIGNATURE, parsePredictSteps, type PredictRequest } from './parse-predict-request';
import { parseJsonBody, readBody } from './request-body';

/** What a custom route handler receives. */
export interface RouteContext {
  /** The parsed JSON body (`undefined` for an empty body). */
  readonly body: unknown;
  readonly model: tf.LayersModel;
  readonly signature: ModelSignature;
  /** The served model's name. */
  readonly name: string;
  /**
   * Runs the model on a validated request (as `:predict` does) and returns one nested array per output.
   * Synchronous: it holds the event loop for the whole batch (at most `maxInstancesPerRequest` examples, else it
   * throws an `InputError`, answered 400). Prefer {@link RouteContext.predictAsync} for large batches.
   */
  readonly predict: (request: PredictRequest) => unknown[][];
  /**
   * The same answer as `predict`, computed in chunks of `predictChunkSize` examples that yield to the event loop;
   * rejects (and the server sends nothing) when the client disconnects or the server shuts down mid-way.
   */
  readonly predictAsync: (request: PredictRequest) => Promise<unknown[][]>;
}

/**
 * A custom `POST /v1/models/<name>:<verb>` handler. Return a JSON-serialisable value (sent with 200);
 * throw an `InputError` for a bad request (sent as 400 with its message); any other error is a 500.
 */
export type RouteHandler = (context: RouteContext) => unknown | Promise<unknown>;

/**
 * Options of {@link startModelServer}. Give `model` or `modelDir`. Every limit and timeout has a default sized for
 * one process on a small machine; all are positive integers.
 */
export interface ModelServerOptions {
  /** A loaded LayersModel to serve. */
  readonly model?: tf.LayersModel;
  /** A directory holding `model.json` + weights (loaded with `tf.loadLayersModel(fileSystemIO(dir))`). */
  readonly modelDir?: string;
  /** The model name in URLs (`/v1/models/<name>`). Letters, digits, `_`, `-`, `.`. @default 'model' */
  readonly name?: string;
  /** The version reported by status and accepted in `/versions/<v>` URLs. @default 1 */
  readonly version?: number;
  /**
   * Version labels accepted in `/labels/<label>` URLs, each mapped to the served version (TF Serving's
   * `version_labels` of a model config); any other label gets HTTP 400 `Unrecognized servable version label`.
   * @default {} (no label is served, as in TF Serving without a labels config)
   */
  readonly versionLabels?: Readonly<Record<string, number>>;
  /** Interface to bind. @default '127.0.0.1' (never all interfaces unless asked) */
  readonly host?: string;
  /** Port; 0 picks a free one (read it from the returned `port`). @default 0 */
  readonly port?: number;
  /** Largest request body in bytes; larger bodies get HTTP 400. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Deepest `[`/`{` nesting of a JSON body; deeper bodies get HTTP 400 (checked before parsing). @default 32 */
  readonly maxJsonDepth?: number;
  /** Largest batch (instances, or values per input in columnar format) of one request; larger get HTTP 400. @default 10000 */
  readonly maxInstancesPerRequest?: number;
  /**
   * Examples run per chunk of inference; the server yields to other requests between chunks and stops computing
   * for a client that disconnected. Smaller chunks: lower latency for others, a little less throughput. @default 64
   */
  readonly predictChunkSize?: number;
  /**
   * POST requests (predict and custom verbs) computed at once; one more gets HTTP 429 with `Retry-After`.
   * Status and metadata GETs are never refused. @default 8
   */
  readonly maxConcurrentRequests?: number;
  /** The `Retry-After` of a 429, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Time a client has to send the request headers (from connect, or from the previous answer), in ms; then 408 and close. @default 10000 */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send the whole request (headers and body: slow-body clients), in ms; then 408 and close. ≥ headersTimeoutMs. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open after an answer, in ms. @default 5000 */
  readonly keepAliveTimeoutMs?: number;
  /**
   * On {@link ModelServer.close}: idle and half-received connections close at once; requests being computed get
   * this long (ms) to answer, then their connections are cut. @default 2000
   */
  readonly closeGraceMs?: number;
  /** Vocabulary size per input name, when it cannot be found from the Embedding layers. @default {} */
  readonly vocabularySizes?: Readonly<Record<string, number>>;
  /** Extra verbs, e.g. `{ recommend: handler }` serves `POST /v1/models/<name>:recommend` (not `predict`, `classify`, `regress`). @default {} */
  readonly routes?: Readonly<Record<string, RouteHandler>>;
  /** Where to log one line per server event (start, 5xx errors with their stack; client errors are not logged). @default no logging */
  readonly log?: (line: string) => void;
}

/**
 * The defaults of {@link ModelServerOptions}' limits and timeouts (documented there); `scripts/serve.ts` takes each
 * as a kebab-case flag (`--predict-chunk-size 64`).
 *
 * @example
 * MODEL_SERVER_DEFAULTS.maxInstancesPerRequest; // 10000
 */
export const MODEL_SERVER_DEFAULTS = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxJsonDepth: 32,
  maxInstancesPerRequest: 10_000,
  predictChunkSize: 64,
  maxConcurrentRequests: 8,
  retryAfterSeconds: 1,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  closeGraceMs: 2_000,
});

/** A running server. */
export interface ModelServer {
  /** `http://<host>:<port>`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly model: tf.LayersModel;
  readonly signature: ModelSignature;
  /**
   * Stops accepting connections, closes idle and half-received ones (slow or stalled clients) at once, lets requests
   * being computed answer for up to `closeGraceMs`, then cuts what is left; resolves once every connection is
   * closed. Calling it again returns the same promise. The model is not disposed.
   */
  close(): Promise<void>;
}

/** Validation and serialisation pause every this many inference chunks' worth of examples (they are that much cheaper). */
const STEPS_PER_CHUNK = 4;
const NAME_RE = /^[A-Za-z0-9_.-]+$/;
/** TF Serving's own verbs (http_rest_api_handler.cc:86-95). */
const TF_VERBS = ['predict', ...CLASSIFY_REGRESS_VERBS] as const;

/**
 * Serves a tfjs LayersModel over HTTP with TensorFlow Serving's REST API (node:http only):
 * - `GET /v1/models/<name>` → `{"model_version_status": [{"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}`
 * - `GET /v1/models/<name>/metadata` → `{"model_spec": …, "metadata": {"signature_def": …}}` (input names, dtypes, shapes)
 * - `POST /v1/models/<name>:predict` with `{"instances": [{"user_id": 30, "movie_id": 100}]}` → `{"predictions": [[3.9]]}`,
 *   or `{"inputs": {"user_id": [30], "movie_id": [100]}}` → `{"outputs": [[3.9]]}` (see {@link parsePredictRequest}).
 * - `POST /v1/models/<name>:classify` / `:regress` → 400, as TF Serving answers a model without those signatures
 *   (see {@link classifyRegressError}).
 * - `POST /v1/models/<name>:<verb>` for each custom route.
 * `/versions/<v>` (or `/labels/<l>` of `versionLabels`) may come before the verb or `/metadata`; path keywords are
 * case-insensitive, as TF Serving's `(?i)` regexes (see {@link parseRestPath}). Unknown top-level body keys are
 * ignored, as TF Serving ignores them. Errors answer `{"error": "<message>"}` with TF Serving's codes
 * (http_server.cc `ToHTTPStatusCode`: INVALID_ARGUMENT → 400, NOT_FOUND → 404): 400 for a malformed request (no
 * model name, unknown verb, non-numeric version, unknown label, a method other than GET on status/metadata or POST
 * on a verb, malformed JSON or URL escapes, JSON nested deeper than `maxJsonDepth`, missing fields, wrong types, ids
 * out of range, batches over `maxInstancesPerRequest`, bodies over `maxBodyBytes` — so oversized bodies get 400 too,
 * not 413), 404 only for an unknown servable (model name or version) or a path outside `/v1/`. The server's own
 * limits add codes TF Serving does not send: 408 for a client too slow to send its request (`headersTimeoutMs`,
 * `requestTimeoutMs`), 429 (with `Retry-After`) when `maxConcurrentRequests` POSTs are already being computed
 * (TF Serving queues instead). 500 for a model failure only (logged with its stack; client errors are not logged).
 * The server keeps serving after every error. Differences kept: a 404 for an unknown model comes before the body is
 * read (TF Serving parses a predict body first, so an empty body to an unknown model is its 400); no CORS `OPTIONS`.
 *
 * Responsiveness: inference runs in chunks of `predictChunkSize` examples that yield to the event loop, so a status
 * GET is answered between chunks of a maximal predict; a client that disconnects stops its computation at the next
 * chunk. See {@link MODEL_SERVER_DEFAULTS} for the default limits and timeouts.
 *
 * @param options model or modelDir, name, host, port, limits and timeouts, vocabularySizes, routes, log.
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
  const limits: Record<keyof typeof MODEL_SERVER_DEFAULTS, number> = { ...MODEL_SERVER_DEFAULTS };
  const routes = options.routes ?? {};
  const log = options.log ?? (() => undefined);
  const bad = (rule: string): never => {
    throw new ConfigError('bad_server', `startModelServer: ${rule}`);
  };
  if ((options.model === undefined) === (options.modelDir === undefined)) bad('expected exactly one of options.model or options.modelDir.');
  if (!NAME_RE.test(name)) bad(`expected name to use letters, digits, '_', '-' or '.', but got ${JSON.stringify(name)}.`);
  const at = where(ConfigError, 'bad_server', 'startModelServer');
  positiveInteger(version, at('version'));
  inRange(port, at('port', '0 picks a free port.'), 0, 65536);
  for (const key of Object.keys(MODEL_SERVER_DEFAULTS) as (keyof typeof MODEL_SERVER_DEFAULTS)[]) {
    const value = options[key];
    if (value === undefined) continue;
    limits[key] = positiveInteger(value, at(key, `Leave it out for the default ${MODEL_SERVER_DEFAULTS[key]}.`));
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    bad(`expected headersTimeoutMs (${limits.headersTimeoutMs}) to be at most requestTimeoutMs (${limits.requestTimeoutMs}), since the request includes its headers.`);
  }
  for (const verb of Object.keys(routes)) {
    if (!/^[A-Za-z_]+$/.test(verb) || (TF_VERBS as readonly string[]).includes(verb)) {
      bad(`expected route names to be letters or '_' other than TF Serving's verbs ${TF_VERBS.join(', ')}, but got ${JSON.stringify(verb)}.`);
    }
    if (typeof routes[verb] !== 'function') bad(`expected routes.${verb} to be a function.`);
  }
  const versionLabels = options.versionLabels ?? {};
  for (const [label, v] of Object.entries(versionLabels)) {
    if (!NAME_RE.test(label)) bad(`expected version label names to use letters, digits, '_', '-' or '.', but got ${JSON.stringify(label)}.`);
    if (v !== version) bad(`expected versionLabels.${label} to be the served version ${version}, but got ${v}; this server serves one version.`);
  }
  const verbs = new Set<string>([...TF_VERBS, ...Object.keys(routes)]);
  const model = options.model ?? (await tf.loadLayersModel(fileSystemIO(options.modelDir!)));
  const signature = describeModel(model, { vocabularySizes: options.vocabularySizes });
  const maxInstances = limits.maxInstancesPerRequest;

  const checkBatch = (request: PredictRequest) => {
    if (request.batchSize > maxInstances) {
      throw new InputError('bad_request', `predict: the request holds ${request.batchSize} examples, more than the limit of ${maxInstances} per request (maxInstancesPerRequest); split the batch.`);
    }
  };
  /** Synchronous inference for custom routes (capped like :predict). */
  const predict = (request: PredictRequest): unknown[][] => {
    checkBatch(request);
    return predictRange(model, signature, request, 0, request.batchSize);
  };
  /** Chunked inference that stops when `gone()` says the answer is no longer wanted. */
  const predictFor = async (request: PredictRequest, gone: () => boolean): Promise<unknown[][]> => {
    checkBatch(request);
    const outs = await predictInChunks(model, signature, request, limits.predictChunkSize, gone);
    if (outs === null) throw new Abandoned();
    return outs;
  };

  const status = () => ({
    model_version_status: [{ version: String(version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
  });
  const signatureDef = signatureDefJson(signature);
  const metadata = () => ({
    model_spec: { name, signature_name: '', version: String(version) },
    metadata: {
      // A SignatureDefMap (tensorflow_serving/apis/get_model_metadata.proto), as http_rest_api_util.cc ToJsonString prints it.
      signature_def: { signature_def: { [DEFAULT_SIGNATURE]: signatureDef } },
      // Not in TF Serving's reply: the id range each input accepts.
      vocabulary_sizes: Object.fromEntries(signature.inputs.map((i) => [i.name, i.vocabularySize])),
    },
  });

  let computing = 0; // POST requests admitted and not yet answered
  let closing: Promise<void> | null = null;
  const sockets = new Set<Socket>(); // every open connection
  const busy = new Set<Socket>(); // connections whose request is complete and being answered

  const handle = async (req: http.IncomingMessage, gone: () => boolean): Promise<unknown> => {
    const path = parseRestPath(req.method, req.url, verbs);
    // A label resolves to a version first, whatever the model (server_core.cc GetModelVersionForLabel: INVALID_ARGUMENT).
    if (path.label !== undefined && !Object.hasOwn(versionLabels, path.label)) {
      const known = Object.keys(versionLabels);
      throw new HttpError(400, `Unrecognized servable version label: ${path.label}; ${known.length === 0 ? 'this server has no version labels (startModelServer versionLabels)' : `this server's labels are ${known.join(', ')}`}`);
    }
    if (path.modelName !== name) {
      const spec = path.version === undefined ? `Latest(${path.modelName})` : `Specific(${path.modelName}, ${path.version})`;
      throw new HttpError(404, `Servable not found for request: ${spec}; this server serves model "${name}"`);
    }
    if (path.version !== undefined && path.version !== BigInt(version)) {
      throw new HttpError(404, `Servable not found for request: Specific(${name}, ${path.version}); available version: ${version}`);
    }
    if (path.kind !== 'verb') {
      await drain(req);
      return path.kind === 'status' ? status() : metadata();
    }
    const verb = path.verb!;
    const bytes = await readBody(req, limits.maxBodyBytes);
    if (gone()) throw new Abandoned();
    if (computing >= limits.maxConcurrentRequests) {
      throw new HttpError(429, `the server is busy: ${computing} requests are being computed (maxConcurrentRequests = ${limits.maxConcurrentRequests}); retry after ${limits.retryAfterSeconds} s`, {
        'Retry-After': String(limits.retryAfterSeconds),
      });
    }
    computing++;
    try {
      const body = parseJsonBody(bytes, limits.maxJsonDepth);
      await yieldToEventLoop();
      if (gone()) throw new Abandoned();
      if (verb === 'predict') {
        // Validation, inference and serialisation each pause every few chunks' worth of examples.
        const steps = parsePredictSteps(body, signature, maxInstances, STEPS_PER_CHUNK * limits.predictChunkSize);
        let step = steps.next();
        while (!step.done) {
          await yieldToEventLoop();
          if (gone()) throw new Abandoned();
          step = steps.next();
        }
        const request = step.value;
        await yieldToEventLoop();
        const outs = await predictFor(request, gone);
        const json = async (list: readonly unknown[]) => {
          const text = await stringifyListInSteps(list, STEPS_PER_CHUNK * limits.predictChunkSize, gone);
          if (text === null) throw new Abandoned();
          return text;
        };
        const outNames = signature.outputs.map((o) => o.name);
        if (request.format === 'row') {
          const predictions = Array.from({ length: request.batchSize }, (_, r) => (outs.length === 1 ? outs[0][r] : Object.fromEntries(outNames.map((n, k) => [n, outs[k][r]]))));
          return new JsonText(`{"predictions":${await json(predictions)}}`);
        }
        if (outs.length === 1) return new JsonText(`{"outputs":${await json(outs[0])}}`);
        const fields: string[] = [];
        for (let k = 0; k < outs.length; k++) fields.push(`${JSON.stringify(outNames[k])}:${await json(outs[k])}`);
        return new JsonText(`{"outputs":{${fields.join(',')}}}`);
      }
      if (verb === 'classify' || verb === 'regress') throw classifyRegressError(verb, body, signature);
      return await routes[verb]({ body, model, signature, name, predict, predictAsync: (request) => predictFor(request, gone) });
    } finally {
      computing--;
    }
  };

  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above on this period (30 s by default): check often enough to honour them.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      const socket = req.socket;
      let closed = false;
      res.once('close', () => {
        closed = true;
        busy.delete(socket);
      });
      // Work stops when the client went away, or when close() cut the connection after its grace period.
      const gone = () => closed || socket.destroyed;
      const markBusy = () => {
        if (!closed) busy.add(socket);
      };
      if (req.complete) markBusy();
      else req.once('end', markBusy);
      handle(req, gone)
        .then((payload) => send(res, 200, payload, closing !== null))
        .catch((e: unknown) => {
          if (e instanceof Abandoned || gone()) return;
          const client = e instanceof HttpError || e instanceof InputError;
          const code = e instanceof HttpError ? e.status : client ? 400 : 500;
          if (!client) log(`model server: ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? e}`);
          // A body we stopped reading (oversized) must not be parsed as the next request: close that connection —
          // after discarding what the client is still sending (bounded), so it reads the answer instead of EPIPE.
          const close = closing !== null || !req.complete;
          void lingerDrain(req, limits.maxBodyBytes).then(() => {
            if (!gone()) send(res, code, { error: (e as Error)?.message ?? String(e) }, close, e instanceof HttpError ? e.headers : {});
          });
        });
    },
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // Reply only if nothing of an answer was written on this socket yet (as node's default handler does).
    const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const [code, reason, message] =
        err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', `the request was not received in time (headersTimeoutMs ${limits.headersTimeoutMs}, requestTimeoutMs ${limits.requestTimeoutMs})`]
          : err.code === 'HPE_HEADER_OVERFLOW'
            ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
            : [400, 'Bad Request', `malformed HTTP request (${err.code ?? err.message})`];
      const text = JSON.stringify({ error: message });
      socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`, () => socket.destroy());
    } else socket.destroy();
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
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      const cut = setTimeout(() => server.closeAllConnections(), limits.closeGraceMs);
      server.close((err) => {
        clearTimeout(cut);
        if (err) reject(err);
        else resolve();
      });
      // Idle keep-alive connections and half-received requests (slow or stalled clients) have nothing to wait for.
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
    });
    return closing;
  };
  const result: ModelServer = { url: `http://${urlHost}:${address.port}`, host: address.address, port: address.port, name, model, signature, close };
  log(`model server: serving "${name}" v${version} at ${result.url}/v1/models/${name} (inputs ${signature.inputs.map((i) => `${i.name}:${i.dtype}`).join(', ')})`);
  return result;
}

/** Thrown when the answer is no longer wanted (client gone, or connection cut by close()); nothing is sent. */
class Abandoned extends Error {}

function send(res: http.ServerResponse, status: number, payload: unknown, closeConnection: boolean, headers: Readonly<Record<string, string>> = {}): void {
  if (res.destroyed) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  let text: string;
  try {
    text = payload instanceof JsonText ? payload.text : JSON.stringify(payload ?? null);
  } catch (e) {
    status = 500;
    text = JSON.stringify({ error: `the handler returned a value that is not JSON-serialisable (${(e as Error).message})` });
  }
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...(closeConnection ? { Connection: 'close' } : {}) });
  res.end(text);
}

/** Most a refused request's unread body is drained before its connection closes (nginx's lingering close). */
const LINGER_MS = 1_000;

/**
 * Discards the rest of a refused request's body — at most `maxBytes` more bytes and {@link LINGER_MS} — so a client
 * still uploading receives the error answer rather than a broken pipe; a bigger or slower body is cut short.
 */
function lingerDrain(req: http.IncomingMessage, maxBytes: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let discarded = 0;
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', stop).off('error', stop).off('close', stop);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > maxBytes) stop();
    };
    const timer = setTimeout(stop, LINGER_MS);
    req.on('data', onData).on('end', stop).on('error', stop).on('close', stop).resume();
  });
}

function drain(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.complete) return resolve();
    req.on('end', resolve).on('error', () => resolve()).on('close', () => resolve()).resume();
  });
}
