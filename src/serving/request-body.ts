import type * as http from 'node:http';
import { HttpError } from './http-error';
import { jsonNestingDepth } from './json-nesting-depth';

/**
 * Reads a request body up to `maxBytes`. An oversized body is refused as soon as it is known (declared
 * `Content-Length`, or the running count of a chunked body): HTTP 400 naming `maxBodyBytes`. A client that goes away
 * mid-body rejects the promise too (nothing is left waiting).
 *
 * @param req the incoming request.
 * @param maxBytes the largest body accepted.
 * @returns the whole body.
 * @throws HttpError 400 when the body is too large or cannot be read.
 * @example
 * const bytes = await readBody(req, 1024 * 1024);
 */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooBig = (n: string) => new HttpError(400, `request body of ${n} bytes exceeds the limit of ${maxBytes} bytes (maxBodyBytes); send smaller batches`);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(tooBig(String(declared)));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: HttpError | null) => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) {
        chunks.length = 0;
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(tooBig(`more than ${maxBytes}`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onError = (e: Error) => finish(new HttpError(400, `could not read the request body (${e.message})`));
    const onClose = () => finish(new HttpError(400, 'the client closed the connection before sending the whole body'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Parses a JSON body after checking its nesting depth on the raw bytes (so a `[[[[…` bomb never reaches a recursive
 * walker, and its text is not echoed back).
 *
 * @param bytes the body, UTF-8.
 * @param maxDepth the deepest `[`/`{` nesting accepted.
 * @returns the parsed value.
 * @throws HttpError 400 for an empty body, a body nested deeper than `maxDepth`, or malformed JSON.
 * @example
 * parseJsonBody(Buffer.from('{"instances": [1]}'), 32); // { instances: [1] }
 */
export function parseJsonBody(bytes: Buffer, maxDepth: number): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'the request body is empty; expected JSON such as {"instances": [...]}');
  if (jsonNestingDepth(bytes, maxDepth) > maxDepth) {
    throw new HttpError(400, `the JSON body is nested more than ${maxDepth} levels deep (maxJsonDepth); a predict request needs a few levels ({"instances": [{"input": [...]}]})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `malformed JSON body: ${(e as Error).message}`);
  }
}
