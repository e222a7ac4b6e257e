import { InputError } from '../errors';
import type { RouteContext, RouteHandler } from '../serving/model-server';
import { parsePredictRequest } from '../serving/parse-predict-request';
import type { Recommender } from './recommender';

/** Largest k a `:recommend` request may ask for. */
export const MAX_RECOMMEND_K = 1000;

/**
 * A `:recommend` verb for the model server (`startModelServer({ model: rec.queryModel, routes: { recommend:
 * recommendRoute(rec) } })`), in TensorFlow Serving's request shape plus a `k`:
 *
 * ```
 * POST /v1/models/<name>:recommend  {"instances": [{"user_id": 42}], "k": 10}
 *   → {"predictions": [{"movie_ids": [50, 181, …], "scores": [4.1, 3.9, …]}]}
 * POST /v1/models/<name>:recommend  {"inputs": {"user_id": [42, 7]}, "k": 5}
 *   → {"outputs": {"movie_ids": [[…], […]], "scores": [[…], […]]}}
 * ```
 * The instances are validated exactly as `:predict` validates them (`parsePredictRequest` against the served query
 * model's signature: unknown or missing fields, wrong types, ids out of range → HTTP 400); `k` must be an integer in
 * [1, min(index size, 1000)] (default 10). The query embeddings come from the served model (the route's `predict`),
 * the neighbours from the recommender's index.
 *
 * @param recommender its index answers the searches; the server must serve `recommender.queryModel`.
 * @returns the route handler.
 * @example
 * const server = await startModelServer({ model: rec.queryModel, name: 'retrieval', routes: { recommend: recommendRoute(rec) } });
 */
export function recommendRoute(recommender: Recommender): RouteHandler {
  const maxK = Math.min(recommender.index.size, MAX_RECOMMEND_K);
  return (context: RouteContext) => {
    const body = context.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new InputError('bad_request', `recommend: expected the body to be a JSON object with "instances" or "inputs" and optionally "k", but got ${body === undefined ? 'an empty body' : JSON.stringify(body)?.slice(0, 40)}.`);
    }
    const { k: rawK, ...rest } = body as Record<string, unknown>;
    const k = rawK === undefined ? 10 : rawK;
    // A REST answer quotes the value as the request's JSON spelt it.
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > maxK) {
      throw new InputError('bad_request', `recommend: expected "k" to be an integer in [1, ${maxK}], but got ${JSON.stringify(rawK)}.`);
    }
    let request;
    try {
      request = parsePredictRequest(rest, context.signature);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(e.kind, e.message.replace(/^predict:/, 'recommend:'));
      throw e;
    }
    const [queries] = context.predict(request) as number[][][];
    const q = Float32Array.from(queries.flat());
    const r = recommender.index.search(q, k);
    const rows = Array.from({ length: r.numQueries }, (_, i) => {
      const movie_ids: number[] = [];
      const scores: number[] = [];
      for (let j = 0; j < k; j++) {
        if (r.ids[i * k + j] < 0) break;
        movie_ids.push(r.ids[i * k + j]);
        scores.push(r.scores[i * k + j]);
      }
      return { movie_ids, scores };
    });
    if (request.format === 'row') return { predictions: rows };
    return { outputs: { movie_ids: rows.map((x) => x.movie_ids), scores: rows.map((x) => x.scores) } };
  };
}
