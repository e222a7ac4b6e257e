// Serves an exported tfjs LayersModel with TensorFlow Serving's REST API.
// Usage: npm run serve -- <export dir> [--port N] [--name M] [--host H] [--max-body-bytes B]
//   defaults: port 8501 (TF Serving's REST port), name 'ranking', host 127.0.0.1, max body 1 MiB.
// Stops on Ctrl-C (SIGINT) or SIGTERM. Also the `serve` command of the package's CLI (scripts/cli.ts).
import { chooseBackend } from '../src/backend';
import { startModelServer } from '../src/serving';

/** The command line of the server (`--help` prints it). */
export const SERVE_USAGE = 'usage: npm run serve -- <export dir> [--port N] [--name M] [--host H] [--max-body-bytes B]';

/** What {@link parseServeArgs} returns: the export directory and the server's options. */
export interface ServeArgs {
  readonly dir: string;
  readonly port: number;
  readonly name: string;
  readonly host: string;
  readonly maxBodyBytes: number;
}

/**
 * Parses the server's command line.
 * @throws Error naming the flag and the value when a flag is unknown, lacks a value or is not a non-negative integer.
 */
export function parseServeArgs(argv: readonly string[], usage = SERVE_USAGE): ServeArgs {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2);
      if (!['port', 'name', 'host', 'max-body-bytes'].includes(key)) throw new Error(`serve: unknown option --${key}. ${usage}`);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`serve: --${key} needs a value. ${usage}`);
      flags[key] = value;
    } else positional.push(a);
  }
  if (positional.length !== 1) throw new Error(`serve: expected one export directory, but got ${positional.length}. ${usage}`);
  const int = (key: string, fallback: number) => {
    if (flags[key] === undefined) return fallback;
    const n = Number(flags[key]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`serve: expected --${key} to be a non-negative integer, but got '${flags[key]}'.`);
    return n;
  };
  return { dir: positional[0], port: int('port', 8501), name: flags.name ?? 'ranking', host: flags.host ?? '127.0.0.1', maxBodyBytes: int('max-body-bytes', 1024 * 1024) };
}

/** Starts the server, prints its URL and an example request, and stops it (exit 0) on SIGINT or SIGTERM. */
export async function runServe(args: ServeArgs): Promise<void> {
  await chooseBackend();
  const server = await startModelServer({ modelDir: args.dir, name: args.name, host: args.host, port: args.port, maxBodyBytes: args.maxBodyBytes, log: (line) => console.error(line) });
  const example = Object.fromEntries(server.signature.inputs.map((i) => [i.name, 1]));
  console.log(`serving ${args.dir} as "${server.name}" at ${server.url}/v1/models/${server.name}`);
  console.log(`try: curl -s -X POST ${server.url}/v1/models/${server.name}:predict -d '${JSON.stringify({ instances: [example] })}'`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SERVE_USAGE);
    process.exit(0);
  }
  Promise.resolve()
    .then(() => runServe(parseServeArgs(argv)))
    .catch((e: unknown) => {
      console.error((e as Error)?.message ?? e);
      process.exit(1);
    });
}
