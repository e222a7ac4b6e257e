/**
 * An error the model server answers with a given HTTP status (and optional headers, e.g. `Retry-After` on a 429).
 * Internal to `serving/`: handlers throw `InputError` for 400s.
 */
export class HttpError extends Error {
  /**
   * @param status the HTTP status code to answer.
   * @param message the text sent as `{"error": message}`.
   * @param headers extra response headers.
   */
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
