// Serves an exported tfjs LayersModel with TensorFlow Serving's REST API.
// Usage: npm run serve -- <export dir> [--port N] [--name M] [--host H] [--version V] [--version-labels L1,L2] [--<limit> N …]
//   defaults: port 8501 (TF Serving's REST port), name 'ranking', host 127.0.0.1, version 1, no version labels
//   (each label given is served at /v1/models/<name>/labels/<label> and points to the served version).
//   limits and timeouts (startModelServer's options, kebab-case; defaults in MODEL_SERVER_DEFAULTS):
//   --max-body-bytes 1048576, --max-json-depth 32, --max-instances-per-request 10000, --predict-chunk-size 64,
//   --max-concurrent-requests 8, --retry-after-seconds 1, --headers-timeout-ms 10000, --request-timeout-ms 30000,
//   --keep-alive-timeout-ms 5000, --close-grace-ms 2000.
// Stops on Ctrl-C (SIGINT) or SIGTERM: idle and half-sent connections close at once, requests being computed get
// --close-grace-ms to answer; the process exits 0 once every connection is closed.
// Also the `serve` command of the package's CLI (scripts/cli.ts).
import { chooseBackend } from '../src/backend';
import { MODEL_SERVER_DEFAULTS, startModelServer, type ModelServerOptions } from '../src/serving';

type Limit = keyof typeof MODEL_SERVER_DEFAULTS;
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const LIMIT_FLAGS = new Map<string, Limit>((Object.keys(MODEL_SERVER_DEFAULTS) as Limit[]).map((key) => [kebab(key), key]));

/** The command line of the server (`--help` prints it). */
export const SERVE_USAGE = `usage: npm run serve -- <export dir> [--port N] [--name M] [--host H] [--version V] [--version-labels L1,L2] ${[...LIMIT_FLAGS.keys()].map((f) => `[--${f} N]`).join(' ')}`;

/** What {@link parseServeArgs} returns: the export directory and the server's options. */
export interface ServeArgs {
  readonly dir: string;
  readonly port: number;
  readonly name: string;
  readonly host: string;
  /** The served version. @default 1 */
  readonly version: number;
  /** Version labels, each pointing to the served version. @default [] */
  readonly versionLabels: readonly string[];
  /** Limits and timeouts given on the command line (the rest keep MODEL_SERVER_DEFAULTS). */
  readonly limits: Partial<Record<Limit, number>>;
}

/**
 * Parses the server's command line.
 * @throws Error naming the flag and the value when a flag is unknown, lacks a value or is not an integer in range.
 */
export function parseServeArgs(argv: readonly string[], usage = SERVE_USAGE): ServeArgs {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2);
      if (!['port', 'name', 'host', 'version', 'version-labels'].includes(key) && !LIMIT_FLAGS.has(key)) throw new Error(`serve: unknown option --${key}. ${usage}`);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`serve: --${key} needs a value. ${usage}`);
      flags[key] = value;
    } else positional.push(a);
  }
  if (positional.length !== 1) throw new Error(`serve: expected one export directory, but got ${positional.length}. ${usage}`);
  const int = (key: string, min: number): number | undefined => {
    if (flags[key] === undefined) return undefined;
    const n = Number(flags[key]);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`serve: expected --${key} to be an integer ≥ ${min}, but got '${flags[key]}'.`);
    return n;
  };
  const limits: Partial<Record<Limit, number>> = {};
  for (const [flag, key] of LIMIT_FLAGS) {
    const n = int(flag, 1);
    if (n !== undefined) limits[key] = n;
  }
  const versionLabels = flags['version-labels'] === undefined ? [] : flags['version-labels'].split(',');
  if (versionLabels.some((l) => !/^[A-Za-z0-9_.-]+$/.test(l))) throw new Error(`serve: expected --version-labels to be comma-separated names of letters, digits, '_', '-' or '.', but got '${flags['version-labels']}'.`);
  return { dir: positional[0], port: int('port', 0) ?? 8501, name: flags.name ?? 'ranking', host: flags.host ?? '127.0.0.1', version: int('version', 1) ?? 1, versionLabels, limits };
}

/** Starts the server, prints its URL and an example request, and stops it (exit 0) on SIGINT or SIGTERM. */
export async function runServe(args: ServeArgs): Promise<void> {
  await chooseBackend();
  const versionLabels = Object.fromEntries(args.versionLabels.map((label) => [label, args.version]));
  const options: ModelServerOptions = { modelDir: args.dir, name: args.name, host: args.host, port: args.port, version: args.version, versionLabels, ...args.limits, log: (line) => console.error(line) };
  const server = await startModelServer(options);
  const example = Object.fromEntries(server.signature.inputs.map((i) => [i.name, 1]));
  console.log(`serving ${args.dir} as "${server.name}" at ${server.url}/v1/models/${server.name}`);
  console.log(`try: curl -s -X POST ${server.url}/v1/models/${server.name}:predict -d '${JSON.stringify({ instances: [example] })}'`);
  const stop = () => {
    // close() cuts every connection after closeGraceMs; this timer only guards against a bug there.
    setTimeout(() => process.exit(1), (args.limits.closeGraceMs ?? MODEL_SERVER_DEFAULTS.closeGraceMs) + 5000).unref();
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
