// test-alone: kills child processes at chosen instants
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, saveCheckpoint } from '../../src/checkpoint';

const CHILD = path.join(__dirname, 'fixtures', 'save-child.ts');
const base = mkdtempSync(path.join(tmpdir(), 'ckpt-crash-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** Runs the child saver; kills it with SIGKILL `delayMs` after it prints `signal`. Resolves with what it printed. */
function runChild(root: string, step: number, mb: number, mode: 'block' | 'run', signal: string, delayMs: number): Promise<{ out: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, root, String(step), String(mb), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && out.includes(signal)) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(guard);
      if (code !== 0 && sig !== 'SIGKILL') reject(new Error(`child exited ${code}: ${err}`));
      else resolve({ out, killed: sig === 'SIGKILL' });
    });
  });
}

async function savePrevious(root: string): Promise<Float32Array> {
  const data = Float32Array.from({ length: 4 * 8 }, (_, i) => i / 8);
  await saveCheckpoint(root, { step: 1, groups: [{ file: 't0.safetensors', tensors: [{ name: 't0', dtype: 'float32', shape: [4, 8], data }] }] });
  return data;
}

describe('a save killed with SIGKILL', () => {
  it('mid-file leaves the previous checkpoint restorable and no half directory visible', async () => {
    const root = path.join(base, 'block');
    const previous = await savePrevious(root);
    const { out, killed } = await runChild(root, 2, 24, 'block', 'MIDSAVE', 0);
    assert.ok(killed && out.includes('MIDSAVE') && !out.includes('DONE'), 'the child was killed mid-save');
    // The crash left a temporary directory holding the finished first file and part of the second.
    const temps = readdirSync(root).filter((n) => n.startsWith('.tmp-ckpt-2-'));
    assert.equal(temps.length, 1);
    assert.deepEqual(readdirSync(path.join(root, temps[0])).sort(), ['t0.safetensors', 't1.safetensors']);
    assert.ok(!existsSync(path.join(root, 'ckpt-2')));
    // latestCheckpoint only sees step 1, which loads with its hashes verified and its values intact.
    const latest = await latestCheckpoint(root);
    assert.deepEqual(latest, { dir: path.join(root, 'ckpt-1'), step: 1 });
    const { tensors } = await loadCheckpoint(latest!.dir);
    assert.deepEqual(Array.from(tensors.get('t0')!.data as Float32Array), Array.from(previous));
    // The next save removes the dead process's temporary directory.
    await saveCheckpoint(root, { step: 3, groups: [{ file: 'x.safetensors', tensors: [{ name: 'x', dtype: 'int32', shape: [1], data: new Int32Array([3]) }] }] });
    assert.deepEqual(readdirSync(root).sort(), ['ckpt-1', 'ckpt-3']);
  });

  for (const delayMs of [5, 40, 150]) {
    it(`at a random moment (${delayMs} ms after the first chunk) leaves either the old or a whole new checkpoint`, async (t) => {
      const root = path.join(base, `run-${delayMs}`);
      const previous = await savePrevious(root);
      const { out } = await runChild(root, 2, 24, 'run', 'START', delayMs);
      const steps = (await listCheckpoints(root)).map((c) => c.step);
      const latest = (await latestCheckpoint(root))!;
      const { manifest, tensors } = await loadCheckpoint(latest.dir); // whichever it is, it verifies
      t.diagnostic(`killed ${delayMs} ms after the first chunk: latest step ${latest.step}`);
      if (latest.step === 2) {
        // The save completed before the kill: the new checkpoint is whole.
        assert.deepEqual(steps, [1, 2]);
        assert.equal(manifest.tensors.length, 3);
        assert.equal((tensors.get('t2')!.data as Float32Array)[0], 4); // filled with step + k = 2 + 2
      } else {
        assert.ok(!out.includes('DONE'));
        assert.deepEqual(steps, [1]);
        assert.deepEqual(Array.from(tensors.get('t0')!.data as Float32Array), Array.from(previous));
      }
      // The previous checkpoint is restorable in every case.
      await loadCheckpoint(path.join(root, 'ckpt-1'));
    });
  }
});
