import type { ModelSignature } from './model-signature';
import { DEFAULT_SIGNATURE } from './parse-predict-request';

/**
 * tfjs dtypes → `tensorflow.DataType` enum names (tensorflow/core/framework/types.proto): `float32` is `DT_FLOAT`,
 * not `DT_FLOAT32`.
 */
export const TF_DATA_TYPES = Object.freeze({ float32: 'DT_FLOAT', int32: 'DT_INT32', bool: 'DT_BOOL', string: 'DT_STRING', complex64: 'DT_COMPLEX64' } as const);

/** `tensorflow.TensorInfo` in proto3 JSON with proto field names (int64 sizes as strings). */
export interface TensorInfoJson {
  readonly dtype: string;
  readonly tensor_shape: { readonly dim: readonly { readonly size: string; readonly name: string }[]; readonly unknown_rank: boolean };
  readonly name: string;
}

/** `tensorflow.SignatureDef` in proto3 JSON with proto field names, as TF Serving prints it. */
export interface SignatureDefJson {
  readonly inputs: Readonly<Record<string, TensorInfoJson>>;
  readonly outputs: Readonly<Record<string, TensorInfoJson>>;
  readonly method_name: string;
}

/**
 * The `serving_default` SignatureDef of a served model as TF Serving's `/metadata` prints it (`MessageToJsonString`
 * with `preserve_proto_field_names` and `always_print_fields_with_no_presence`, http_rest_api_util.cc `ToJsonString`):
 * `tensorflow.DataType` names, a `-1` batch dimension then the per-example shape, tensor names as a Keras SavedModel
 * has them (`serving_default_<input>:0`, `StatefulPartitionedCall:<k>`), method `tensorflow/serving/predict`.
 * `json_format.ParseDict(def, meta_graph_pb2.SignatureDef())` parses it. Internal to `serving/`.
 *
 * @param signature from `describeModel`.
 * @returns the SignatureDef as JSON.
 * @example
 * signatureDefJson(signature).inputs.user_id.dtype; // 'DT_INT32'
 */
export function signatureDefJson(signature: ModelSignature): SignatureDefJson {
  const info = (dtype: string, shape: readonly number[], name: string): TensorInfoJson => ({
    dtype: TF_DATA_TYPES[dtype as keyof typeof TF_DATA_TYPES] ?? 'DT_INVALID',
    tensor_shape: { dim: [-1, ...shape].map((size) => ({ size: String(size), name: '' })), unknown_rank: false },
    name,
  });
  return {
    inputs: Object.fromEntries(signature.inputs.map((i) => [i.name, info(i.dtype, i.exampleShape, `${DEFAULT_SIGNATURE}_${i.name}:0`)])),
    outputs: Object.fromEntries(signature.outputs.map((o, k) => [o.name, info(o.dtype, o.exampleShape, `StatefulPartitionedCall:${k}`)])),
    method_name: 'tensorflow/serving/predict',
  };
}
