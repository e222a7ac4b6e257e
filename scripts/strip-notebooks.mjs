#!/usr/bin/env node
// Strips outputs from notebooks before committing: every code cell gets `outputs: []` and
// `execution_count: null`; per-run cell metadata (execution timings, collapsed/scrolled) is dropped; the
// tslab kernelspec is set. Usage:
//   node scripts/strip-notebooks.mjs [--check] [file.ipynb ...]   (default: notebooks/*.ipynb)
// --check changes nothing and exits 1 when a notebook carries outputs (what test/notebooks.test.ts asserts).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TSLAB_KERNELSPEC = { name: 'tslab', display_name: 'TypeScript', language: 'typescript' };

/** Returns the stripped notebook object (input unchanged) and how many cells had outputs or counts. */
export function stripNotebook(nb) {
  let dirty = 0;
  const cells = nb.cells.map((cell) => {
    const c = { ...cell, metadata: { ...(cell.metadata ?? {}) } };
    for (const k of ['execution', 'collapsed', 'scrolled', 'ExecuteTime']) delete c.metadata[k];
    if (c.cell_type === 'code') {
      if ((c.outputs?.length ?? 0) > 0 || c.execution_count != null) dirty++;
      c.outputs = [];
      c.execution_count = null;
    }
    if (typeof c.source !== 'string' && !Array.isArray(c.source)) c.source = [];
    return c;
  });
  const metadata = { ...(nb.metadata ?? {}), kernelspec: TSLAB_KERNELSPEC };
  metadata.language_info = { name: 'typescript' };
  return { nb: { ...nb, metadata, cells }, dirty };
}

const args = process.argv.slice(2);
const check = args.includes('--check');
let files = args.filter((a) => a !== '--check');
if (files.length === 0) {
  const dir = path.join(root, 'notebooks');
  files = readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(dir, f));
}
let bad = 0;
for (const file of files) {
  const before = readFileSync(file, 'utf8');
  const { nb, dirty } = stripNotebook(JSON.parse(before));
  const after = JSON.stringify(nb, null, 1) + '\n';
  const rel = path.relative(process.cwd(), file);
  if (check) {
    if (dirty > 0) {
      bad++;
      console.log(`${rel}: ${dirty} code cell(s) carry outputs or execution counts; run: node scripts/strip-notebooks.mjs ${rel}`);
    }
  } else if (after !== before) {
    writeFileSync(file, after);
    console.log(`${rel}: stripped (${dirty} cell(s) had outputs or counts)`);
  } else {
    console.log(`${rel}: already clean`);
  }
}
process.exit(bad > 0 ? 1 : 0);
