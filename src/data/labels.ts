/**
 * TFDS `movielens` class labels: genres, occupations and age buckets, with TFDS's mappings from the raw files.
 * Source: tensorflow_datasets/structured/movielens.py and movielens_parsing.py.
 */

/**
 * The 21 `movie_genres` labels in TFDS order; a genre is stored as its index here
 * (`Unknown` = 17, `(no genres listed)` = 20). 1m's "Children's" is mapped to `Children`.
 */
export const MOVIE_GENRES = [
  'Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'IMAX', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'Unknown', 'War',
  'Western', '(no genres listed)',
] as const;
/** One of {@link MOVIE_GENRES}. */
export type MovieGenre = (typeof MOVIE_GENRES)[number];

/** The 19 genre flag columns of 100k `u.item`, in file order (TFDS's `all_genre_list`; "Children's" → `Children`). */
export const GENRES_100K = [
  'Unknown', 'Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama',
  'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
] as const satisfies readonly MovieGenre[];

/** The 22 `user_occupation_label` labels in TFDS order; stored as the index here. */
export const OCCUPATION_LABELS = [
  'academic/educator', 'artist', 'clerical/admin', 'customer service', 'doctor/health care', 'entertainment',
  'executive/managerial', 'farmer', 'homemaker', 'lawyer', 'librarian', 'other/not specified', 'programmer',
  'retired', 'sales/marketing', 'scientist', 'self-employed', 'student', 'technician/engineer',
  'tradesman/craftsman', 'unemployed', 'writer',
] as const;
/** One of {@link OCCUPATION_LABELS}. */
export type OccupationLabel = (typeof OCCUPATION_LABELS)[number];

/** TFDS's mapping from the 21 occupation words of 100k `u.user` to {@link OCCUPATION_LABELS}. */
export const OCCUPATION_100K_TO_LABEL: Readonly<Record<string, OccupationLabel>> = Object.freeze({
  administrator: 'clerical/admin',
  artist: 'artist',
  doctor: 'doctor/health care',
  educator: 'academic/educator',
  engineer: 'technician/engineer',
  entertainment: 'entertainment',
  executive: 'executive/managerial',
  healthcare: 'doctor/health care',
  homemaker: 'homemaker',
  lawyer: 'lawyer',
  librarian: 'librarian',
  marketing: 'sales/marketing',
  none: 'other/not specified',
  other: 'other/not specified',
  programmer: 'programmer',
  retired: 'retired',
  salesman: 'sales/marketing',
  scientist: 'scientist',
  student: 'student',
  technician: 'technician/engineer',
  writer: 'writer',
});

/**
 * The 1m occupation codes 0–20 as text (`user_occupation_text`); TFDS maps `K-12 student` and
 * `college/grad student` to the label `student`, every other text is its own label.
 */
export const OCCUPATIONS_1M = [
  'other/not specified', 'academic/educator', 'artist', 'clerical/admin', 'college/grad student',
  'customer service', 'doctor/health care', 'executive/managerial', 'farmer', 'homemaker', 'K-12 student',
  'lawyer', 'programmer', 'retired', 'sales/marketing', 'scientist', 'self-employed', 'technician/engineer',
  'tradesman/craftsman', 'unemployed', 'writer',
] as const;

/** `bucketized_user_age` values: 1 "Under 18", 18 "18-24", 25 "25-34", 35 "35-44", 45 "45-49", 50 "50-55", 56 "56+". */
export const AGE_BUCKETS = [1, 18, 25, 35, 45, 50, 56] as const;

/**
 * TFDS's age bucketing for 100k: the largest of 18, 25, 35, 45, 50, 56 not above `age`, else 1.
 * @param age raw age in years.
 * @returns one of {@link AGE_BUCKETS}.
 * @example
 * bucketizeAge(24); // 18
 * bucketizeAge(7);  // 1
 */
export function bucketizeAge(age: number): number {
  let bucket = 1;
  for (let i = 1; i < AGE_BUCKETS.length; i++) {
    if (age >= AGE_BUCKETS[i]) bucket = AGE_BUCKETS[i];
    else break;
  }
  return bucket;
}
