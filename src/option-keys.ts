import { ConfigError } from './errors';

/**
 * TensorFlow options the simulation does not implement, with why: passing one is an error, never silently ignored.
 * Keyed by the camelCase name and TF's snake_case name.
 */
const UNSUPPORTED: Readonly<Record<string, string>> = Object.freeze({
  quantizationConfig:
    "TensorFlow's TableConfig.quantization_config (SparseCore quantizes looked-up rows inside the TPU compiler's SparseDenseMatmul custom call, whose rule is not public) is not simulated",
  layout: "TensorFlow's pre-computed SparseCore table layouts (tpu_embedding_v3 `layout`) are not accepted: the engine computes its own layout (TableLayout)",
});

/**
 * Throws when `options` has a key outside `allowed`, so that no option is accepted and silently ignored (a misspelt
 * option, or one of TensorFlow's the simulation does not implement, such as `quantizationConfig`).
 * @param api the API for the message, e.g. `'tableConfig'`; @param options the caller's options object.
 * @param allowed every option the API reads.
 * @throws ConfigError `unsupported_option` naming the API, the option, its value, the allowed options and the fix.
 * @example rejectUnknownOptions('tableConfig', { dim: 4, quantizationConfig: {} }, ['dim']) // throws
 */
export function rejectUnknownOptions(api: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (allowed.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const why = UNSUPPORTED[camel] ? `${UNSUPPORTED[camel]}. ` : '';
    let shown: string;
    try {
      shown = JSON.stringify((options as Record<string, unknown>)[key]) ?? String((options as Record<string, unknown>)[key]);
    } catch {
      shown = String((options as Record<string, unknown>)[key]);
    }
    throw new ConfigError(
      'unsupported_option',
      `${api}: expected only the options ${allowed.join(', ')}, but got ${key} = ${shown}. ${why}` +
        `Remove ${key}${allowed.includes(camel) ? ` (or spell it ${camel})` : ''}: it would otherwise be ignored.`,
    );
  }
}
