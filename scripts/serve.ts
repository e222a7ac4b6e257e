// Serves an exported tfjs LayersModel with TensorFlow Serving's REST API.
// Usage: npm run serve -- <export dir> [--port N] [--name M] [--host H] [--<limit> N …]
//   defaults: port 8501 (TF Serving's REST port), name 'ranking', host 127.0.0.1.
//   limits and timeouts (startModelServer's options, kebab-case; defaults in MODEL_SERVER_DEFAULTS):
//   --max-body-bytes 1048576, --max-json-depth 32, --max-instances-per-request 10000, --predict-chunk-size 64,
//   --max-concurrent-requests 8, --retry-after-seconds 1, --headers-timeout-ms 10000, --request-timeout-ms 30000,
//   --keep-alive-timeout-ms 5000, --close-grace-ms 2000.
// Stops on Ctrl-C (SIGINT) or SIGTERM: idle and half-sent connections close at once, requests being computed get
// --close-grace-ms to answer; the process exits 0 once every connection is closed.
import { chooseBackend } from '../src/backend';
import { MODEL_SERVER_DEFAULTS, startModelServer, type ModelServerOptions } from '../src/serving';

type Limit = keyof typeof MODEL_SERVER_DEFAULTS;
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const LIMIT_FLAGS = new Map<string, Limit>((Object.keys(MODEL_SERVER_DEFAULTS) as Limit[]).map((key) => [kebab(key), key]));
const USAGE = `usage: npm run serve -- <export dir> [--port N] [--name M] [--host H] ${[...LIMIT_FLAGS.keys()].map((f) => `[--${f} N]`).join(' ')}`;

interface Args {
  readonly dir: string;
  readonly port: number;
  readonly name: string;
  readonly host: string;
  readonly limits: Partial<Record<Limit, number>>;
}

function parseArgs(argv: string[]): Args {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`serve: --${key} needs a value. ${USAGE}`);
      if (!['port', 'name', 'host'].includes(key) && !LIMIT_FLAGS.has(key)) throw new Error(`serve: unknown option --${key}. ${USAGE}`);
      flags[key] = value;
    } else positional.push(a);
  }
  if (positional.length !== 1) throw new Error(`serve: expected one export directory, but got ${positional.length}. ${USAGE}`);
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
  return { dir: positional[0], port: int('port', 0) ?? 8501, name: flags.name ?? 'ranking', host: flags.host ?? '127.0.0.1', limits };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await chooseBackend();
  const options: ModelServerOptions = { modelDir: args.dir, name: args.name, host: args.host, port: args.port, ...args.limits, log: (line) => console.error(line) };
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

main().catch((e: unknown) => {
  console.error((e as Error)?.message ?? e);
  process.exit(1);
});
