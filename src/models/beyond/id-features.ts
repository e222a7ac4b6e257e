import { featureConfig, tableConfig, type FeatureConfig } from '../../embedding';

/**
 * The two id features every rating model starts from: `user_id` → table `user`, `movie_id` → table `movie`, both
 * `dim` wide (TensorFlow's default initializer). Models take any feature list; this is the default one.
 * @param sizes vocabulary sizes and width.
 * @returns `{ user_id, movie_id }` feature configs.
 * @example new DLRM({ features: { ...idFeatures({ users: 944, movies: 1683, dim: 32 }), movie_genres: genresFeature } })
 */
export function idFeatures(sizes: { readonly users: number; readonly movies: number; readonly dim: number }): Record<'user_id' | 'movie_id', FeatureConfig> {
  return {
    user_id: featureConfig({ table: tableConfig({ vocabularySize: sizes.users, dim: sizes.dim, name: 'user' }) }),
    movie_id: featureConfig({ table: tableConfig({ vocabularySize: sizes.movies, dim: sizes.dim, name: 'movie' }) }),
  };
}
