// Pins the direction of the dependencies between the folders of src/: every import of one folder by another
// (values, types, re-exports and dynamic imports alike, read by the TypeScript parser) must be an edge of ALLOWED,
// and ALLOWED has no cycle, so the layers point one way: the engine (kernels, optimizers, strategy, embedding)
// knows nothing of its consumers (models, retrieval, baseline, measure, viz), and domain folders never import viz/.
// Rule for figures: every figure builder lives in viz/, the top layer, which may import the data it draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const SRC = join(__dirname, '..', 'src');

/** The one table of allowed edges: folder (or root file) of src/ → what it may import. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  'option-keys': ['errors'],
  random: [],
  backend: [],
  kernels: ['errors'],
  strategy: ['errors'],
  optimizers: ['errors', 'option-keys', 'kernels'],
  embedding: ['errors', 'option-keys', 'random', 'kernels', 'optimizers', 'strategy'],
  data: ['errors', 'option-keys', 'random', 'embedding'],
  checkpoint: ['errors'],
  serving: ['errors', 'checkpoint'],
  cost: ['errors', 'strategy', 'optimizers', 'embedding'],
  interop: ['errors', 'embedding'],
  models: ['errors', 'random', 'kernels', 'optimizers', 'strategy', 'embedding', 'checkpoint'],
  retrieval: ['errors', 'random', 'optimizers', 'strategy', 'embedding', 'checkpoint', 'serving', 'models'],
  baseline: ['errors', 'option-keys', 'random', 'optimizers', 'embedding'],
  measure: ['errors', 'random', 'kernels', 'optimizers', 'strategy', 'embedding', 'cost', 'baseline'],
  viz: ['errors', 'data', 'embedding', 'cost', 'models', 'retrieval', 'measure'],
};
/**
 * Edges that must go through the target folder's index.ts (its public face), not into its files: retrieval builds on
 * the models and the engine as a user would, and the baseline uses the optimizers as any tfjs user would.
 */
const INDEX_ONLY: Readonly<Record<string, readonly string[]>> = {
  retrieval: ['models', 'embedding'],
  baseline: ['optimizers'],
};
/** Root files that list the API: they may import every folder. */
const ROOT_FILES = ['index', 'internal'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The part of src/ a path belongs to: its first folder, or the root file's name without `.ts`. */
function partOf(file: string): string {
  return relative(SRC, file).split(sep)[0].replace(/\.ts$/, '');
}

/** Every cross-part import of src/, as `from → to (file: specifier)`; `index` when it names the folder itself. */
function imports(): { from: string; to: string; where: string; index: boolean }[] {
  const out: { from: string; to: string; where: string; index: boolean }[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = partOf(file);
    for (const i of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!i.fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), i.fileName);
      const to = partOf(target);
      const index = relative(SRC, target).split(sep).length === 1 || /[\\/]index$/.test(target);
      if (to !== from) out.push({ from, to, where: `${relative(SRC, file)}: '${i.fileName}'`, index });
    }
  }
  return out;
}

test('every import between folders of src/ is an edge of the ALLOWED table', () => {
  const bad = imports()
    .filter(({ from, to }) => !ROOT_FILES.includes(from) && !(ALLOWED[from] ?? []).includes(to))
    .map(({ from, to, where }) => `${from} → ${to} (${where})`);
  assert.deepEqual(bad, [], `imports outside the allowed edges:\n${bad.join('\n')}`);
});

test('retrieval/ and baseline/ reach the folders of INDEX_ONLY through their index.ts, not their files', () => {
  const deep = imports()
    .filter(({ from, to, index }) => (INDEX_ONLY[from] ?? []).includes(to) && !index)
    .map(({ from, to, where }) => `${from} → ${to} (${where})`);
  assert.deepEqual(deep, [], `imports into another folder's files:\n${deep.join('\n')}`);
});

test('the ALLOWED table names every folder of src/ and only existing ones', () => {
  const parts = new Set(sourceFiles(SRC).map(partOf).filter((p) => !ROOT_FILES.includes(p)));
  assert.deepEqual([...parts].sort(), Object.keys(ALLOWED).sort());
  for (const [from, tos] of Object.entries(ALLOWED)) for (const to of tos) assert.ok(to in ALLOWED, `${from} → ${to}: no such part`);
});

test('the ALLOWED edges have no cycle (the dependencies point one way)', () => {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    assert.notEqual(state.get(node), 'open', `cycle: ${[...path, node].join(' → ')}`);
    state.set(node, 'open');
    for (const next of ALLOWED[node]) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of Object.keys(ALLOWED)) visit(node, []);
});

test('the engine imports none of its consumers, only viz/ imports viz/, the models import no MovieLens reader', () => {
  const consumers = ['models', 'retrieval', 'baseline', 'measure', 'viz'];
  for (const engine of ['kernels', 'optimizers', 'strategy', 'embedding']) {
    for (const c of consumers) assert.ok(!ALLOWED[engine].includes(c), `${engine} → ${c} allowed`);
  }
  for (const [from, tos] of Object.entries(ALLOWED)) assert.ok(from === 'viz' || !tos.includes('viz'), `${from} → viz allowed`);
  // MovieLens specifics stay in data/: the models read features by name and never import the readers.
  for (const model of ['models', 'retrieval']) assert.ok(!ALLOWED[model].includes('data'), `${model} → data allowed`);
});
