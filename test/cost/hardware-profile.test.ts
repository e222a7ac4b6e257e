import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';
import {
  DATACENTER_HOST_PROFILE,
  ICI_BYTES_PER_S_TPU_V3,
  ICI_BYTES_PER_S_TPU_V4,
  TORCHREC_DDR_BYTES_PER_S,
  TPU_CHIP_PROFILES,
  TPU_GENERATIONS,
  cpuHostProfile,
  hardwareProfile,
  measureCopyBandwidth,
  smallDimPenalty,
  stepCostBreakdown,
} from '../../src/cost';

describe('hardware profiles', () => {
  it('every chip profile has positive numbers and a source', () => {
    for (const g of TPU_GENERATIONS) {
      const p = TPU_CHIP_PROFILES[g];
      assert.equal(p.generation, g);
      for (const key of ['hbmBytesPerS', 'hbmBytes', 'iciBytesPerS', 'peakFlopsPerS', 'pcieBytesPerS', 'chipsPerHost'] as const) {
        assert.ok(Number.isFinite(p[key]) && p[key] > 0, `${g}.${key} = ${p[key]}`);
      }
      assert.ok(p.sparseCoresPerChip >= 0 && p.source.length > 10);
      assert.ok(Object.isFrozen(p));
    }
    // SparseCores: none on v3, 4 on v4 and v5p, 2 on v6e.
    assert.deepEqual(TPU_GENERATIONS.map((g) => TPU_CHIP_PROFILES[g].sparseCoresPerChip), [0, 4, 4, 2]);
  });

  it('derives v3/v4 ICI from the per-link figures', () => {
    assert.equal(ICI_BYTES_PER_S_TPU_V3, 8e11); // 1e11 one-way × 2 directions × 4 links (2D torus)
    assert.equal(ICI_BYTES_PER_S_TPU_V4, 5.4e11); // 4.5e10 one-way × 2 directions × 6 links (3D)
  });

  it('the default host is TorchRec\'s planner host; a measured host says so', () => {
    assert.equal(DATACENTER_HOST_PROFILE.dramBytesPerS, 51 * 2 ** 30); // 51 GiB/s = 54,760,833,024 B/s
    assert.equal(TORCHREC_DDR_BYTES_PER_S, 54_760_833_024);
    assert.equal(DATACENTER_HOST_PROFILE.measured, false);
    for (const v of [DATACENTER_HOST_PROFILE.dramBytesPerS, DATACENTER_HOST_PROFILE.networkBytesPerS]) assert.ok(v > 0);
    const h = cpuHostProfile({ measured: 1.5e10 });
    assert.equal(h.dramBytesPerS, 1.5e10);
    assert.equal(h.measured, true);
    assert.match(h.source, /measured on this machine/);
    assert.throws(() => cpuHostProfile({ measured: -1 }), /cpuHostProfile: expected measured to be a positive finite number of bytes\/s, but got -1/);
    assert.throws(() => cpuHostProfile({ pcieBytesPerS: NaN }), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_profile');
  });

  it('hardwareProfile combines a slice, its chips and its hosts', () => {
    const v4 = hardwareProfile('v4-8');
    assert.equal(v4.tpu, TPU_CHIP_PROFILES.v4);
    assert.equal(v4.numHosts, 1); // 4 chips / 4 per host
    assert.equal(v4.pcieBytesPerS, 1.5e10); // the chip's PCIe link
    assert.equal(hardwareProfile('v4-32').numHosts, 4); // 16 chips / 4 per host
    assert.equal(hardwareProfile('v6e-8').numHosts, 1); // 8 chips / 8 per host
    assert.equal(hardwareProfile('v6e-8').pcieBytesPerS, 32e9);
    const custom = hardwareProfile('v5p-8', { host: cpuHostProfile({ measured: 2e10, pcieBytesPerS: 1e9 }) });
    assert.equal(custom.pcieBytesPerS, 1e9); // the host's override wins
    assert.equal(custom.name, 'v5p-8 + measured host');
    assert.throws(() => hardwareProfile('cpu'), /hardwareProfile: expected a TPU topology .* but got 'cpu'/);
    assert.throws(() => hardwareProfile('v7-8'), /topology: expected one of/);
  });

  it('small-dim penalty follows TorchRec\'s thresholds', () => {
    assert.deepEqual([16, 63, 64, 127, 128, 256].map(smallDimPenalty), [1.75, 1.75, 1.15, 1.15, 1, 1]);
  });
});

describe('stepCostBreakdown', () => {
  it('sums its parts and is frozen', () => {
    const b = stepCostBreakdown({ gather: 1e-3, comms: 2e-3, optimizerUpdate: 3e-3, hostTransfer: 4e-3, denseCompute: 5e-3 });
    assert.ok(Math.abs(b.total() - 15e-3) < 1e-15); // 1 + 2 + 3 + 4 + 5 ms
    assert.ok(Object.isFrozen(b));
    assert.throws(
      () => stepCostBreakdown({ gather: -1, comms: 0, optimizerUpdate: 0, hostTransfer: 0, denseCompute: 0 }),
      /stepCostBreakdown: expected gather to be a finite number of seconds ≥ 0, but got -1/,
    );
  });
});

describe('measureCopyBandwidth', () => {
  it('returns a plausible bytes/s on a small buffer', () => {
    // 1 MiB copied 3 times; any machine made this century copies between 100 MB/s and 10 TB/s.
    const bw = measureCopyBandwidth({ bytes: 2 ** 20, repeats: 3 });
    assert.ok(Number.isFinite(bw) && bw > 1e8 && bw < 1e13, `bandwidth ${bw}`);
  });

  it('rejects bad sizes', () => {
    assert.throws(() => measureCopyBandwidth({ bytes: 0 }), /measureCopyBandwidth: expected bytes to be a positive integer, but got 0/);
    assert.throws(() => measureCopyBandwidth({ bytes: 1024, repeats: 1.5 }), /expected repeats to be a positive integer, but got 1\.5/);
  });

  it("a custom topology's generation is looked up among the chip profiles' own keys (e.g. 'toString' is unknown)", async () => {
    const { TOPOLOGIES } = await import('../../src/strategy');
    const { speedupCeilings } = await import('../../src/cost');
    for (const generation of ['toString', 'constructor', '__proto__', 'v7']) {
      const custom = { ...TOPOLOGIES['v4-8'], name: `custom-${generation}`, generation } as unknown as (typeof TOPOLOGIES)['v4-8'];
      assert.throws(() => hardwareProfile(custom), (e: unknown) => e instanceof ConfigError && e.kind === 'unknown_generation' && /hardwareProfile: expected the topology's generation to be one of v3, v4, v5p, v6e/.test(e.message), generation);
      assert.throws(() => speedupCeilings(DATACENTER_HOST_PROFILE, [custom as never]), (e: unknown) => e instanceof ConfigError && /generation/.test(e.message), generation);
    }
  });
});
