// The huge-table benchmark's plumbing (not its timings): the suite runner finds it, and a tiny run reports every
// field the issue asks for, with rows materialized bounded by the ids drawn.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { discoverBenchmarks } from '../../bench/run';
import { runHugeTableBench } from '../../bench/huge-table';

describe('huge-table benchmark', () => {
  it('is discovered by the suite runner (npm run bench -- huge-table)', () => {
    assert.ok(discoverBenchmarks().has('huge-table'));
  });

  it('reports rows, dim, storage, steps, idsPerStep, peakRssBytes, step medians and rowsMaterialized, with progress lines', async () => {
    const lines: string[] = [];
    const r = await runHugeTableBench({ rows: 1e6, steps: 120, idsPerStep: 512, baselineRows: 1e4, log: (s) => lines.push(s) });
    assert.equal(r.rows, 1e6);
    assert.equal(r.dim, 64);
    assert.equal(r.storage, 'lazy');
    assert.equal(r.steps, 120);
    assert.equal(r.idsPerStep, 512);
    assert.ok(r.peakRssBytes > 0 && r.stepMsMedian > 0 && r.baselineStepMsMedian > 0);
    assert.equal(r.baselineSteps, 20); // 10 dense steps after lazy steps 100 and 120
    // Every id drawn is one row at most: 120 × 512 = 61,440; Zipf(1.05) repeats the head, so far fewer.
    assert.ok(r.rowsMaterialized > 512 && r.rowsMaterialized < 61_440, `${r.rowsMaterialized} rows`);
    assert.deepEqual(r.progress.map((p) => p.step), [100, 120]);
    assert.ok(lines.some((l) => /step 100\/120: lazy .* ms/.test(l)), lines.join('\n'));
  });
});
