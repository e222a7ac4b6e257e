/**
 * tpu-embeddings: TPU embeddings simulated on TensorFlow.js. The public API, listed by name
 * (guarded by test/public-api.test.ts against test/public-api.txt).
 */
export { BACKENDS, chooseBackend, resetBackendChoice } from './backend';
export type { BackendName, BackendChoice, ChooseBackendOptions } from './backend';
export { ConfigError, InputError, ShardingError, DataError, CheckpointError } from './errors';
export { Random } from './random';
export {
  COLORWAY,
  applyTemplate,
  axisTitle,
  baseLayout,
  barFigure,
  histogramFigure,
  lineFigure,
  logLogFigure,
  heatmapFigure,
  scatterFigure,
  figureDivHtml,
  plotlyScriptTag,
  show,
  liveFigure,
  saveHtml,
} from './viz';
export type {
  Figure,
  FigureLabels,
  PlotlyLayout,
  PlotlyTrace,
  Series,
  BaseAxis,
  BaseLayout,
  BarFigureOptions,
  HistogramFigureOptions,
  LineFigureOptions,
  LogLogFigureOptions,
  CountSeries,
  HeatmapFigureOptions,
  ScatterFigureOptions,
  HtmlDisplay,
  ShowOptions,
  LiveFigure,
  LiveFigureOptions,
  SaveHtmlOptions,
} from './viz';
