// Every error the library throws is one of the project's classes with a kind (src/errors.ts): this scan fails on a
// raw `throw new Error(…)`, `RangeError`, `TypeError` (or another built-in) anywhere in src/, including the source
// of worker threads that src/ writes as strings. (A `kind` outside its class's union fails `npm run typecheck`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', 'src');
const RAW_THROW = /\bthrow\s+(?:new\s+)?(Error|RangeError|TypeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError)\s*\(/g;
const RAW_REJECT = /\breject\(\s*new\s+(Error|RangeError|TypeError)\s*\(/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `file:line: text` for each raw throw or rejection in `source`. */
function rawThrows(file: string, source: string): string[] {
  const hits: string[] = [];
  for (const re of [RAW_THROW, RAW_REJECT]) {
    for (const m of source.matchAll(re)) {
      const line = source.slice(0, m.index).split('\n').length;
      hits.push(`${file}:${line}: ${source.split('\n')[line - 1].trim()}`);
    }
  }
  return hits;
}

test('the scan finds raw throws of every built-in error class (it can fail)', () => {
  const sample = [
    "if (x) throw new Error('a');",
    'throw new RangeError(`b`);',
    'throw TypeError("c");',
    "p.then(() => reject(new Error('d')));",
    "throw new ConfigError('invalid_option', 'fine');",
    "const e = new Error('a cause, not thrown');",
  ].join('\n');
  assert.deepEqual(
    rawThrows('x.ts', sample).map((h) => h.split(':')[1]),
    ['1', '2', '3', '4'],
  );
});

test('src/ throws no raw Error, RangeError or TypeError: every throw is a project error with a kind', () => {
  const files = tsFiles(SRC);
  assert.ok(files.length > 100, `expected the library's sources under ${SRC}, found ${files.length} files`);
  const hits = files.flatMap((f) => rawThrows(relative(join(SRC, '..'), f), readFileSync(f, 'utf8')));
  assert.deepEqual(hits, [], `raw throws in src/ (use ConfigError, InputError, ShardingError, DataError or CheckpointError with a kind):\n${hits.join('\n')}`);
});
