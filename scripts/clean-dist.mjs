#!/usr/bin/env node
// Empties dist/ before a build, keeping dist/vendor/ (the minified plotly.js that setup makes once), so files whose
// sources were moved or deleted never linger in dist/ and ship in `npm pack`.
// Usage: node scripts/clean-dist.mjs   (run by `npm run build` and by setup before tsc)
import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
if (existsSync(dist)) {
  for (const name of readdirSync(dist)) {
    if (name !== 'vendor') rmSync(path.join(dist, name), { recursive: true, force: true });
  }
}
