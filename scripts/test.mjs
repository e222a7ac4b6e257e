#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test through tsx, one file at a time (2-core machines, tfjs state).
// Usage: node scripts/test.mjs [filter]   e.g. `npm test -- data` runs only files whose path contains "data".
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
// Unit tests first, then notebook execution, then the browser checks of the reports (which reuse the
// notebooks executed just before instead of running them twice).
const stage = (f) => (f.includes('browser') ? 2 : f.includes('notebooks.test') ? 1 : 0);
const files = walk('test')
  .sort((a, b) => stage(a) - stage(b) || a.localeCompare(b))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`scripts/test.mjs: no test file matches ${filters.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
