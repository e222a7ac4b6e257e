#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test through tsx, one file at a time (2-core machines, tfjs state),
// in three stages: unit tests, then notebook execution (real Jupyter + tslab), then the browser checks of the
// HTML reports, which reuse the notebooks executed just before instead of running them twice.
// (node --test sorts the files it is given, so each stage is its own run.) Prints a closing
// "N passed, N failed" line over all stages; exits non-zero when any stage fails.
// Usage: node scripts/test.mjs [filter…]   e.g. `npm test -- data` runs only files whose path contains "data".
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`scripts/test.mjs: no test file matches ${filters.join(', ')}`);
  process.exit(1);
}
const stageOf = (f) => (f.includes('browser') ? 2 : f.includes('notebooks.test') ? 1 : 0);
const stages = [0, 1, 2].map((s) => files.filter((f) => stageOf(f) === s).sort()).filter((s) => s.length > 0);

/** Runs one node --test invocation, echoing its output and counting its `# pass` / `# fail` lines. */
function run(stageFiles) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...stageFiles], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const counts = { pass: 0, fail: 0 };
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const text = tail + chunk.toString();
      const lines = text.split('\n');
      tail = lines.pop();
      for (const line of lines) {
        const m = /^# (pass|fail) (\d+)$/.exec(line);
        if (m) counts[m[1]] += Number(m[2]);
      }
    });
    child.on('close', (code) => resolve({ ...counts, code: code ?? 1 }));
  });
}

let passed = 0, failed = 0, status = 0;
for (const stageFiles of stages) {
  const r = await run(stageFiles);
  passed += r.pass;
  failed += r.fail;
  if (r.code !== 0) status = r.code;
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(status !== 0 ? status : failed > 0 ? 1 : 0);
