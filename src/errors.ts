/**
 * The library's error classes. Each carries a `kind` that tests and callers can switch on;
 * messages say the API, the parameter, the rule, the value and how to fix it.
 */

/** A config (table, feature, optimizer, topology, model) broke a rule; thrown at construction. */
export class ConfigError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Input data (ids, weights, gradients, requests) is malformed or out of range. Nothing was changed. */
export class InputError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** A sharding rule or a per-partition limit was broken (e.g. `id_limit_exceeded`). */
export class ShardingError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = 'ShardingError';
  }
}

/** A data file is missing, malformed, or failed its checksum. */
export class DataError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** A checkpoint or export could not be written or read (missing file, bad hash, wrong shape). */
export class CheckpointError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}
