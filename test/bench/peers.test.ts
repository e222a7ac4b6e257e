// The peer benchmark's load rule (bench/peers.ts): it reports only when the load was at most 1.5 per core before
// and after, and otherwise refuses with the load in the message and exit status 1, writing nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PEERS_MAX_LOAD_PER_CORE, peersLoadVerdict } from '../../bench/peers';

const ROOT = path.resolve(__dirname, '..', '..');
const load = (loadavg1: number, cores = 2) => ({ loadavg1, cores, perCore: loadavg1 / cores });

describe('bench peers: load rule', () => {
  it('accepts up to 1.5 per core, before and after, and names the worst load otherwise', () => {
    assert.equal(PEERS_MAX_LOAD_PER_CORE, 1.5);
    assert.equal(peersLoadVerdict([load(3), load(2.9)]), null); // exactly 1.5 per core
    assert.match(peersLoadVerdict([load(1), load(3.2)])!, /load average 3\.2 on 2 cores = 1\.6 per core, above 1\.5/);
    assert.match(peersLoadVerdict([load(8.4), load(1)])!, /4\.2 per core/);
    assert.equal(peersLoadVerdict([load(8.4)], 5), null);
  });

  it('a run over the limit refuses before measuring: exit 1, the load printed, no peers.json written', () => {
    const out = path.join(ROOT, 'bench', 'results', 'peers.json');
    const before = fs.existsSync(out) ? fs.statSync(out).mtimeMs : null;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/peers.ts', '--max-load=-1'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^peers: load before: [\d.]+ on \d+ cores \([\d.]+ per core; limit -1\)$/m);
    assert.match(r.stderr, /peers: refusing to report: load average [\d.]+ on \d+ cores = [\d.]+ per core, above -1/);
    assert.equal(fs.existsSync(out) ? fs.statSync(out).mtimeMs : null, before);
  });
});

describe('bench peers: optimizer pairs', () => {
  it('times every registered embedding optimizer’s step against a PyTorch optimizer the Python side builds', async () => {
    const { OPTIMIZER_PAIRS } = await import('../../bench/peers');
    const { registeredOptimizers } = await import('../../src/optimizers/optimizer-registry');
    const ours = new Set(OPTIMIZER_PAIRS.map((p) => p.ours().className));
    for (const name of registeredOptimizers()) assert.ok(ours.has(name), `no peers step for ${name}`);
    const py = fs.readFileSync(path.join(ROOT, 'bench', 'peers_torch.py'), 'utf8');
    for (const p of OPTIMIZER_PAIRS) assert.match(py, new RegExp(`name == "${p.torch}"`), `peers_torch.py builds ${p.torch}`);
  });
});
