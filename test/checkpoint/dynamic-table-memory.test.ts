// Issue 13 part 3 item 4: saving a large dynamic table (2e6 rows × 64) streams it: the writer never asks the table for
// more than one chunk of rows (chunkBytes), and the process's resident memory during the save stays far below one
// copy of the table (512 MB), while the files hold every row, split under maxFileBytes.
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chooseBackend } from '../../src/backend';
import { existingRowsGroups, saveCheckpoint, type ExistingRows } from '../../src/checkpoint';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { SGD } from '../../src/optimizers';

before(async () => {
  await chooseBackend();
});

const ROWS = 2_000_000;
const DIM = 64;

it(`saving a ${ROWS} × ${DIM} dynamic table reads it in chunks of at most chunkBytes and keeps RSS far below one table copy`, async (t) => {
  const items = tableConfig({ storage: 'dynamic', rowBudget: ROWS, dim: DIM, name: 'items', initializer: 'zeros' });
  const emb = new TPUEmbedding({ features: { item: featureConfig({ table: items }) }, optimizer: new SGD(), topology: 'v4-8', placement: 'cpu' });
  const map = emb.dynamicIdMap('items')!;
  // Fill every row: the id map directly (what a lookup does first), in batches.
  for (let b = 0; b < ROWS; b += 100_000) {
    map.map(BigInt64Array.from({ length: 100_000 }, (_, i) => BigInt(b + i) * 1_000_003n));
    map.commit();
  }
  assert.equal(map.size, ROWS);
  const real = emb.existingRows('items');
  let maxRowsAsked = 0;
  const watched: ExistingRows = {
    ...real,
    readKeys: (b, e) => ((maxRowsAsked = Math.max(maxRowsAsked, e - b)), real.readKeys(b, e)),
    readValues: (w, b, e, out) => ((maxRowsAsked = Math.max(maxRowsAsked, e - b)), real.readValues(w, b, e, out)),
    readEviction: (b, e, f, l) => ((maxRowsAsked = Math.max(maxRowsAsked, e - b)), real.readEviction(b, e, f, l)),
  };
  const chunkBytes = 1 << 20;
  const maxFileBytes = 128 * 1024 * 1024;
  const rows = existingRowsGroups([watched], { maxFileBytes });
  const root = mkdtempSync(path.join(tmpdir(), 'dyn-mem-'));
  try {
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const saved = await saveCheckpoint(root, { step: 1, configs: rows.configs, groups: rows.groups }, { chunkBytes, onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
    const tableBytes = ROWS * DIM * 4;
    t.diagnostic(`rss before ${(rss0 / 2 ** 20).toFixed(0)} MiB, peak during the save +${((peak - rss0) / 2 ** 20).toFixed(1)} MiB; table ${tableBytes / 2 ** 20} MiB; most rows asked at once ${maxRowsAsked}`);
    // One chunk of floats is chunkBytes / (4 · dim) = 4096 rows; one chunk of 8-byte keys or clocks 131072 entries.
    assert.ok(maxRowsAsked <= chunkBytes / 8, `asked ${maxRowsAsked} rows at once`);
    assert.ok(peak - rss0 < tableBytes / 8, `RSS grew ${peak - rss0} bytes during the save (a table copy is ${tableBytes})`);
    const files = saved.manifest.files.filter((f) => f.file.startsWith('dynamic-items-'));
    // 8 + 256 + 16 = 280 bytes a row → 479,349 rows per 128 MiB file → 5 files.
    assert.equal(files.length, 5);
    for (const f of files) assert.ok(f.bytes <= maxFileBytes + 4096 && statSync(path.join(saved.dir, f.file)).size === f.bytes);
    assert.equal(saved.manifest.tensors.filter((x) => /^items\/part-\d+$/.test(x.name)).reduce((n, x) => n + x.shape[0], 0), ROWS);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
