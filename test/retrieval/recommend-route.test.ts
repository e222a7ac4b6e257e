import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { Random } from '../../src/random';
import { MAX_RECOMMEND_K, TwoTowerModel, recommendRoute, type Recommender } from '../../src/retrieval';
import { startModelServer, type ModelServer } from '../../src/serving';

let server: ModelServer;
let rec: Recommender;
const path = '/v1/models/retrieval:recommend';

async function post(body: string, url = path): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${url}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, json: await res.json() };
}

describe('POST /v1/models/<name>:recommend', () => {
  before(async () => {
    await chooseBackend();
    const model = new TwoTowerModel({ topology: 'cpu', userVocabularySize: 30, movieVocabularySize: 50, embeddingDim: 8, samplingCorrection: false, candidateIds: Int32Array.from({ length: 49 }, (_, i) => i + 1) });
    const rng = new Random(1);
    const user_id = Int32Array.from({ length: 64 }, () => rng.int(30));
    model.trainStep({ user_id, movie_id: Int32Array.from(user_id, (u) => 1 + (u % 49)) });
    rec = model.recommender('exact');
    model.dispose();
    server = await startModelServer({ model: rec.queryModel, name: 'retrieval', routes: { recommend: recommendRoute(rec) } });
  });

  it('answers row and columnar requests with the recommender\'s top k', async () => {
    const r = await post(JSON.stringify({ instances: [{ user_id: 3 }, { user_id: 4 }], k: 4 }));
    assert.equal(r.status, 200);
    assert.equal(r.json.predictions.length, 2);
    const want = rec.recommend(3, 4);
    assert.deepEqual(r.json.predictions[0].movie_ids, want.movieIds);
    r.json.predictions[0].scores.forEach((s: number, i: number) => assert.ok(Math.abs(s - want.scores[i]) < 1e-5));
    const c = await post(JSON.stringify({ inputs: { user_id: [3] } }));
    assert.equal(c.status, 200);
    assert.equal(c.json.outputs.movie_ids[0].length, 10, 'k defaults to 10');
    assert.deepEqual(c.json.outputs.movie_ids[0].slice(0, 4), want.movieIds);
    // :predict on the same server returns the query embedding.
    const p = await post(JSON.stringify({ instances: [{ user_id: 3 }] }), '/v1/models/retrieval:predict');
    assert.equal(p.status, 200);
    assert.equal(p.json.predictions[0].length, 8);
  });

  it('answers bad requests with 400 and a message, as predict does', async () => {
    const cases: [string, RegExp][] = [
      ['{"instances": [{"user_id": 3}], "k": 0}', /"k" to be an integer in \[1, 49\], but got 0/],
      ['{"instances": [{"user_id": 3}], "k": 2.5}', /"k" to be an integer/],
      ['{"instances": [{"user_id": 3}], "k": "10"}', /"k" to be an integer.*"10"/],
      [`{"instances": [{"user_id": 3}], "k": ${MAX_RECOMMEND_K + 1}}`, /"k" to be an integer in \[1, 49\]/],
      ['{"instances": [{"user_id": 30}]}', /^recommend: id 30 at instances\[0\]\.user_id is out of range: expected an integer in \[0, 30\)/],
      ['{"instances": [{"user_id": -1}]}', /out of range/],
      ['{"instances": [{"user_id": "7"}]}', /integer id, but got the string "7"/],
      ['{"instances": [{"movie_id": 7}]}', /unknown input "movie_id"/],
      ['{"instances": []}', /non-empty list/],
      ['{"k": 3}', /missing "instances" \(row format\) or "inputs"/],
      ['[1, 2]', /JSON object with "instances" or "inputs"/],
      ['{not json', /malformed JSON body/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      assert.equal(r.status, 400, body);
      assert.match(r.json.error, message, body);
    }
    // The server keeps serving.
    assert.equal((await post('{"instances": [{"user_id": 1}], "k": 1}')).status, 200);
  });

  after(async () => {
    await server.close();
    rec.dispose();
  });
});
