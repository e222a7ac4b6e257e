#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test through tsx, one file at a time (2-core machines, tfjs state),
// in three stages: unit tests, then notebook execution (real Jupyter + tslab), then the browser checks of the
// HTML reports, which reuse the notebooks executed just before instead of running them twice.
// (node --test sorts the files it is given, so each stage is its own run.) Prints a closing
// "N passed, N failed" line over all stages (cancelled tests count as failed); exits non-zero when any stage fails.
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

const STAGE_NAMES = ['unit', 'notebooks', 'browser'];

/**
 * Runs one node --test invocation, echoing its output and counting its `# pass` / `# fail` lines; also collects
 * the duration of each top-level test or describe block (`ok N - <name>` then `  duration_ms: <ms>`; Node 20's
 * TAP names no file).
 */
function run(stageFiles) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...stageFiles], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const counts = { pass: 0, fail: 0 };
    const durations = [];
    let lastTest = null;
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const text = tail + chunk.toString();
      const lines = text.split('\n');
      tail = lines.pop();
      for (const line of lines) {
        // A test cancelled (its before hook failed, or its parent ended first) did not pass: count it as failed.
        const m = /^# (pass|fail|cancelled) (\d+)$/.exec(line);
        if (m) counts[m[1] === 'cancelled' ? 'fail' : m[1]] += Number(m[2]);
        const top = /^(?:not )?ok \d+ - (.+?)(?: # .*)?$/.exec(line);
        if (top) lastTest = top[1];
        const d = /^ {2}duration_ms: ([\d.]+)$/.exec(line);
        if (d && lastTest) {
          durations.push({ name: lastTest, ms: Number(d[1]) });
          lastTest = null;
        }
      }
    });
    child.on('close', (code) => resolve({ ...counts, durations, code: code ?? 1 }));
  });
}

let passed = 0, failed = 0, status = 0;
const summary = [];
const allDurations = [];
for (const stageFiles of stages) {
  const t0 = performance.now();
  const r = await run(stageFiles);
  summary.push(`${STAGE_NAMES[stageOf(stageFiles[0])]} ${((performance.now() - t0) / 1000).toFixed(1)} s (${stageFiles.length} files)`);
  allDurations.push(...r.durations);
  passed += r.pass;
  failed += r.fail;
  if (r.code !== 0) status = r.code;
}
// Where the time goes: wall time per stage and the slowest top-level tests (as node --test timed them).
console.log(`\nstages: ${summary.join('; ')}`);
const slowest = allDurations.sort((a, b) => b.ms - a.ms).slice(0, 10);
if (slowest.length > 0) console.log(`slowest tests:\n${slowest.map((d) => `  ${(d.ms / 1000).toFixed(1)} s  ${d.name.slice(0, 110)}`).join('\n')}`);
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(status !== 0 ? status : failed > 0 ? 1 : 0);
