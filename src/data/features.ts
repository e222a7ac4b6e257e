import type { DictionaryColumn, RaggedColumn } from './columns';

/** Every TFDS `movielens` feature name, in TFDS's order (movie, rating, then demographic features). */
export const FEATURE_NAMES = [
  'movie_id',
  'movie_title',
  'movie_genres',
  'user_id',
  'user_rating',
  'timestamp',
  'user_gender',
  'bucketized_user_age',
  'user_occupation_label',
  'user_occupation_text',
  'user_zip_code',
  'raw_user_age',
] as const;
/** One of {@link FEATURE_NAMES}. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Features of `*-movies` configs. */
export const MOVIE_FEATURES = ['movie_id', 'movie_title', 'movie_genres'] as const;
/** Features every `*-ratings` config adds to the movie features. */
export const RATING_FEATURES = ['user_id', 'user_rating', 'timestamp'] as const;
/** Features `100k-ratings` and `1m-ratings` add (100k also has `raw_user_age`). */
export const DEMOGRAPHIC_FEATURES = [
  'user_gender',
  'bucketized_user_age',
  'user_occupation_label',
  'user_occupation_text',
  'user_zip_code',
] as const;

/**
 * The whole-column type of each feature (see {@link MovieLensData.column}). Ids are Int32Array (TFDS: strings of
 * the same digits); `user_gender` is 1 for male (TFDS `True`); labels are indices into MOVIE_GENRES /
 * OCCUPATION_LABELS.
 */
export interface FeatureColumns {
  movie_id: Int32Array;
  movie_title: DictionaryColumn;
  movie_genres: RaggedColumn;
  user_id: Int32Array;
  user_rating: Float32Array;
  timestamp: Float64Array;
  user_gender: Uint8Array;
  bucketized_user_age: Float32Array;
  user_occupation_label: Uint8Array;
  user_occupation_text: DictionaryColumn;
  user_zip_code: DictionaryColumn;
  raw_user_age: Float32Array;
}

/** The type of each feature in a batch: numbers as typed arrays, text as string arrays, genres ragged. */
export interface BatchColumns {
  movie_id: Int32Array;
  movie_title: string[];
  movie_genres: RaggedColumn;
  user_id: Int32Array;
  user_rating: Float32Array;
  timestamp: Float64Array;
  user_gender: Uint8Array;
  bucketized_user_age: Float32Array;
  user_occupation_label: Uint8Array;
  user_occupation_text: string[];
  user_zip_code: string[];
  raw_user_age: Float32Array;
}

/** The numeric features (typed arrays in batches, convertible to tensors without a dictionary). */
export const NUMERIC_FEATURES = [
  'movie_id',
  'user_id',
  'user_rating',
  'timestamp',
  'user_gender',
  'bucketized_user_age',
  'user_occupation_label',
  'raw_user_age',
] as const;
