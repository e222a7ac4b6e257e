#!/usr/bin/env node
// `tpu-embeddings <command>`: the package's command line (the `bin` of package.json), for what the repository's
// scripts do through `npm run`. Each command reuses a script's functions (compiled into dist/cli/ by
// scripts/build-package.mjs):
//   train   the tutorial end to end, as `npm start` (scripts/main.ts runMain / parseMainArgs)
//   evaluate  a saved checkpoint's test RMSE on a MovieLens 100K split (scripts/checkpoint-commands.ts)
//   export    a saved checkpoint as a serving export (scripts/checkpoint-commands.ts)
//   serve   an exported model behind TensorFlow Serving's REST API, as `npm run serve` (scripts/serve.ts)
//   plan    the memory plan of a model's tables on a TPU slice and on this machine (scripts/plan-command.ts)
// Exit codes: 0 done, 1 the command failed (its error's name and message), 2 a bad command line (named in the message).
import * as path from 'node:path';
import { ConfigError } from '../src/errors';
// The scripts (and with them the library and tfjs) load only when a command runs: `--help` and a bad command answer at once.
type MainScript = typeof import('./main');
type ServeScript = typeof import('./serve');
type CheckpointCommands = typeof import('./checkpoint-commands');
type PlanCommand = typeof import('./plan-command');

/** The commands of the CLI, in the order `--help` lists them. */
export const CLI_COMMANDS = ['train', 'evaluate', 'export', 'serve', 'plan'] as const;
/** One of {@link CLI_COMMANDS}. */
export type CliCommand = (typeof CLI_COMMANDS)[number];

const SUMMARIES: Record<CliCommand, string> = {
  train: 'the tutorial end to end: train on a simulated TPU slice, evaluate, checkpoint, restore on CPU, export, predict',
  evaluate: "a saved checkpoint's test RMSE on a MovieLens 100K split (restored on CPU)",
  export: 'a saved checkpoint as a serving export (model.json + weights, replacing an older export atomically)',
  serve: "serve an exported model with TensorFlow Serving's REST API (POST /v1/models/<name>:predict)",
  plan: "a model's table memory per SparseCore and per chip against a TPU slice's HBM and this machine's RAM",
};

const USAGES: Record<CliCommand, string> = {
  train: [
    'usage: tpu-embeddings train [--quick] [--outputs DIR] [--topology NAME] [--epochs N] [--verbose 0|1|2]',
    '  --quick        the full protocol for 1 epoch instead of 8',
    '  --outputs DIR  where the checkpoints, the serving export, figures and summary.json go (default ./outputs;',
    '                 env TPU_EMBEDDINGS_OUTPUTS)',
    '  --topology     simulated slice for training (default v4-8)',
    '  --epochs N     epochs of the full protocol (default 8, 1 with --quick)',
    '  --verbose      fit progress: 0 none, 1 bars, 2 one line per epoch (default: bars in a terminal)',
    'Reads MovieLens 100K from $MOVIELENS_DIR or ../shared/data; the backend from TPU_EMBEDDINGS_BACKEND.',
    'Needs plotly.js-dist for its loss figures (`npm install plotly.js-dist`).',
  ].join('\n'),
  evaluate: [
    'usage: tpu-embeddings evaluate <checkpoint> [--split tutorial|u1|u2|u3|u4|u5|ua|ub] [--seed N]',
    '  <checkpoint>  a ckpt-<step> directory, or a folder of them (the newest is used), e.g. outputs/checkpoints',
    "  --split       the tutorial's seeded 80/20 split (default) or one of GroupLens's canonical splits",
    '  --seed N      seed of the tutorial split (default 42, as `train` uses)',
    'Reads MovieLens 100K from $MOVIELENS_DIR or ../shared/data.',
  ].join('\n'),
  export: [
    'usage: tpu-embeddings export <checkpoint> <out dir>',
    '  <checkpoint>  a ckpt-<step> directory, or a folder of them (the newest is used)',
    '  <out dir>     written atomically: an older export there stays loadable until the new one is complete',
  ].join('\n'),
  serve: [
    'usage: tpu-embeddings serve <export dir> [--port N] [--name M] [--host H] [--version V] [--version-labels L1,L2] [--<limit> N …]',
    "  defaults: port 8501 (TF Serving's REST port; 0 picks a free one), name 'ranking', host 127.0.0.1, version 1, no labels.",
    '  limits and timeouts (defaults): --max-body-bytes 1048576, --max-json-depth 32, --max-instances-per-request 10000,',
    '  --predict-chunk-size 64, --max-concurrent-requests 8, --retry-after-seconds 1, --headers-timeout-ms 10000,',
    '  --request-timeout-ms 30000, --keep-alive-timeout-ms 5000, --close-grace-ms 2000.',
    '  Stops on Ctrl-C (SIGINT) or SIGTERM: requests being computed get --close-grace-ms to answer.',
  ].join('\n'),
  plan: [
    'usage: tpu-embeddings plan --tables=NAME:VOCAB:DIM[:OPTIMIZER[:STORAGE[:PRECISION[:ROWS]]]] … --topology=NAME [--batch=N] [--json]',
    '  --tables     one table, or several separated by commas; repeat the flag for more. OPTIMIZER: sgd, adagrad (default),',
    '               adagradmomentum, adam, ftrl; STORAGE: dense (default), lazy, dynamic; PRECISION: float32 (default), float16,',
    "               bfloat16; ROWS: the rows a lazy table will touch (default all), a dynamic table's row budget (required).",
    '               e.g. --tables=items:100000000:64:adam:lazy:bfloat16:20000000,users:1000000:32',
    '  --topology   v3-8, v4-8, v4-32, v5p-8, v6e-8, or cpu (this machine only)',
    '  --batch N    global batch per step (default 16 per replica)',
    '  --json       the plan as JSON instead of a table',
    'Exit codes: 0 the model fits; 1 it does not (the error names the table and the storage kinds that would fit); 2 a bad command line.',
  ].join('\n'),
};

/** The CLI's `--help` text. */
export function cliUsage(): string {
  const w = Math.max(...CLI_COMMANDS.map((c) => c.length));
  return [
    'usage: tpu-embeddings <command> [options]',
    '',
    'commands:',
    ...CLI_COMMANDS.map((c) => `  ${c.padEnd(w)}  ${SUMMARIES[c]}`),
    '',
    "Run 'tpu-embeddings <command> --help' for a command's options.",
  ].join('\n');
}

/** The {@link ConfigError} kinds of a bad command line (exit code 2; other errors exit 1). */
export const CLI_USAGE_ERRORS = ['unknown_command', 'bad_option'] as const;

function isUsageError(e: unknown): boolean {
  return e instanceof ConfigError && (CLI_USAGE_ERRORS as readonly string[]).includes(e.kind);
}

/**
 * Runs one command line (without `node` and the script): `--help` prints, a command runs to completion
 * (`serve` keeps running until a signal).
 * @throws ConfigError `unknown_command` or `bad_option` for a bad command line; whatever the command throws otherwise.
 */
export async function runCli(argv: readonly string[], print: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    print(cliUsage());
    return;
  }
  if (!(CLI_COMMANDS as readonly string[]).includes(command)) {
    throw new ConfigError(
      'unknown_command',
      `unknown command '${command}'. Expected one of ${CLI_COMMANDS.join(', ')}; run 'tpu-embeddings --help'.`,
    );
  }
  const cmd = command as CliCommand;
  if (rest.includes('--help') || rest.includes('-h')) {
    print(USAGES[cmd]);
    return;
  }
  // The scripts' messages start with their name and end with their npm usage line: say the CLI's instead.
  const usageError = (e: unknown) =>
    new ConfigError('bad_option', `${cmd}: ${String((e as Error).message).replace(/^(main|serve|evaluate|export|plan): /, '').replace('usage: npm start -- ', 'usage: tpu-embeddings train ')}`);
  if (cmd === 'train') {
    const { parseMainArgs, runMain } = require('./main') as MainScript;
    let options: ReturnType<MainScript['parseMainArgs']>;
    try {
      options = parseMainArgs(rest);
    } catch (e) {
      throw usageError(e);
    }
    // The main job ends its training with loss figures (saveHtml): without the optional peer plotly.js-dist, say so
    // before training rather than after it (ConfigError plotly_missing names the install command).
    (require('../src/viz/plotly-source') as typeof import('../src/viz/plotly-source')).plotlySource();
    await runMain({ ...options, outputs: options.outputs ?? path.resolve('outputs') });
  } else if (cmd === 'evaluate' || cmd === 'export') {
    const commands = require('./checkpoint-commands') as CheckpointCommands;
    const usage = USAGES[cmd].split('\n')[0];
    let run: () => Promise<unknown>;
    try {
      if (cmd === 'evaluate') {
        const args = commands.parseEvaluateArgs(rest, usage);
        run = () => commands.runEvaluate(args, print);
      } else {
        const args = commands.parseExportArgs(rest, usage);
        run = () => commands.runExport(args, print);
      }
    } catch (e) {
      throw usageError(e);
    }
    await run();
  } else if (cmd === 'plan') {
    const { parsePlanArgs, runPlan } = require('./plan-command') as PlanCommand;
    let args: ReturnType<PlanCommand['parsePlanArgs']>;
    try {
      args = parsePlanArgs(rest, USAGES.plan.split('\n')[0]);
    } catch (e) {
      throw usageError(e);
    }
    runPlan(args, print);
  } else {
    const { parseServeArgs, runServe } = require('./serve') as ServeScript;
    let args: ReturnType<ServeScript['parseServeArgs']>;
    try {
      args = parseServeArgs(rest, USAGES.serve.split('\n')[0]);
    } catch (e) {
      throw usageError(e);
    }
    await runServe(args);
  }
}

function fail(e: unknown): never {
  const usage = isUsageError(e);
  console.error(`tpu-embeddings: ${usage ? '' : `${(e as Error)?.name ?? 'Error'}: `}${(e as Error)?.message ?? String(e)}`);
  process.exit(usage ? 2 : 1);
}

if (require.main === module) {
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  runCli(process.argv.slice(2)).catch(fail);
}
