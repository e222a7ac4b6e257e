// Test helper (not a test): runs scripts/serve.ts as a real child process and waits for its URL.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../scripts/serve.ts');

/** A running `npm run serve` child. */
export interface ServeChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once the child has exited. */
  readonly exited: Promise<number | null>;
}

/**
 * Spawns `node --import tsx scripts/serve.ts <dir> --port 0 …args` and resolves once it prints its URL.
 * The child is SIGKILLed after `killAfterMs` whatever happens, so no test leaves it behind.
 */
export async function startServeChild(dir: string, args: string[], killAfterMs: number): Promise<ServeChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, dir, '--port', '0', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const guard = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\/v1\/models\//.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`serve exited early with ${code}: ${err}`)));
  });
  return { child, url, port: Number(new URL(url).port), stderr: () => err, exited };
}

/** Resident set size of a process in bytes (Linux `/proc/<pid>/status`, VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}
