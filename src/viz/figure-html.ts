import { randomBytes } from 'node:crypto';
import type { Figure } from './figure-types';
import { applyTemplate } from './template';
import { plotlySource } from './plotly-source';

/** The Plotly config used everywhere: responsive to its container, no Plotly logo. */
export const PLOTLY_CONFIG = Object.freeze({ responsive: true, displaylogo: false });

/** A `<script>` that defines `window.Plotly` from the inlined plotly.js, unless it is already defined. */
export function plotlyScriptTag(): string {
  return `<script type="text/javascript">if (!window.Plotly) {\n${plotlySource().code}\n}</script>`;
}

/**
 * The HTML of one figure: a responsive `<div>` and a script calling `Plotly.newPlot` (the figure is applied
 * the library template first). It needs `window.Plotly` (see {@link plotlyScriptTag}) earlier in the page;
 * without it the div says so instead of staying blank.
 *
 * @param figure the Plotly figure.
 * @param divId the div's id. @default a random `tpe-fig-…` id
 * @returns an HTML fragment.
 */
export function figureDivHtml(figure: Figure, divId: string = `tpe-fig-${randomBytes(6).toString('hex')}`): string {
  const fig = applyTemplate(figure);
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
  return (
    `<div id="${divId}" class="tpu-embeddings-figure" style="width:100%;max-width:960px;height:420px;"></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var el = document.getElementById(${json(divId)});\n` +
    `  if (!el) return;\n` +
    `  if (!window.Plotly) { el.textContent = 'plotly.js is not loaded on this page: run the first figure cell again (plotly.js is embedded once per kernel session).'; return; }\n` +
    `  window.Plotly.newPlot(el, ${json(fig.data)}, ${json(fig.layout)}, ${json(PLOTLY_CONFIG)});\n` +
    `})();</script>`
  );
}
