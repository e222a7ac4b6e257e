import { InputError } from '../errors';
import type { ModelSignature, ServingInput } from './model-signature';

/** The request formats of TensorFlow Serving's REST predict API. */
export const REQUEST_FORMATS = ['row', 'columnar'] as const;
/** `row`: `{"instances": [...]}` → `{"predictions": [...]}`; `columnar`: `{"inputs": {...}}` → `{"outputs": ...}`. */
export type RequestFormat = (typeof REQUEST_FORMATS)[number];

/** The only signature a served LayersModel has (TF Serving's default name). */
export const DEFAULT_SIGNATURE = 'serving_default';

/** A validated predict request: one flat typed array per input, `[batchSize × exampleSize]`, row-major. */
export interface PredictRequest {
  readonly format: RequestFormat;
  readonly batchSize: number;
  readonly inputs: ReadonlyMap<string, Int32Array | Float32Array>;
}

/**
 * Validates a parsed predict body against a model signature, the way TensorFlow Serving reads it:
 * - row: `{"instances": [{"user_id": 30, "movie_id": 100}, …]}` (a model with one input may send bare values:
 *   `{"instances": [30, 31]}`);
 * - columnar: `{"inputs": {"user_id": [30, 31], "movie_id": [100, 7]}}` (one input: `{"inputs": [30, 31]}`).
 * An example of an input whose per-example shape holds one element (`[]` or `[1]`) may be a scalar or `[x]`.
 * Ids of int32 inputs must be integers in `[0, vocabularySize)`; float32 values must be finite numbers.
 * `signature_name`, if present, must be the string `serving_default`. Other top-level keys are ignored, as TF Serving
 * ignores them. A batch larger than `options.maxInstances` is refused before any value is read.
 *
 * @param body the parsed JSON body.
 * @param signature from {@link describeModel}.
 * @param options `maxInstances`: the largest batch accepted (@default no limit; the model server passes its
 *   `maxInstancesPerRequest`).
 * @returns the format, batch size and one flat array per input.
 * @throws InputError (kind `bad_request`) with a message naming the field, the rule and the value (first problem found).
 * @example
 * parsePredictRequest({ instances: [{ user_id: 30, movie_id: 100 }] }, signature).inputs.get('user_id'); // Int32Array [30]
 */
export function parsePredictRequest(body: unknown, signature: ModelSignature, options: { readonly maxInstances?: number } = {}): PredictRequest {
  const steps = parsePredictSteps(body, signature, options.maxInstances ?? Infinity, Infinity);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link parsePredictRequest} as a generator that pauses (yields) after every `examplesPerStep` examples validated,
 * so a server can serve other requests between steps; it returns the request (or throws the same InputError).
 * Internal to `serving/`.
 *
 * @param body the parsed JSON body.
 * @param signature from `describeModel`.
 * @param maxInstances the largest batch accepted.
 * @param examplesPerStep examples validated between two pauses.
 * @returns a generator whose return value is the validated request.
 * @throws InputError (kind `bad_request`), from `next()`.
 * @example
 * const steps = parsePredictSteps(body, signature, 10_000, 1024);
 * let step = steps.next(); while (!step.done) { await yieldToEventLoop(); step = steps.next(); }
 */
export function* parsePredictSteps(body: unknown, signature: ModelSignature, maxInstances: number, examplesPerStep: number): Generator<void, PredictRequest> {
  const names = signature.inputs.map((i) => i.name);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    fail(`expected the body to be a JSON object with "instances" (row format) or "inputs" (columnar format), but got ${describe(body)}`);
  }
  const b = body as Record<string, unknown>;
  // Other top-level keys are ignored, as TF Serving's FillPredictRequestFromJson only looks up "signature_name",
  // "instances" and "inputs" (tensorflow_serving/util/json_tensor.cc, FillSignature and lines 673-700).
  if (b.signature_name !== undefined && typeof b.signature_name !== 'string') {
    fail(`expected "signature_name" to be a string, but got ${describe(b.signature_name)} ('signature_name' key must be a string value)`);
  }
  if (b.signature_name !== undefined && b.signature_name !== DEFAULT_SIGNATURE) {
    fail(`unknown signature_name ${describe(b.signature_name)}; this model serves "${DEFAULT_SIGNATURE}" only`);
  }
  const hasRows = b.instances !== undefined;
  const hasCols = b.inputs !== undefined;
  if (hasRows === hasCols) {
    fail(hasRows ? 'expected one of "instances" or "inputs", but got both' : `missing "instances" (row format) or "inputs" (columnar format); the model's inputs are ${names.join(', ')}`);
  }
  return hasRows ? yield* parseRows(b.instances, signature, maxInstances, examplesPerStep) : yield* parseColumns(b.inputs, signature, maxInstances, examplesPerStep);
}

function checkBatch(batch: number, maxInstances: number, where: string): void {
  if (batch > maxInstances) fail(`${where} holds ${batch} examples, more than the limit of ${maxInstances} per request (maxInstancesPerRequest); split the batch into several requests`);
}

function* parseRows(instances: unknown, signature: ModelSignature, maxInstances: number, examplesPerStep: number): Generator<void, PredictRequest> {
  if (!Array.isArray(instances) || instances.length === 0) fail(`expected "instances" to be a non-empty list, but got ${describe(instances)}`);
  const rows = instances as unknown[];
  checkBatch(rows.length, maxInstances, '"instances"');
  const single = signature.inputs.length === 1;
  const inputs = new Map<string, Int32Array | Float32Array>();
  for (const input of signature.inputs) inputs.set(input.name, alloc(input, rows.length));
  for (let r = 0; r < rows.length; r++) {
    if (r > 0 && r % examplesPerStep === 0) yield;
    const row = rows[r];
    const isObject = row !== null && typeof row === 'object' && !Array.isArray(row);
    if (!isObject) {
      if (single) {
        write(inputs.get(signature.inputs[0].name)!, signature.inputs[0], r, row, () => `instances[${r}]`);
        continue;
      }
      fail(`expected instances[${r}] to be an object with ${signature.inputs.map((i) => `"${i.name}"`).join(', ')}, but got ${describe(row)}`);
    }
    const obj = row as Record<string, unknown>;
    checkKeys(obj, signature, `instances[${r}]`);
    for (const input of signature.inputs) {
      if (!(input.name in obj)) fail(`instances[${r}] is missing input "${input.name}"`);
      write(inputs.get(input.name)!, input, r, obj[input.name], () => `instances[${r}].${input.name}`);
    }
  }
  return { format: 'row', batchSize: rows.length, inputs };
}

function* parseColumns(columns: unknown, signature: ModelSignature, maxInstances: number, examplesPerStep: number): Generator<void, PredictRequest> {
  let byName: Record<string, unknown>;
  if (Array.isArray(columns) && signature.inputs.length === 1) byName = { [signature.inputs[0].name]: columns };
  else if (columns !== null && typeof columns === 'object' && !Array.isArray(columns)) byName = columns as Record<string, unknown>;
  else fail(`expected "inputs" to be an object mapping ${signature.inputs.map((i) => `"${i.name}"`).join(', ')} to lists, but got ${describe(columns)}`);
  checkKeys(byName!, signature, 'inputs');
  let batch = -1;
  const inputs = new Map<string, Int32Array | Float32Array>();
  for (const input of signature.inputs) {
    const col = byName![input.name];
    if (col === undefined) fail(`"inputs" is missing input "${input.name}"`);
    if (!Array.isArray(col) || col.length === 0) fail(`expected inputs.${input.name} to be a non-empty list with one value per example, but got ${describe(col)}`);
    const list = col as unknown[];
    checkBatch(list.length, maxInstances, `inputs.${input.name}`);
    if (batch >= 0 && list.length !== batch) fail(`expected every input to have the same batch size, but inputs.${input.name} has ${list.length} values and the first input has ${batch}`);
    batch = list.length;
    const out = alloc(input, batch);
    for (let r = 0; r < list.length; r++) {
      if (r > 0 && r % examplesPerStep === 0) yield;
      write(out, input, r, list[r], () => `inputs.${input.name}[${r}]`);
    }
    inputs.set(input.name, out);
  }
  return { format: 'columnar', batchSize: batch, inputs };
}

function checkKeys(obj: Record<string, unknown>, signature: ModelSignature, where: string): void {
  const names = signature.inputs.map((i) => i.name);
  for (const key of Object.keys(obj)) {
    if (!names.includes(key)) fail(`${where} has unknown input "${key}"; the model's inputs are ${names.join(', ')}`);
  }
}

function exampleSize(input: ServingInput): number {
  return input.exampleShape.reduce((a, b) => a * b, 1);
}

function alloc(input: ServingInput, batch: number): Int32Array | Float32Array {
  const n = batch * exampleSize(input);
  return input.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
}

/** Where a value sits in the body (`instances[3].user_id`), built only when an error message needs it. */
type Where = () => string;

/** Writes example `r` (nested list of the per-example shape, or a scalar when it holds one element). */
function write(out: Int32Array | Float32Array, input: ServingInput, r: number, value: unknown, where: Where): void {
  const size = exampleSize(input);
  if (size === 1 && !Array.isArray(value)) {
    out[r] = checkValue(value, input, where);
    return;
  }
  const flat: unknown[] = [];
  if (size === 1 && input.exampleShape.length === 0 && Array.isArray(value) && value.length === 1 && !Array.isArray(value[0])) flat.push(value[0]);
  else if (size === 1 && input.exampleShape.length === 0 && Array.isArray(value) && value.length === 1 && !Array.isArray(value[0])) flat.push(value[0]);
  else flatten(value, input.exampleShape, 0, flat, where, input);
  flat.forEach((v, k) => {
    out[r * size + k] = checkValue(v, input, flat.length === 1 ? where : () => `${where()}[${k}]`);
  });
}

function flatten(value: unknown, shape: readonly number[], axis: number, out: unknown[], where: Where, input: ServingInput): void {
  if (axis === shape.length) {
    out.push(value);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[axis]) {
    fail(`expected ${where()} to be a list of shape [${shape.join(', ')}] (one example of input "${input.name}"), but got ${describe(value)}`);
  }
  for (const v of value as unknown[]) flatten(v, shape, axis + 1, out, where, input);
}

function checkValue(v: unknown, input: ServingInput, where: Where): number {
  if (input.dtype === 'float32') {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`expected ${where()} to be a finite number, but got ${describe(v)}`);
    return v as number;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`expected ${where()} to be an integer id, but got ${describe(v)}`);
  const id = v as number;
  const hi = input.vocabularySize ?? 2 ** 31;
  if (id < 0 || id >= hi) {
    const range = input.vocabularySize === null ? 'the int32 range [0, 2^31)' : `[0, ${input.vocabularySize}) (the vocabulary size of "${input.name}")`;
    fail(`id ${id} at ${where()} is out of range: expected an integer in ${range}`);
  }
  return id;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  // Only short lists of scalars are quoted: a nested list could be arbitrarily deep (and JSON.stringify recursive).
  if (Array.isArray(v)) return v.length <= 8 && v.every((x) => x === null || typeof x !== 'object') ? JSON.stringify(v) : `a list of ${v.length} values`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function fail(rule: string): never {
  throw new InputError('bad_request', `predict: ${rule}.`);
}
