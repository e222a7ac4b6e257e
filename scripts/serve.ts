// Serves an exported tfjs LayersModel with TensorFlow Serving's REST API.
// Usage: npm run serve -- <export dir> [--port N] [--name M] [--host H] [--max-body-bytes B]
//   defaults: port 8501 (TF Serving's REST port), name 'ranking', host 127.0.0.1, max body 1 MiB.
// Stops on Ctrl-C (SIGINT) or SIGTERM.
import { chooseBackend } from '../src/backend';
import { startModelServer } from '../src/serving';

const USAGE = 'usage: npm run serve -- <export dir> [--port N] [--name M] [--host H] [--max-body-bytes B]';

function parseArgs(argv: string[]): { dir: string; port: number; name: string; host: string; maxBodyBytes: number } {
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
      if (!['port', 'name', 'host', 'max-body-bytes'].includes(key)) throw new Error(`serve: unknown option --${key}. ${USAGE}`);
      flags[key] = value;
    } else positional.push(a);
  }
  if (positional.length !== 1) throw new Error(`serve: expected one export directory, but got ${positional.length}. ${USAGE}`);
  const int = (key: string, fallback: number) => {
    if (flags[key] === undefined) return fallback;
    const n = Number(flags[key]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`serve: expected --${key} to be a non-negative integer, but got '${flags[key]}'.`);
    return n;
  };
  return { dir: positional[0], port: int('port', 8501), name: flags.name ?? 'ranking', host: flags.host ?? '127.0.0.1', maxBodyBytes: int('max-body-bytes', 1024 * 1024) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
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

main().catch((e: unknown) => {
  console.error((e as Error)?.message ?? e);
  process.exit(1);
});
