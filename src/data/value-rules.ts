/**
 * The value rules the MovieLens readers enforce, each stated once; a value breaking one is a DataError
 * `malformed_line` naming the file, the line, the field, the rule and the value. Numbers are decimal digits only
 * (no sign, space, `0x`, exponent or empty field).
 */

/** The largest id (user or movie) accepted: ids are kept in Int32Arrays, so larger ones are refused, not wrapped. */
export const MAX_ID = 2 ** 31 - 1;

/** The youngest raw age (years) accepted in 100k `u.user` (the real file's range is 7–73). */
export const MIN_AGE = 1;
/** The oldest raw age (years) accepted in 100k `u.user`. */
export const MAX_AGE = 120;

/** How far past the reading machine's clock a timestamp may lie (clock skew), in seconds: one day. */
export const TIMESTAMP_FUTURE_SLACK_S = 24 * 60 * 60;

/**
 * The latest plausible rating timestamp, in Unix seconds: now plus {@link TIMESTAMP_FUTURE_SLACK_S}. The earliest
 * is 0 (1970-01-01); MovieLens ratings run from 1995 to 2023.
 * @param nowMs the current time in ms. @default Date.now()
 * @example
 * maxTimestamp(Date.UTC(2026, 0, 1)); // 1767312000 (2026-01-02T00:00:00Z)
 */
export function maxTimestamp(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000) + TIMESTAMP_FUTURE_SLACK_S;
}

/** What a 100k / 1m rating must be: an integer from 1 to 5 (stars). */
export const INTEGER_RATING_RULE = 'an integer rating from 1 to 5';
/** What a CSV (20m, 25m, latest-small) rating must be: 0.5 to 5 in steps of 0.5. */
export const HALF_STAR_RATING_RULE = 'a rating from 0.5 to 5 in steps of 0.5';

/**
 * Whether `r` is a CSV rating: 0.5 to 5 in steps of 0.5 ({@link HALF_STAR_RATING_RULE}).
 * @example
 * isHalfStarRating(3.5); // true
 * isHalfStarRating(3.3); // false
 */
export function isHalfStarRating(r: number): boolean {
  const halves = r * 2;
  return Number.isInteger(halves) && halves >= 1 && halves <= 10;
}
