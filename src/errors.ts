/**
 * The library's error classes. Each carries a `kind` that tests and callers can switch on;
 * messages say the API, the parameter, the rule, the value and how to fix it.
 */
import type { CheckpointErrorKind, ConfigErrorKind, DataErrorKind, InputErrorKind, ShardingErrorKind } from './error-kinds';

/** A config (table, feature, optimizer, topology, model) or an option broke a rule; thrown at construction. Kinds: {@link ConfigErrorKind}. */
export class ConfigError extends Error {
  constructor(readonly kind: ConfigErrorKind, message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A value passed to one call (ids, weights, gradients, requests) is malformed or out of range. Nothing was changed. Kinds: {@link InputErrorKind}. */
export class InputError extends Error {
  constructor(readonly kind: InputErrorKind, message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** A sharding rule or a per-partition limit was broken (e.g. `id_limit_exceeded`). Kinds: {@link ShardingErrorKind}. */
export class ShardingError extends Error {
  constructor(readonly kind: ShardingErrorKind, message: string) {
    super(message);
    this.name = 'ShardingError';
  }
}

/** A data file is missing, malformed, or failed its checksum. Kinds: {@link DataErrorKind}. */
export class DataError extends Error {
  constructor(readonly kind: DataErrorKind, message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** A checkpoint or export could not be written or read (missing file, bad hash, wrong shape). Kinds: {@link CheckpointErrorKind}. */
export class CheckpointError extends Error {
  constructor(readonly kind: CheckpointErrorKind, message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}
