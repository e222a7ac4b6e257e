import { ConfigError } from '../errors';
import { Adagrad } from './adagrad';
import { AdagradMomentum } from './adagrad-momentum';
import { Adam } from './adam';
import { EmbeddingOptimizer, formatValue, type LearningRate, type OptimizerConfig } from './embedding-optimizer';
import { FTRL } from './ftrl';
import { SGD } from './sgd';

/**
 * Builds an optimizer from the options object of a config (the config minus `className`). The options use the
 * same names as {@link OptimizerConfig} (`learningRate`, `clipValue`, …).
 */
export type OptimizerFactory = (options: Record<string, unknown>) => EmbeddingOptimizer;

const registry = new Map<string, OptimizerFactory>([
  ['SGD', (o) => new SGD(o)],
  ['Adagrad', (o) => new Adagrad(o)],
  ['AdagradMomentum', (o) => new AdagradMomentum(o)],
  ['Adam', (o) => new Adam(o)],
  ['FTRL', (o) => new FTRL(o)],
]);

/**
 * Registers (or replaces) the factory for a class name, so that {@link optimizerFromConfig} can rebuild
 * custom optimizers. The built-ins `SGD`, `Adagrad`, `AdagradMomentum`, `Adam`, `FTRL` are pre-registered.
 * @param className the `className` the optimizer reports in `getConfig()`.
 * @param factory builds an optimizer from the config's options.
 * @throws ConfigError when className is empty or factory is not a function.
 * @example
 * registerOptimizer('MySGD', (o) => new MySGD(o));
 */
export function registerOptimizer(className: string, factory: OptimizerFactory): void {
  if (typeof className !== 'string' || className.length === 0) {
    throw new ConfigError('invalid_optimizer_config', `registerOptimizer: expected className to be a non-empty string, but got ${formatValue(className)}. Pass the name getConfig() reports.`);
  }
  if (typeof factory !== 'function') {
    throw new ConfigError('invalid_optimizer_config', `registerOptimizer: expected factory to be a function, but got ${formatValue(factory)}. Pass (options) => new MyOptimizer(options).`);
  }
  registry.set(className, factory);
}

/** @returns the registered class names, sorted. @example registeredOptimizers() // ['Adagrad', 'AdagradMomentum', 'Adam', 'FTRL', 'SGD'] */
export function registeredOptimizers(): string[] {
  return [...registry.keys()].sort();
}

/**
 * The `{ className, config }` form the embedding configs store (`optimizerToJson`); {@link optimizerFromConfig}
 * accepts it as well as the flat {@link OptimizerConfig}.
 */
export interface WrappedOptimizerConfig {
  readonly className: string;
  readonly config: object;
}

/** Options of {@link optimizerFromConfig}. */
export interface OptimizerFromConfigOptions {
  /**
   * The learning rate to use instead of the config's: required when the config says `'schedule'` (a function
   * cannot be serialised). @default the config's learningRate
   */
  readonly learningRate?: LearningRate;
}

/**
 * Rebuilds an optimizer from {@link EmbeddingOptimizer.getConfig} output (or a hand-written config).
 * `optimizerFromConfig(opt.getConfig())` gives an optimizer with an equal config, unless the learning rate is a
 * function: then the config says `'schedule'` and the function must be passed again in `options.learningRate`.
 * @param config `{ className, ...hyperParameters }`, or `{ className, config: {...} }` (a table config's form).
 * @param options overrides (the learning-rate schedule).
 * @returns a new optimizer.
 * @throws ConfigError for an unknown className, an unknown parameter name, a `'schedule'` learning rate
 *   without `options.learningRate`, or any invalid hyper-parameter.
 * @example
 * const copy = optimizerFromConfig(new Adagrad({ learningRate: 0.1 }).getConfig());
 */
export function optimizerFromConfig(
  config: OptimizerConfig | WrappedOptimizerConfig,
  options: OptimizerFromConfigOptions = {},
): EmbeddingOptimizer {
  if (config === null || typeof config !== 'object') {
    throw new ConfigError('invalid_optimizer_config', `optimizerFromConfig: expected config to be an object with a className, but got ${formatValue(config)}. Pass optimizer.getConfig().`);
  }
  const keys = Object.keys(config);
  const inner = (config as { config?: unknown }).config;
  const flat: OptimizerConfig =
    keys.length === 2 && keys.includes('className') && inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? ({ ...(inner as object), className: config.className } as OptimizerConfig)
      : (config as OptimizerConfig);
  const { className, ...rest } = flat;
  const factory = registry.get(className);
  if (!factory) {
    throw new ConfigError(
      'unknown_optimizer',
      `optimizerFromConfig: expected className to be one of ${registeredOptimizers().join(', ')}, but got ${formatValue(className)}. Register custom optimizers with registerOptimizer().`,
    );
  }
  const params: Record<string, unknown> = { ...rest };
  if (options.learningRate !== undefined) {
    params.learningRate = options.learningRate;
  } else if (params.learningRate === 'schedule') {
    throw new ConfigError(
      'schedule_not_serializable',
      `optimizerFromConfig: expected learningRate to be a number, but got "schedule" (${className} was built with a learning-rate function, which a config cannot hold). Pass it again: optimizerFromConfig(config, { learningRate: mySchedule }).`,
    );
  }
  let optimizer: EmbeddingOptimizer;
  try {
    optimizer = factory(params);
  } catch (e) {
    // an optimizer refuses a parameter it does not read: say it came from this config
    if (e instanceof ConfigError && e.kind === 'unsupported_option') throw new ConfigError('invalid_optimizer_config', `optimizerFromConfig: ${e.message}`);
    throw e;
  }
  const known = new Set(Object.keys(optimizer.getConfig()));
  const unknown = Object.keys(params).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      'invalid_optimizer_config',
      `optimizerFromConfig: expected only ${className} parameters (${[...known].filter((k) => k !== 'className').join(', ')}), but got ${unknown.map((k) => JSON.stringify(k)).join(', ')}. Fix the spelling or remove them.`,
    );
  }
  return optimizer;
}
