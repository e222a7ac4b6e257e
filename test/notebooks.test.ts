// Executes every notebooks/*.ipynb headless in real Jupyter with the tslab kernel (nbconvert → nbclient), one
// test per notebook, and fails on any cell error with that cell's error in the message. Executed copies and
// their HTML export go to notebooks/executed/ (git-ignored). Also checks that committed notebooks carry no
// outputs. Needs `npm install` (builds dist/, links tpu-embeddings for notebooks, registers tslab).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const EXECUTED = path.join(NOTEBOOKS, 'executed');
/** Seconds one cell may run before nbconvert stops the notebook. */
const CELL_TIMEOUT_S = 300;
const notebooks = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort();

interface Output {
  output_type: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
  metadata?: { execution?: Record<string, string> };
}
const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));
const readNotebook = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { cells: Cell[]; metadata: { kernelspec?: { name?: string } } };

const JUPYTER_ENV = { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' };
function jupyter(args: string[], timeoutMs: number) {
  return spawnSync('jupyter', args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: JUPYTER_ENV });
}

interface JupyterRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly error?: Error;
}
/** `jupyter <args>` without blocking this process (so several notebooks execute at once); killed after `timeoutMs`. */
function jupyterAsync(args: string[], timeoutMs: number): Promise<JupyterRun> {
  return new Promise((resolve) => {
    const child = spawn('jupyter', args, { cwd: ROOT, env: JUPYTER_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let error: Error | undefined;
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      error = new Error(`timed out after ${timeoutMs / 1000} s`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => (error = e));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, ...(error ? { error } : {}) });
    });
  });
}

/**
 * Notebooks executed at once: one kernel per core (each kernel's cells run on one thread), at most 2 — on the 2-core
 * CI machine this halves the stage; more would only share the cores.
 */
const NOTEBOOK_CONCURRENCY = Math.max(1, Math.min(2, availableParallelism()));
/** Runs `task`s with at most `limit` at once, in the order they were queued. */
function pool(limit: number) {
  let running = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    if (running < limit && queue.length > 0) {
      running++;
      queue.shift()!();
    }
  };
  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => task().then(resolve, reject).finally(() => {
        running--;
        next();
      }));
      next();
    });
}
const executions = new Map<string, Promise<JupyterRun>>();

/** nbconvert's arguments to execute `name` into notebooks/executed/. */
const executeArgs = (name: string) => ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=tslab',
  `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`, '--output-dir', EXECUTED, path.join(NOTEBOOKS, name)];

before(() => {
  const k = jupyter(['kernelspec', 'list', '--json'], 60_000);
  assert.equal(k.error, undefined, `jupyter is not installed (${k.error?.message}); run \`npm run setup\` (it installs Debian's jupyter-nbconvert and says what to run when it cannot).`);
  const specs = JSON.parse(k.stdout).kernelspecs ?? {};
  assert.ok(specs.tslab, `the tslab kernel is not registered (kernels: ${Object.keys(specs).join(', ')}); run \`npm run setup\`.`);
  assert.ok(existsSync(path.join(ROOT, 'dist', 'index.js')), 'dist/ is not built; run `npm run build`.');
  const link = path.join(NOTEBOOKS, 'node_modules', 'tpu-embeddings');
  assert.ok(existsSync(link) && realpathSync(link) === realpathSync(ROOT), 'notebooks/node_modules/tpu-embeddings does not link to the repo; run `npm run setup`.');
  mkdirSync(EXECUTED, { recursive: true });
  // Start every notebook now (the pool keeps NOTEBOOK_CONCURRENCY kernels busy); each test awaits its own.
  const schedule = pool(NOTEBOOK_CONCURRENCY);
  for (const name of notebooks) executions.set(name, schedule(() => jupyterAsync(executeArgs(name), 20 * 60_000)));
});


test('there is at least one notebook', () => {
  assert.ok(notebooks.length > 0, 'no notebooks/*.ipynb');
});

for (const name of notebooks) {
  test(`${name}: committed without outputs or execution counts, with the tslab kernelspec`, () => {
    const nb = readNotebook(path.join(NOTEBOOKS, name));
    assert.equal(nb.metadata.kernelspec?.name, 'tslab');
    nb.cells.forEach((c, i) => {
      if (c.cell_type !== 'code') return;
      assert.deepEqual(c.outputs, [], `cell ${i} has outputs: run node scripts/strip-notebooks.mjs notebooks/${name}`);
      assert.equal(c.execution_count, null, `cell ${i} has an execution count: run node scripts/strip-notebooks.mjs notebooks/${name}`);
    });
  });

  test(`${name}: runs in Jupyter with the tslab kernel without a cell error`, async () => {
    const args = executeArgs(name);
    // Pass/fail comes from the kernel's execute replies (nbclient stops at the first cell whose reply is an error).
    const r = await executions.get(name)!;
    if (r.status === 0) {
      const executed = readNotebook(path.join(EXECUTED, name));
      executed.cells.forEach((c, i) => {
        if (c.cell_type === 'code') assert.ok(c.metadata?.execution, `${name}: cell ${i} did not run`);
      });
      return;
    }
    // tslab reports a cell's error on stderr, not in the reply: run again keeping errors to read that cell's output.
    const failed = /An error occurred while executing the following cell:\n-+\n([\s\S]*?)\n-+\n/.exec(r.stderr)?.[1];
    let detail = r.stderr.split('\n').filter((l) => !/Debugger|frozen|PYDEVD|pydevd/.test(l)).slice(-40).join('\n');
    if (failed !== undefined) {
      jupyter([...args.slice(0, 3), '--allow-errors', ...args.slice(3)], 20 * 60_000);
      const executed = readNotebook(path.join(EXECUTED, name));
      const i = executed.cells.findIndex((c) => c.cell_type === 'code' && text(c.source).trim() === failed.trim());
      const outputs = executed.cells[i]?.outputs ?? [];
      const err = outputs.map((o) => (o.output_type === 'error' ? `${o.ename}: ${o.evalue}` : o.name === 'stderr' ? text(o.text) : '')).join('').trim();
      detail = `cell ${i}:\n--- source ---\n${failed}\n--- error ---\n${err.slice(0, 3000) || '(no error text)'}`;
    }
    assert.fail(`${name} failed in Jupyter (nbconvert status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${detail}`);
  });
}

test('the executed notebooks export to HTML that keeps the figures (plotly.js inline, Plotly.newPlot)', () => {
  const withFigures = notebooks.filter((n) => existsSync(path.join(EXECUTED, n)) && readFileSync(path.join(EXECUTED, n), 'utf8').includes('Plotly.newPlot'));
  assert.ok(withFigures.length > 0, 'no executed notebook shows a figure');
  for (const name of withFigures) {
    const r = jupyter(['nbconvert', '--to', 'html', '--output-dir', EXECUTED, path.join(EXECUTED, name)], 120_000);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const html = readFileSync(path.join(EXECUTED, name.replace(/\.ipynb$/, '.html')), 'utf8');
    assert.ok(html.replace(/\s/g, '').includes('window.Plotly='), `${name}: the HTML lost the inlined plotly.js`);
    assert.match(html, /window\.Plotly\.newPlot\(el, /, `${name}: the HTML lost the figure scripts`);
  }
});
