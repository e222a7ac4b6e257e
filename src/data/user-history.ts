import { InputError } from '../errors';

/** The ratings a {@link UserHistory} is built from: one entry per rating, the three arrays of the same length. */
export interface HistoryRatings {
  readonly user_id: ArrayLike<number>;
  readonly movie_id: ArrayLike<number>;
  /** Seconds since 1970-01-01 UTC. */
  readonly timestamp: ArrayLike<number>;
}

/**
 * Each user's ratings in time order, to answer "what had this user rated **strictly before** time t?" without
 * looking at the future: the history feature and the recency feature of {@link movieLensFeatures} read it.
 *
 * Ratings of a user are kept sorted by timestamp (ties in the order given). A query at time t sees only the
 * ratings with timestamp < t: a rating at the same second as t is not history (it may be the target itself, or
 * rated in the same batch of clicks), nor is anything later.
 *
 * ```
 * user 7:  ts  100  200  200  300
 *          id   11   12   13   14
 * before(7, 300, 2) → [13, 12]     (most recent first; 14 at t itself is excluded)
 * before(7, 200, 5) → [11]         (12 and 13 are at t)
 * before(7, 100, 5) → []
 * ```
 *
 * @example
 * const h = new UserHistory({ user_id: [7, 7], movie_id: [11, 12], timestamp: [100, 200] });
 * h.before(7, 250, 10);   // Int32Array [12, 11]
 * h.previousTime(7, 250); // 200
 */
export class UserHistory {
  /** Ratings by user: user u's are at `[offsets[u], offsets[u + 1])` of `movies` / `times`, oldest first. */
  private readonly offsets: Int32Array;
  private readonly movies: Int32Array;
  private readonly times: Float64Array;

  /**
   * @param ratings the ratings that may appear in histories (normally the training split only).
   * @throws InputError `bad_history` when the arrays differ in length or hold a negative or non-integer id or a
   *   non-finite timestamp (naming the position and the value).
   */
  constructor(ratings: HistoryRatings) {
    const api = 'UserHistory';
    const n = ratings?.user_id?.length;
    if (n === undefined || ratings.movie_id?.length !== n || ratings.timestamp?.length !== n) {
      throw new InputError(
        'bad_history',
        `${api}: expected user_id, movie_id and timestamp of the same length, but got ${ratings?.user_id?.length}, ${ratings?.movie_id?.length}, ${ratings?.timestamp?.length}.`,
      );
    }
    let maxUser = -1;
    for (let i = 0; i < n; i++) {
      const u = ratings.user_id[i];
      const m = ratings.movie_id[i];
      const t = ratings.timestamp[i];
      if (!Number.isInteger(u) || u < 0 || !Number.isInteger(m) || m < 0 || !Number.isFinite(t)) {
        throw new InputError(
          'bad_history',
          `${api}: expected non-negative integer ids and finite timestamps, but rating ${i} has user_id ${u}, movie_id ${m}, timestamp ${t}.`,
        );
      }
      if (u > maxUser) maxUser = u;
    }
    const offsets = new Int32Array(maxUser + 2);
    for (let i = 0; i < n; i++) offsets[ratings.user_id[i] + 1]++;
    for (let u = 0; u <= maxUser; u++) offsets[u + 1] += offsets[u];
    const order = new Int32Array(n);
    const fill = offsets.slice(0, maxUser + 1);
    for (let i = 0; i < n; i++) order[fill[ratings.user_id[i]]++] = i;
    const movies = new Int32Array(n);
    const times = new Float64Array(n);
    for (let u = 0; u <= maxUser; u++) {
      // A stable sort by time of this user's ratings (already in input order).
      const seg = Array.from(order.subarray(offsets[u], offsets[u + 1])).sort(
        (a, b) => ratings.timestamp[a] - ratings.timestamp[b] || a - b,
      );
      for (let k = 0; k < seg.length; k++) {
        movies[offsets[u] + k] = ratings.movie_id[seg[k]];
        times[offsets[u] + k] = ratings.timestamp[seg[k]];
      }
    }
    this.offsets = offsets;
    this.movies = movies;
    this.times = times;
  }

  /** Number of ratings held. */
  get length(): number {
    return this.movies.length;
  }

  /** Position of the user's first rating at or after t (the end of what is history at t). */
  private cut(user: number, t: number): { start: number; end: number } {
    if (!(user >= 0 && user + 1 < this.offsets.length)) return { start: 0, end: 0 };
    const start = this.offsets[user];
    let lo = start;
    let hi = this.offsets[user + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return { start, end: lo };
  }

  /**
   * The last `n` movies the user rated strictly before `t`, most recent first (so truncating the result keeps the
   * most recent ones).
   * @param user a user id (an unknown user has no history).
   * @param t the time of the rating being predicted (seconds).
   * @param n how many at most.
   * @returns a new Int32Array of at most n movie ids.
   */
  before(user: number, t: number, n: number): Int32Array {
    const { start, end } = this.cut(user, t);
    const k = Math.min(n, end - start);
    const out = new Int32Array(k);
    for (let j = 0; j < k; j++) out[j] = this.movies[end - 1 - j];
    return out;
  }

  /**
   * The time of the user's last rating strictly before `t`, or null when there is none.
   * @param user a user id.
   * @param t seconds.
   */
  previousTime(user: number, t: number): number | null {
    const { start, end } = this.cut(user, t);
    return end > start ? this.times[end - 1] : null;
  }
}
