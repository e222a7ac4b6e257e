export { SERVING_DTYPES, describeModel } from './model-signature';
export type { ServingDtype, ServingInput, ServingOutput, ModelSignature, DescribeModelOptions } from './model-signature';
export { REQUEST_FORMATS, DEFAULT_SIGNATURE, parsePredictRequest } from './parse-predict-request';
export type { RequestFormat, PredictRequest } from './parse-predict-request';
export { MODEL_SERVER_DEFAULTS, startModelServer } from './model-server';
export type { ModelServer, ModelServerOptions, RouteContext, RouteHandler } from './model-server';
