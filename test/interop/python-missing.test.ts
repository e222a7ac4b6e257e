// The export driver without Python, and with a Python that has no TensorFlow: a clear error with the pip command.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs scripts/export-saved-model.ts (what `npm run export:saved-model` runs) with PATH = `pathDirs` only. */
function exportWithPath(pathDirs: string[], dir: string): { status: number | null; stderr: string } {
  const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: pathDirs.join(path.delimiter) };
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/export-saved-model.ts', path.join(dir, 'ckpts'), path.join(dir, 'out')], { cwd: ROOT, env, encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('export:saved-model without TensorFlow', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-nopy-'));
    fs.mkdirSync(path.join(dir, 'empty'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('no python3 on PATH: exit 1 and says to install Python and TensorFlow', () => {
    const r = exportWithPath([path.join(dir, 'empty')], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /exportSavedModel: expected a Python 3 interpreter 'python3' on PATH .*there is none\. Install Python 3\.11, then TensorFlow: python3 -m pip install tensorflow-cpu safetensors numpy/);
    assert.ok(!fs.existsSync(path.join(dir, 'out')));
  });

  it('a python3 without tensorflow (a fresh venv): exit 1 and gives the pip command', () => {
    const venv = path.join(dir, 'venv');
    const made = spawnSync('python3', ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' });
    assert.equal(made.status, 0, `python3 -m venv failed: ${made.stderr}`);
    const r = exportWithPath([path.join(venv, 'bin')], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /exportSavedModel: expected 'python3' to import (tensorflow|numpy|safetensors) .*but it has no module .*Install them with: python3 -m pip install tensorflow-cpu safetensors numpy/);
    assert.ok(!fs.existsSync(path.join(dir, 'out')));
  });
});
