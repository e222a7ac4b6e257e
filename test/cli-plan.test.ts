// `tpu-embeddings plan` in a real child process (scripts/cli.ts through tsx, as a user runs it): the plan's numbers
// match planMemory's (and the hand computation of test/cost/memory-plan.test.ts), a table too big for the slice exits 1
// naming the table and the storage that would fit, and bad command lines exit 2 naming the argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { planMemory } from '../src/cost';

const ROOT = path.resolve(__dirname, '..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

test('plan --help and the command list', () => {
  const help = cli('plan', '--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: tpu-embeddings plan --tables=NAME:VOCAB:DIM\[:OPTIMIZER\[:STORAGE\[:PRECISION\[:ROWS\]\]\]\] … --topology=NAME \[--batch=N\] \[--json\]/);
  assert.match(help.stdout, /Exit codes: 0 the model fits; 1 it does not/);
  const top = cli('--help');
  assert.match(top.stdout, /\n {2}plan {4,}a model's table memory per SparseCore and per chip/);
  assert.match(cli('plna').stderr, /Expected one of train, evaluate, export, serve, plan/);
});

test('plan --json: the plan planMemory gives, by hand for one table', () => {
  const r = cli('plan', '--tables=items:1000000:64', '--topology', 'v4-8', '--json');
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  // 62,504 rows per shard × 64 × (4 + 4) B × 4 shards + ids 4 × 32 + activations 8,192 (see memory-plan.test.ts).
  assert.equal(plan.tables[0].perChip.total, 128_016_512);
  assert.equal(plan.fits, true);
  assert.deepEqual(plan, JSON.parse(JSON.stringify(planMemory({ tables: [{ name: 'items', vocabularySize: 1e6, dim: 64, storage: 'dense' }] }, 'v4-8'))));
});

test('plan: a table per line, the verdict, several tables of every kind', () => {
  const r = cli('plan', '--tables=items:100000000:64:adam:lazy:bfloat16:20000000,users:1000000:32', '--tables=ids::16:ftrl:dynamic::5000000', '--topology=v5p-8', '--batch=4096');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^table +rows +dim +optimizer +storage +precision +per shard +per chip +this process$/);
  const expected = planMemory({
    tables: [
      { name: 'items', vocabularySize: 1e8, dim: 64, optimizer: 'adam', storage: 'lazy', weightPrecision: 'bfloat16', expectedRowsTouched: 2e7 },
      { name: 'users', vocabularySize: 1e6, dim: 32 },
      { name: 'ids', dim: 16, optimizer: 'ftrl', storage: 'dynamic', rowBudget: 5e6 },
    ],
    globalBatchSize: 4096,
  }, 'v5p-8');
  // items: 2e7 rows → 1,250,000 per shard × 64 × (2 + 2·4) B = 800,000,000 B = 762.9 MiB per shard, 3.0 GiB per chip.
  assert.equal(expected.tables[0].perShard.weights + expected.tables[0].perShard.slots, 800_000_000);
  assert.match(lines[2], /^items +20,000,000 +64 +Adam \(2 slots\) +lazy +bfloat16 +762\.9 MiB +3\.0 GiB +11\.9 GiB$/);
  assert.match(lines[3], /^users +1,000,000 +32 +Adagrad \(1 slot\) +dense +float32 /);
  assert.match(lines[4], /^ids +5,000,000 +16 +FTRL \(2 slots\) +dynamic +float32 /);
  assert.match(lines[5], /^total +/);
  assert.match(r.stdout, /v5p-8 \(4 chips × 4 shards, global batch 4096\): 3\.3 GiB per chip of 95\.0 GiB HBM \(3\.5 %\) — fits\./);
  assert.match(r.stdout, /chips needed: v3 1, v4 1, v5e 1, v5p 1, v6e 1/);
});

test('plan: a table too big for the slice exits 1 with the table, its bytes and the storage that would fit', () => {
  const r = cli('plan', '--tables=catalogue:1073741824:64', '--topology=v4-8');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /does NOT fit/);
  assert.match(r.stderr, /^tpu-embeddings: ConfigError: checkMemoryFit: table 'catalogue' \(1,073,741,824 rows × 64, dense float32, Adagrad: 1 slot per row\) needs 128\.0 GiB per chip on v4-8/);
  assert.match(r.stderr, /Alone, it would fit as: lazy float32 with expectedRowsTouched ≤ 268,435,328;/);
});

test('plan: bad command lines exit 2 naming the argument', () => {
  const cases: [string[], RegExp][] = [
    [['--tables=items:abc:64', '--topology=v4-8'], /plan: expected VOCAB of 'items' to be a positive integer, but got 'abc'\. usage: tpu-embeddings plan/],
    [['--tables=items:10:8'], /plan: expected --topology/],
    [['--tables=items:10:8', '--topology=v9-8'], /expected --topology to be one of cpu, v3-8, v4-8, v4-32, v5p-8, v6e-8, but got 'v9-8'/],
    [['--tables=items:10:8:adam:sparse', '--topology=v4-8'], /expected the storage of 'items' to be one of dense, lazy, dynamic, but got 'sparse'/],
    [['--tables=ids::8:adam:dynamic', '--topology=v4-8'], /expected ROWS \(the row budget\) of dynamic table 'ids'/],
    [['--topology=v4-8'], /expected at least one table/],
    [['--tables=a:1:1', '--topology=v4-8', '--verbose'], /unknown option '--verbose'/],
  ];
  for (const [args, re] of cases) {
    const r = cli('plan', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  // A table the planner refuses (an unknown optimizer) exits 1 with planMemory's message.
  const r = cli('plan', '--tables=items:10:8:rmsprop', '--topology=v4-8');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ConfigError: planMemory: expected table 'items' optimizer to be one of Adagrad, AdagradMomentum, Adam, FTRL, SGD/);
});
