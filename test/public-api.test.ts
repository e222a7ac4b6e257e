// Guards the public API: every name src/index.ts exports — values and types, and the members of the `internal`
// namespace — must match test/public-api.txt (sorted, one per line: `Name` for a value, `type Name` for a type-only
// export, `internal.Name` / `type internal.Name` inside the namespace). An API change then shows up in review as a
// diff of that file. The list is read from the TypeScript compiler (so type exports are guarded, not only
// `Object.keys`), and the runtime module is checked against its value lines. Print a fresh list with:
//   API_REPORT=print node --import tsx --test test/public-api.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as api from '../src/index';

const INDEX = join(__dirname, '..', 'src', 'index.ts');
const listed = readFileSync(join(__dirname, 'public-api.txt'), 'utf8').split('\n').filter(Boolean);

/** The exports of src/index.ts as the compiler sees them, one line each in the format of public-api.txt. */
function apiReport(): string[] {
  const configFile = ts.readConfigFile(join(__dirname, '..', 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, join(__dirname, '..'));
  const program = ts.createProgram([INDEX], { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const lines: string[] = [];
  const visit = (moduleSymbol: ts.Symbol, prefix: string): void => {
    for (const e of checker.getExportsOfModule(moduleSymbol)) {
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
      if (target.flags & ts.SymbolFlags.ValueModule && e.name === 'internal') {
        lines.push(`${prefix}${e.name}`);
        visit(target, `${prefix}${e.name}.`);
      } else lines.push(isValue ? `${prefix}${e.name}` : `type ${prefix}${e.name}`);
    }
  };
  visit(checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!, '');
  return lines.sort();
}

test('src/index.ts exports exactly the names and types listed in test/public-api.txt (compiler view)', () => {
  const report = apiReport();
  if (process.env.API_REPORT === 'print') console.log(report.join('\n'));
  assert.deepEqual(report, [...listed].sort());
});

test('the runtime module exports exactly the value names of test/public-api.txt, the internal namespace too', () => {
  const values = listed.filter((l) => !l.startsWith('type ') && !l.startsWith('internal.')).sort();
  assert.deepEqual(Object.keys(api).filter((k) => k !== '__esModule').sort(), values);
  const internals = listed.filter((l) => l.startsWith('internal.')).map((l) => l.slice('internal.'.length)).sort();
  assert.deepEqual(Object.keys(api.internal).sort(), internals);
});

test('every public export is defined (no name re-exported from a missing module)', () => {
  for (const [name, value] of Object.entries(api)) assert.notEqual(value, undefined, name);
  for (const [name, value] of Object.entries(api.internal)) assert.notEqual(value, undefined, `internal.${name}`);
});

test('the root groups its exports by module: each folder of src/ is re-exported in one block', () => {
  const text = readFileSync(INDEX, 'utf8');
  const order = [...text.matchAll(/^export (?:type )?\{[^}]*\} from '\.\/([a-z-]+)';$/gm)].map((m) => m[1]);
  const blocks = order.filter((m, i) => i === 0 || order[i - 1] !== m);
  assert.deepEqual(blocks, [...new Set(blocks)], `a module appears in more than one block of src/index.ts: ${blocks.join(', ')}`);
});
