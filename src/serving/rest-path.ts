import { HttpError } from './http-error';

/**
 * What a request path of TensorFlow Serving's REST API asks for, as `ParseModelInfo` reads it
 * (tensorflow_serving/model_servers/http_rest_api_util.cc). Internal to `serving/`.
 */
export interface RestPath {
  /** `status` (GET `/v1/models/<name>`), `metadata` (GET `…/metadata`) or a verb (POST `…:<verb>`). */
  readonly kind: 'status' | 'metadata' | 'verb';
  /** The model name, %-decoded. */
  readonly modelName: string;
  /** The `/versions/<n>` number, when given. */
  readonly version?: bigint;
  /** The `/labels/<label>` label, %-decoded, when given. */
  readonly label?: string;
  /** The verb after `:` (kind `verb`), exactly as sent (TF Serving compares it case-sensitively). */
  readonly verb?: string;
}

/** Paths TF Serving's REST dispatcher takes; any other path is not its (404): `kHTTPRestApiHandlerPathRegex` in http_rest_api_util.h:33. */
const API_RE = /^\/v1\//i;
/**
 * POST paths: `kPredictionApiGegex` in http_rest_api_util.cc:31-32, `(?i)` and all, except that the verb is any word
 * (custom routes) instead of `classify|regress|predict`; an unknown verb gets the same 400 below.
 */
const POST_RE = /^\/v1\/models\/([^/:]+)(?:\/versions\/(\d+)|\/labels\/([^/:]+))?:([A-Za-z_]+)$/i;
/** GET paths: `kModelStatusApiRegex` in http_rest_api_util.cc:33-34. */
const GET_RE = /^\/v1\/models(?:\/([^/:]+))?(?:\/versions\/(\d+)|\/labels\/([^/:]+))?(?:\/(metadata))?$/i;
/** `absl::SimpleAtoi` into an int64 (http_rest_api_util.cc:115-120). */
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses a request line the way TF Serving's `ParseModelInfo` and `ProcessRequest` do
 * (http_rest_api_util.cc:90-131, http_rest_api_handler.cc:65-109):
 * - a path outside `/v1/` → 404 (TF Serving's dispatcher ignores it);
 * - keywords are case-insensitive (`/V1/Models/m/Versions/1:predict`), but a verb is compared as sent, so
 *   `:PREDICT` is not `:predict` (http_rest_api_handler.cc:86-95) and `/METADATA` asks for the status
 *   (http_rest_api_handler.cc:98);
 * - any method but GET and POST, a GET on a verb, a POST without one, a trailing `/`, a non-numeric version,
 *   both a version and a label → 400 `Malformed request: <method> <path>`;
 * - `GET /v1/models` → 400 `Missing model name in request.` (http_rest_api_handler.cc:187-189);
 * - a version over int64 → 400 `Failed to convert version` (http_rest_api_util.cc:115-120).
 *
 * @param method the HTTP method.
 * @param rawUrl the request target (`req.url`); the query string is ignored.
 * @param verbs the verbs served (`predict`, `classify`, `regress` and custom routes); others are malformed requests.
 * @returns what the path asks for.
 * @throws HttpError 404 outside `/v1/`, 400 for a malformed request or a malformed %-escape.
 * @example
 * parseRestPath('POST', '/v1/models/ranking/versions/1:predict', new Set(['predict'])); // { kind: 'verb', modelName: 'ranking', version: 1n, verb: 'predict' }
 */
export function parseRestPath(method: string | undefined, rawUrl: string | undefined, verbs: ReadonlySet<string>): RestPath {
  const raw = rawUrl ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  if (!API_RE.test(path)) throw new HttpError(404, `no route for ${method} ${path}; TF Serving's REST API lives under /v1/ (e.g. GET /v1/models/<name>, POST /v1/models/<name>:predict)`);
  const malformed = () =>
    new HttpError(
      400,
      `Malformed request: ${method} ${path}; expected GET /v1/models/<name>[/versions/<n> or /labels/<label>][/metadata] or POST /v1/models/<name>[/versions/<n> or /labels/<label>]:<verb> with a verb among ${[...verbs].join(', ')}`,
    );
  const m = method === 'POST' ? POST_RE.exec(path) : method === 'GET' ? GET_RE.exec(path) : null;
  if (!m) throw malformed();
  const [, rawName, rawVersion, rawLabel, last] = m;
  if (rawName === undefined) throw new HttpError(400, 'Missing model name in request.');
  const modelName = decodeSegment(rawName, 'model name');
  let version: bigint | undefined;
  if (rawVersion !== undefined) {
    version = BigInt(rawVersion);
    if (version > INT64_MAX) throw new HttpError(400, `Failed to convert version: ${rawVersion} to numeric; a version is an int64 (at most ${INT64_MAX}).`);
  }
  const label = rawLabel === undefined ? undefined : decodeSegment(rawLabel, 'model version label');
  if (method === 'GET') return { kind: last === 'metadata' ? 'metadata' : 'status', modelName, version, label };
  if (!verbs.has(last)) throw malformed();
  return { kind: 'verb', modelName, version, label, verb: last };
}

function decodeSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `malformed %-escape in the URL path; escape '%' as %25 (in the ${what} ${JSON.stringify(segment)})`);
  }
}
