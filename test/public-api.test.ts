// Guards the public API: the names src/index.ts exports must match test/public-api.txt (sorted, one per line).
// An API change then shows up in review as a diff of that file. Regenerate it with:
//   npx tsx -e "console.log(Object.keys(require('./src/index')).sort().join('\n'))" > test/public-api.txt
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '../src/index';

test('src/index.ts exports exactly the names listed in test/public-api.txt', () => {
  const listed = readFileSync(join(__dirname, 'public-api.txt'), 'utf8').split('\n').filter(Boolean);
  const exported = Object.keys(api).filter((k) => k !== '__esModule').sort();
  assert.deepEqual(exported, [...listed].sort());
});

test('every public export is defined (no name re-exported from a missing module)', () => {
  for (const [name, value] of Object.entries(api)) assert.notEqual(value, undefined, name);
});
