import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Figure } from './figure-types';
import { figureDivHtml, plotlyScriptTag } from './figure-html';

/** Options of {@link saveHtml}. */
export interface SaveHtmlOptions {
  /** The page's `<title>` and heading. @default the first figure's title, else 'tpu-embeddings figures' */
  readonly title?: string;
}

/**
 * Writes one or more figures to a standalone HTML file that works offline (plotly.js inlined once, ~5 MB).
 * Parent directories are created.
 *
 * @param figures one figure or several (drawn one under the other).
 * @param file where to write, e.g. `outputs/ratings.html`.
 * @param options page title.
 * @returns the absolute path written.
 * @example
 * saveHtml([ratingsFigure, tailFigure], 'outputs/01-movielens-data.html', { title: 'MovieLens 100K' });
 */
export function saveHtml(figures: Figure | readonly Figure[], file: string, options: SaveHtmlOptions = {}): string {
  const list: readonly Figure[] = Array.isArray(figures) ? figures : [figures as Figure];
  const firstTitle = (list[0]?.layout as { title?: { text?: string } } | undefined)?.title?.text;
  const title = options.title ?? firstTitle ?? 'tpu-embeddings figures';
  const escaped = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
  const html =
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${escaped}</title>\n` +
    `<style>body{font-family:system-ui,sans-serif;margin:16px;max-width:1000px}</style>\n` +
    `${plotlyScriptTag()}\n</head>\n<body>\n<h1>${escaped}</h1>\n` +
    list.map((f) => figureDivHtml(f)).join('\n') +
    `\n</body>\n</html>\n`;
  const out = path.resolve(file);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, html);
  return out;
}
