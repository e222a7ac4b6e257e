/**
 * The release year MovieLens writes at the end of a movie title, `"Toy Story (1995)"` → 1995. Every MovieLens
 * format (100k `u.item`, 1m `movies.dat`, the CSV releases) carries it there, and TFDS keeps it only there (it
 * drops 100k's `release_date` column).
 *
 * @param title a `movie_title`.
 * @returns the year, or null when the title does not end with a parenthesised four-digit year (e.g. `"unknown"`).
 * @example
 * releaseYearOf('Kolya (1996)');  // 1996
 * releaseYearOf('unknown');       // null
 */
export function releaseYearOf(title: string): number | null {
  const m = /\((\d{4})\)\s*$/.exec(title);
  return m ? Number(m[1]) : null;
}
