// Test helper (not a test): the load side of the serving abuse test, run as its own process so that its work does
// not delay the status GETs the test measures. `node --import tsx abuse-client.ts <url> <ms>` sends, until <ms> have
// passed, in parallel: small good predicts, maximal predicts, abandoned maximal predicts (socket destroyed after the
// body, or mid-body) and malformed requests; then prints one JSON line `{"statuses": {"200": n, …}}`.
import * as net from 'node:net';

export const USERS = 944;
export const MOVIES = 1683;
export const PREDICT = '/v1/models/ranking:predict';
export const STATUS = '/v1/models/ranking';
/** The server's default limits this client aims at (MODEL_SERVER_DEFAULTS, repeated so this process loads no tfjs). */
const MAX_INSTANCES = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;

/** A row-format predict body of `n` instances with ids in range. */
export const rows = (n: number, offset = 0): string =>
  JSON.stringify({ instances: Array.from({ length: n }, (_, i) => ({ user_id: (i + offset) % USERS, movie_id: (7 * i + offset) % MOVIES })) });

/** Sends `body` as a POST on a raw socket (only its first `bytes` bytes), then destroys the socket `afterMs` later. */
export function abandon(port: number, body: string, afterMs: number, bytes = Buffer.byteLength(body)): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST ${PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
      socket.write(Buffer.from(body).subarray(0, bytes), () => setTimeout(() => socket.destroy(), afterMs));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

async function main(url: string, durationMs: number): Promise<void> {
  const port = Number(new URL(url).port);
  const maximal = rows(MAX_INSTANCES);
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const malformed: Array<[string, string, string | undefined]> = [
    ['POST', PREDICT, deep],
    ['POST', PREDICT, `{"instances": ${deep}}`],
    ['POST', PREDICT, '{"instances": [{"user_id": NaN, "movie_id": 1}]}'],
    ['POST', PREDICT, '{"instances": [{"user_id": 944, "movie_id": 1}]}'],
    ['POST', PREDICT, rows(MAX_INSTANCES + 1)],
    ['POST', '/v1/models/%E0%A4%A:predict', '{}'],
    ['GET', PREDICT, undefined],
    ['DELETE', STATUS, undefined],
    ['POST', PREDICT, 'x'.repeat(MAX_BODY_BYTES + 1)],
  ];
  const small = Array.from({ length: 8 }, (_, k) => rows(1 + 4 * k, k));
  const statuses: Record<string, number> = {};
  const end = Date.now() + durationMs;
  const loop = async (step: (i: number) => Promise<void>) => {
    for (let i = 0; Date.now() < end; i++) await step(i);
  };
  const request = async (method: string, urlPath: string, body?: string) => {
    try {
      const res = await fetch(`${url}${urlPath}`, { method, body, signal: AbortSignal.timeout(10_000) });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      await res.arrayBuffer();
    } catch (e) {
      // Which request failed and why (fetch's own message is only "fetch failed"; the cause has the socket's code).
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const key = `error ${method} ${urlPath.slice(0, 40)} body ${body?.length ?? 0} B: ${(e as Error).message} (${cause?.code ?? cause?.message ?? 'no cause'})`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  };
  await Promise.all([
    loop((i) => request('POST', PREDICT, small[i % small.length])),
    loop((i) => request('POST', PREDICT, small[(i + 3) % small.length])),
    loop(() => request('POST', PREDICT, maximal)),
    loop((i) => abandon(port, maximal, i % 3 === 0 ? 0 : 20, i % 2 === 0 ? Buffer.byteLength(maximal) : 100_000)),
    loop((i) => request(...malformed[i % malformed.length])),
  ]);
  console.log(JSON.stringify({ statuses }));
}

if (require.main === module) {
  main(process.argv[2], Number(process.argv[3])).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
