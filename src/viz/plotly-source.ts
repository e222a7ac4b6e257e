import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';

/**
 * Where the minified plotly.js is written by `scripts/setup.mjs` (plotly.js-dist ships only an unminified
 * 11 MB bundle; setup minifies it once to ~4.9 MB). Same path from `src/viz/` (tsx) and `dist/viz/`.
 */
export const PLOTLY_MIN_PATH = path.resolve(__dirname, '..', '..', 'dist', 'vendor', 'plotly.min.js');

let cached: { file: string; code: string } | null = null;

/**
 * The plotly.js source to inline in HTML (offline, no CDN): the minified copy when setup made one, else
 * `plotly.js-dist`'s bundle. Read once per process. Any `</script` is escaped so it can sit in a `<script>`.
 *
 * @returns the file read and its code.
 * @throws ConfigError `plotly_missing` when plotly.js-dist is not installed.
 */
export function plotlySource(): { file: string; code: string } {
  if (cached) return cached;
  let file = PLOTLY_MIN_PATH;
  if (!existsSync(file)) {
    try {
      file = require.resolve('plotly.js-dist');
    } catch {
      throw new ConfigError(
        'plotly_missing',
        'viz: plotly.js-dist is not installed, so figures cannot embed plotly.js (show, liveFigure, saveHtml need it). ' +
          'It is an optional peer dependency of tpu-embeddings: run `npm install plotly.js-dist` in your project.',
      );
    }
  }
  const code = readFileSync(file, 'utf8').replace(/<\/script/gi, '<\\/script');
  cached = { file, code };
  return cached;
}
