// `npm start`: the tutorial's main job. Until the later steps exist it runs the data step (notebook 01 as a
// script): load MovieLens 100K, print the table head and a summary, make the 80/20 split, and save the two
// figures as one offline HTML page in outputs/ (git-ignored).
import * as path from 'node:path';
import { chooseBackend, histogramFigure, loadMovieLens, logLogFigure, saveHtml, tutorialSplit } from '../src';

const OUTPUTS = path.resolve(__dirname, '..', 'outputs');

async function main(): Promise<void> {
  const t0 = performance.now();
  await chooseBackend();

  const ratings = await loadMovieLens('100k-ratings');
  const loadMs = performance.now() - t0;
  console.log(`100k-ratings from ${ratings.source}: ${ratings.length} ratings, ${ratings.numUsers} users, ${ratings.numMovies} movies (${loadMs.toFixed(0)} ms)`);
  ratings.toTable({ features: ['user_id', 'movie_id', 'movie_title', 'user_rating', 'timestamp'] }).print(5);

  const stars = ratings.column('user_rating');
  let sum = 0;
  for (const r of stars) sum += r;
  const table = ratings.toTable({ features: ['movie_id', 'user_id'] });
  const perMovie = table.groupby('movie_id').count().array('count') as number[];
  const perUser = table.groupby('user_id').count().array('count') as number[];
  const range = (a: number[]) => `${Math.min(...a)}–${Math.max(...a)}`;
  console.log(
    `mean rating ${(sum / stars.length).toFixed(3)} stars; ratings per movie ${range(perMovie)}, per user ${range(perUser)}`,
  );

  const { train, test } = tutorialSplit(ratings, { seed: 42 });
  console.log(`tutorial split (seed 42): train ${train.length}, test ${test.length}`);

  const file = saveHtml(
    [
      histogramFigure({ values: stars, title: 'MovieLens 100K: how users rate', xTitle: 'rating', xUnit: 'stars', yTitle: 'ratings' }),
      logLogFigure({
        title: 'Long tail: ratings per id',
        yTitle: 'ratings',
        series: [
          { name: 'movies', counts: perMovie },
          { name: 'users', counts: perUser },
        ],
      }),
    ],
    path.join(OUTPUTS, '01-movielens-data.html'),
    { title: 'tpu-embeddings · 01 MovieLens 100K data' },
  );
  console.log(`figures: ${path.relative(process.cwd(), file)}`);
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
