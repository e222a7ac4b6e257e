import { InputError } from '../errors';
import type { ModelSignature } from './model-signature';
import { DEFAULT_SIGNATURE } from './parse-predict-request';

/** TF Serving's verbs for models with a classification or regression signature. */
export const CLASSIFY_REGRESS_VERBS = ['classify', 'regress'] as const;

/**
 * The 400 TF Serving answers to `:classify` or `:regress` on a model whose only signature is a predict signature
 * (a Keras model's `serving_default`), which is every model this server serves. In TF Serving's order:
 * 1. the body as `FillClassifyRegressRequestFromJson` reads it (tensorflow_serving/util/json_tensor.cc): a JSON
 *    object, `signature_name` a string, `examples` a non-empty list of objects (`context` optional; other keys ignored);
 * 2. the signature: `No signature was found with the name: <name>` (classifier.cc / regressor.cc
 *    `Get…SignatureDef`);
 * 3. `PreProcessClassification` / `PreProcessRegression` (classifier.cc:176-205, regressor.cc:170-205) with TF
 *    Serving's default `enable_signature_method_name_check=false` (server.h:102): `Expected one input Tensor.`,
 *    then the output count, then `No classification inputs found in SignatureDef` (an input named `inputs`), and
 *    since such an input must take serialized `tf.Example` strings (DT_STRING) and this server's inputs are numbers,
 *    the last step always refuses. Internal to `serving/`.
 *
 * @param verb `classify` or `regress`.
 * @param body the parsed JSON body.
 * @param signature the served model's signature.
 * @returns the InputError (kind `bad_request`) to answer with (HTTP 400).
 * @example
 * throw classifyRegressError('classify', { examples: [{ user_id: 1 }] }, signature); // 400 "classify: Expected one input Tensor. …"
 */
export function classifyRegressError(verb: (typeof CLASSIFY_REGRESS_VERBS)[number], body: unknown, signature: ModelSignature): InputError {
  const error = (rule: string) => new InputError('bad_request', `${verb}: ${rule}`);
  const served = `this server serves predict signatures only: use :predict with {"instances": [...]}`;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return error(`expected the body to be a JSON object with "examples", but got ${Array.isArray(body) ? 'a list' : typeof body}.`);
  const b = body as Record<string, unknown>;
  if (b.signature_name !== undefined && typeof b.signature_name !== 'string') return error(`'signature_name' key must be a string value.`);
  if (b.context !== undefined && (b.context === null || typeof b.context !== 'object' || Array.isArray(b.context))) return error('Example must be JSON object ("context").');
  if (b.examples === undefined) return error(`When method is ${verb}, key 'examples' is expected and was not found.`);
  if (!Array.isArray(b.examples)) return error(`Expecting 'examples' value to be an list/array.`);
  if (b.examples.length === 0) return error(`'examples' value is an empty array.`);
  const notObject = b.examples.findIndex((e) => e === null || typeof e !== 'object' || Array.isArray(e));
  if (notObject >= 0) return error(`Example must be JSON object (examples[${notObject}]).`);
  const name = (b.signature_name as string | undefined) || DEFAULT_SIGNATURE;
  if (name !== DEFAULT_SIGNATURE) return error(`No signature was found with the name: ${name}; this model has "${DEFAULT_SIGNATURE}" only.`);
  const inputs = signature.inputs.map((i) => i.name);
  if (inputs.length !== 1) return error(`Expected one input Tensor. Signature "${DEFAULT_SIGNATURE}" has ${inputs.length} (${inputs.join(', ')}); ${served}.`);
  const outputs = signature.outputs.length;
  if (verb === 'classify' && outputs !== 1 && outputs !== 2) return error(`Expected one or two output Tensors, found ${outputs}; ${served}.`);
  if (verb === 'regress' && outputs !== 1) return error(`Expected one output Tensor. Signature "${DEFAULT_SIGNATURE}" has ${outputs}; ${served}.`);
  const kind = verb === 'classify' ? 'classification' : 'regression';
  if (inputs[0] !== 'inputs') return error(`No ${kind} inputs found in SignatureDef "${DEFAULT_SIGNATURE}" (its input is "${inputs[0]}", not "inputs"); ${served}.`);
  return error(`the ${kind} input "inputs" must take serialized tf.Example strings (DT_STRING), but this model's is ${signature.inputs[0].dtype}; ${served}.`);
}
