#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test through tsx (each file in its own process: tfjs state), in three
// stages: unit tests, then notebook execution (real Jupyter + tslab), then the browser checks of the HTML reports,
// which reuse the notebooks executed just before instead of running them twice. Unit test files run two at a time
// (one per core), except files marked `// test-alone: <why>` in their first lines (latency bounds, timeouts, kills
// at chosen instants, heavy installs): those run afterwards, one at a time, on an otherwise idle machine.
// (node --test sorts the files it is given, so each stage is its own run.) Prints a closing
// "N passed, N failed" line over all stages (cancelled tests count as failed); exits non-zero when any stage fails.
// Usage: node scripts/test.mjs [filter…]   e.g. `npm test -- data` runs only files whose path contains "data".
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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
function run(stageFiles, concurrency = 1) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...stageFiles], {
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

/** A file that must run with nothing else running declares it in its first lines: `// test-alone: <why>`. */
const runsAlone = (file) => /^\/\/ test-alone: \S/m.test(readFileSync(file, 'utf8').split('\n').slice(0, 12).join('\n'));
/** Unit files: the shared ones one per core, then the `test-alone` ones one at a time; counts and durations merged. */
async function runUnitStage(stageFiles) {
  const alone = stageFiles.filter(runsAlone);
  const shared = stageFiles.filter((f) => !alone.includes(f));
  const results = [];
  if (shared.length > 0) results.push(await run(shared, Math.max(1, Math.min(2, availableParallelism()))));
  if (alone.length > 0) results.push(await run(alone, 1));
  return results.reduce((a, r) => ({ pass: a.pass + r.pass, fail: a.fail + r.fail, durations: [...a.durations, ...r.durations], code: a.code !== 0 ? a.code : r.code }));
}

let passed = 0, failed = 0, status = 0;
const summary = [];
const allDurations = [];
for (const stageFiles of stages) {
  const t0 = performance.now();
  const r = stageOf(stageFiles[0]) === 0 ? await runUnitStage(stageFiles) : await run(stageFiles);
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
