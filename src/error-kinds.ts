/**
 * The `kind` of each error class (src/errors.ts) as a union of string literals, so a typo in a kind fails to
 * type-check and callers can `switch` on it exhaustively.
 *
 * Which class a rule raises: {@link ConfigErrorKind} for a construction-time option or setting (a factory's or
 * constructor's options, an options object that shapes a run, the environment: Python, plotly, a backend);
 * {@link InputErrorKind} for a value passed to one call (ids, tensors, batches, queries, paths, state, requests).
 * DataError, CheckpointError and ShardingError are by domain: data files, checkpoint/export/index files, and the
 * per-partition limits. A kind belongs to one of ConfigError and InputError, never both
 * (test/errors/error-kinds.test.ts checks it).
 *
 * A new kind is added here, with its one line, before it is thrown.
 */

/**
 * Kinds of `ConfigError` (a construction-time option or setting broke a rule), one line each:
 * - `backend_unavailable`: the tfjs backend asked for (option or TPU_EMBEDDINGS_BACKEND) is unknown or failed to start, or none started.
 * - `bad_model`: a model given to a server, index or recommender lacks the inputs/outputs it needs.
 * - `bad_option`: a command-line option of the CLI or a script is malformed (CLI exit code 2).
 * - `bad_server`: a model-server option (port, limits, timeouts) is out of range.
 * - `bad_sharding`: a sharding option of the row→shard helpers is out of range.
 * - `bench_unavailable`: `tpu-embeddings bench` ran where the benchmarks are not (an installed package) or without tsx.
 * - `empty_split`: a protocol's training split holds less than one global batch.
 * - `infinite_dataset`: an operation needs a finite dataset but got one that repeats forever.
 * - `invalid_baseline_options`: a rating baseline (BaselineOnly) option is invalid.
 * - `invalid_batch_size`: a dataset's batch size is not a positive integer.
 * - `invalid_cost`: a step-cost component is not a finite number of seconds ≥ 0.
 * - `invalid_count`: a dataset builder's count (take, skip, repeat) is not a non-negative integer.
 * - `invalid_dense_units`: a dense stack's input width or layer units are not positive integers.
 * - `invalid_draws`: the number of draws for expected unique ids is not finite and ≥ 0.
 * - `invalid_embedding_config`: a TPUEmbedding's features, tables, topology or limits break a rule.
 * - `invalid_evaluate_options`: evaluate's options (steps, …) are out of range.
 * - `invalid_feature_config`: a featureConfig option (table, maxSequenceLength, outputShape, name) is invalid.
 * - `invalid_feature_options`: a movieLensFeatures option (bucket edges, …) is invalid.
 * - `invalid_fit_options`: fit's options (epochs, stepsPerEpoch, …) are out of range.
 * - `invalid_initializer`: a table initializer is not a number, a known initializer spec, or a function of the right size.
 * - `invalid_model`: a synthetic model description (tables, features, batch) for the cost model is invalid.
 * - `invalid_model_config`: a ranking or two-tower model config option is invalid.
 * - `invalid_optimizer_config`: an embedding optimizer's hyper-parameter or registry entry is invalid.
 * - `invalid_option`: an option of a function (measurement, emitter, sampler, retrieval index or loss) is out of range.
 * - `invalid_plan`: a memory plan's config (tables, batch, topology) is invalid.
 * - `invalid_profile`: a hardware profile's figures or topology are invalid.
 * - `invalid_sharding`: a sharding strategy, shard count or rotation is invalid.
 * - `invalid_skew`: an id distribution's skew is neither 'uniform' nor `{ zipf: s > 0 }`.
 * - `invalid_split`: a split's sizes or seed are invalid.
 * - `invalid_stacking`: a SparseCore stacking option is invalid.
 * - `invalid_stats`: lookup statistics given to the step-time model are invalid (negative, non-finite, imbalance < 1).
 * - `invalid_table_config`: a tableConfig option (vocabularySize, dim, combiner, name, …) is invalid.
 * - `invalid_topology`: a topology object's fields are invalid.
 * - `invalid_verbose`: fit's `verbose` is not 0, 1, 2 or 'auto'.
 * - `invalid_vocabulary_size`: an id distribution's vocabulary size is not a positive integer.
 * - `missing_checksum`: a download has no checksum for the requested version.
 * - `model_too_big`: the model's tables together do not fit the memory they are planned into (each fits alone).
 * - `no_dense_equivalent`: the dense baseline has no tf-ops update for a table's optimizer.
 * - `no_notebook`: a notebook helper ran outside a tslab kernel.
 * - `not_emittable`: a config cannot be written as TensorFlow, Keras-RS or JAX code.
 * - `optimizer_mismatch`: a model was compiled with another optimizer than its tables were built with.
 * - `plotly_missing`: the optional peer plotly.js-dist is not installed.
 * - `python_failed`: the Python bridge's process failed.
 * - `python_missing`: no Python 3 interpreter for the bridge.
 * - `reserved_table_name`: a table is named `__metadata__`, which safetensors reserves.
 * - `schedule_not_serializable`: an optimizer with a learning-rate function cannot be serialized.
 * - `schedule_not_supported`: a learning-rate function where a fixed rate is needed (a dense tfjs optimizer).
 * - `split_too_large`: a split asks for more examples than the data has.
 * - `table_too_big`: one table does not fit the memory it is planned into; the message lists storage kinds that would.
 * - `tensorflow_missing`: the bridge's Python cannot import TensorFlow, safetensors or numpy.
 * - `topology_mismatch`: statistics sharded over another topology than the hardware profile's.
 * - `unknown_command`: the CLI got a command it does not have (CLI exit code 2).
 * - `unknown_config`: a MovieLens config name is not one of the known configs.
 * - `unknown_dataset_feature`: a dataset was built with a feature its MovieLens config does not have.
 * - `unknown_generation`: a topology's TPU generation has no chip profile.
 * - `unknown_optimizer`: an optimizer class name is not registered.
 * - `unknown_split`: a canonical split name is not one of GroupLens's.
 * - `unknown_topology`: a topology name is not one of the simulated slices.
 * - `unknown_version`: a MovieLens version name is not one of the downloadable ones.
 * - `unsupported_keras_parameter`: a Keras optimizer parameter has no TPU-embedding equivalent.
 * - `unsupported_option`: an options object holds a key the API does not take.
 * - `unsupported_rounding`: a half-precision rounding mode is not available for that format (stochastic needs bfloat16 and a random source).
 * - `unsupported_storage`: a table option does not work with its storage kind (e.g. a function initializer on a dynamic table).
 * - `invalid_dynamic_options`: a dynamic table's rowBudget, admitAfter or eviction is invalid.
 * - `table_too_large`: a dense table does not fit one array (vocabularySize × dim); use storage: 'lazy'.
 * - `invalid_callback`: a training callback (early stopping) option is invalid.
 * - `missing_metric`: a callback monitors a metric the fit loop does not report (e.g. val_rmse without validation data).
 * - `invalid_schedule`: a learning-rate schedule option (initial rate, decay steps, rate) is invalid.
 */
export type ConfigErrorKind =
  | 'invalid_schedule'
  | 'missing_metric'
  | 'invalid_callback'
  | 'table_too_large'
  | 'invalid_dynamic_options'
  | 'unsupported_storage'
  | 'backend_unavailable'
  | 'bad_model'
  | 'bad_option'
  | 'bad_server'
  | 'bad_sharding'
  | 'bench_unavailable'
  | 'empty_split'
  | 'infinite_dataset'
  | 'invalid_baseline_options'
  | 'invalid_batch_size'
  | 'invalid_cost'
  | 'invalid_count'
  | 'invalid_dense_units'
  | 'invalid_draws'
  | 'invalid_embedding_config'
  | 'invalid_evaluate_options'
  | 'invalid_feature_config'
  | 'invalid_feature_options'
  | 'invalid_fit_options'
  | 'invalid_initializer'
  | 'invalid_model'
  | 'invalid_model_config'
  | 'invalid_optimizer_config'
  | 'invalid_option'
  | 'invalid_plan'
  | 'invalid_profile'
  | 'invalid_sharding'
  | 'invalid_skew'
  | 'invalid_split'
  | 'invalid_stacking'
  | 'invalid_stats'
  | 'invalid_table_config'
  | 'invalid_topology'
  | 'invalid_verbose'
  | 'invalid_vocabulary_size'
  | 'missing_checksum'
  | 'model_too_big'
  | 'no_dense_equivalent'
  | 'no_notebook'
  | 'not_emittable'
  | 'optimizer_mismatch'
  | 'plotly_missing'
  | 'python_failed'
  | 'python_missing'
  | 'reserved_table_name'
  | 'schedule_not_serializable'
  | 'schedule_not_supported'
  | 'split_too_large'
  | 'table_too_big'
  | 'tensorflow_missing'
  | 'topology_mismatch'
  | 'unknown_command'
  | 'unknown_config'
  | 'unknown_dataset_feature'
  | 'unknown_generation'
  | 'unknown_optimizer'
  | 'unknown_split'
  | 'unknown_topology'
  | 'unknown_version'
  | 'unsupported_keras_parameter'
  | 'unsupported_option'
  | 'unsupported_rounding';

/**
 * Kinds of `InputError` (a value passed to one call is malformed or out of range; nothing was changed), one line each:
 * - `bad_batch`: a batch (or a batch size passed to a call) is malformed: missing arrays, unequal lengths, not a positive integer.
 * - `bad_bins`: a histogram's bins are not 'auto', 'integers' or a positive integer.
 * - `bad_count`: a count passed to a call (e.g. Random.int's n) is not a positive integer.
 * - `bad_candidates`: candidate ids, vectors or sampling probabilities are malformed.
 * - `bad_dataset`: a dataset passed to fit/evaluate is not an iterable of batches.
 * - `bad_fraction`: a fraction is outside [0, 1].
 * - `bad_history`: the ratings passed to build user histories are malformed (columns of unequal length, …).
 * - `bad_pairs`: the (user, movie) pairs passed to a SavedModel prediction are malformed.
 * - `bad_path`: a path argument is empty or not a string.
 * - `bad_query`: a search query (vectors or k) is malformed.
 * - `bad_ratings`: the ratings passed to a baseline are malformed or empty.
 * - `bad_request`: a REST request body or parameter is malformed (HTTP 400).
 * - `bad_shape`: a tensor or array has the wrong shape for the call.
 * - `bad_state`: a state passed to setState/restore does not match the model.
 * - `bad_user`: a user id is outside the model's vocabulary.
 * - `batch_not_divisible`: a global batch size is not divisible by the number of replicas.
 * - `batch_size_mismatch`: the features of one batch have different batch sizes.
 * - `capacity_exceeded`: more ids than an id-dedup buffer reserved with reset().
 * - `disposed`: the object was disposed and cannot be used again.
 * - `empty`: a figure or table got no values.
 * - `empty_dataset`: a dataset passed to fit/evaluate yielded no batch.
 * - `gradient_shape_mismatch`: an activation gradient's shape differs from the activation's.
 * - `id_out_of_range`: an id is outside [0, vocabularySize) of its table.
 * - `index_out_of_range`: a row or batch index is outside [0, length).
 * - `invalid_gradient`: the gradients argument is not an object of tensors per feature.
 * - `invalid_ids`: ids are not integers in int32 range.
 * - `invalid_input`: a feature input (dense, ragged, sparse) is malformed.
 * - `invalid_learning_rate`: a learning-rate schedule gave a value the optimizer cannot use at this step.
 * - `invalid_row_batch`: a row batch passed to an optimizer's applyRows is malformed.
 * - `invalid_step`: a step number is not an integer ≥ 0.
 * - `invalid_weights`: per-id or per-sample weights are missing, of the wrong length, or not finite.
 * - `length_mismatch`: arrays that go together have different lengths.
 * - `missing_feature`: a batch lacks a feature the call needs.
 * - `missing_gradient`: a looked-up feature has no gradient.
 * - `missing_partition_counts`: statistics lack per-partition id counts (synthetic, not recorded).
 * - `negative`: a count that must be ≥ 0 is negative.
 * - `no_lookup`: applyGradients was called without a lookup before it.
 * - `no_ratings`: the data has no ratings table.
 * - `no_sampling_probability`: sampling correction was asked for without candidate probabilities.
 * - `no_users`: the data has no users table.
 * - `non_finite_gradient`: a gradient or an update would make a table non-finite; the tables are unchanged.
 * - `non_finite_value`: a tensor passed to setState/restore holds NaN or ±Infinity.
 * - `not_finite`: a value for a figure or table is NaN or ±Infinity.
 * - `output_shape_mismatch`: a feature's outputShape does not match the batch.
 * - `ragged_feature`: a ragged feature was asked for as a fixed-size tensor.
 * - `shape_mismatch`: a table passed to setState/restore has the wrong shape or length.
 * - `unknown_candidate`: a true candidate id is not among the candidates.
 * - `unknown_feature`: a feature name passed to lookup/applyGradients is not configured.
 * - `unknown_slot`: a slot passed to restore is not kept by the table's optimizer.
 * - `unknown_table`: a table name is not one of the embedding's tables.
 * - `not_importable`: a table cannot take full tables as given (a dynamic table's rows without its id map).
 * - `no_history`: a step needs the users' rating history (queryHistory) but none was set.
 * - `bad_rank`: a rank passed to a list metric is not a non-negative integer.
 * - `storage_full`: a lookup would materialize more rows than a lazy table's pool holds (maxRowsMaterialized, 4 GiB of weights); nothing was materialized.
 * - `not_fitted`: a model is used for prediction before fit() computed what it needs (the global mean).
 * - `duplicate_name`: two rows or items that must be named uniquely (a leaderboard's models) share a name.
 * - `missing_slot`: rows to import lack one of the table optimizer's slots.
 * - `invalid_row`: a row index passed to an id map or table reader is outside the table.
 * - `bad_id_map`: an id map to restore is inconsistent (duplicate ids, bad clock or totals, corrupt string ids).
 * - `id_map_overflow`: more ids hash to one shard than its rows hold; raise rowBudget or use fewer shards.
 */
export type InputErrorKind =
  | 'id_map_overflow'
  | 'bad_id_map'
  | 'invalid_row'
  | 'missing_slot'
  | 'duplicate_name'
  | 'not_fitted'
  | 'storage_full'
  | 'bad_rank'
  | 'no_history'
  | 'not_importable'
  | 'bad_batch'
  | 'bad_bins'
  | 'bad_candidates'
  | 'bad_count'
  | 'bad_dataset'
  | 'bad_fraction'
  | 'bad_history'
  | 'bad_pairs'
  | 'bad_path'
  | 'bad_query'
  | 'bad_ratings'
  | 'bad_request'
  | 'bad_shape'
  | 'bad_state'
  | 'bad_user'
  | 'batch_not_divisible'
  | 'batch_size_mismatch'
  | 'capacity_exceeded'
  | 'disposed'
  | 'empty'
  | 'empty_dataset'
  | 'gradient_shape_mismatch'
  | 'id_out_of_range'
  | 'index_out_of_range'
  | 'invalid_gradient'
  | 'invalid_ids'
  | 'invalid_input'
  | 'invalid_learning_rate'
  | 'invalid_row_batch'
  | 'invalid_step'
  | 'invalid_weights'
  | 'length_mismatch'
  | 'missing_feature'
  | 'missing_gradient'
  | 'missing_partition_counts'
  | 'negative'
  | 'no_lookup'
  | 'no_ratings'
  | 'no_sampling_probability'
  | 'no_users'
  | 'non_finite_gradient'
  | 'non_finite_value'
  | 'not_finite'
  | 'output_shape_mismatch'
  | 'ragged_feature'
  | 'shape_mismatch'
  | 'unknown_candidate'
  | 'unknown_feature'
  | 'unknown_slot'
  | 'unknown_table';

/**
 * Kinds of `ShardingError` (a sharding rule or a per-partition limit was broken), one line each:
 * - `id_limit_exceeded`: a shard got more ids or unique ids than maxIdsPerPartition / maxUniqueIdsPerPartition allow.
 */
export type ShardingErrorKind = 'id_limit_exceeded';

/**
 * Kinds of `DataError` (a data file is missing, malformed, or failed its checksum), one line each:
 * - `bad_archive`: a MovieLens zip cannot be read as a zip archive.
 * - `cache_write_failed`: the download cache could not be written.
 * - `checksum_mismatch`: a downloaded archive's size or sha256 differs from the expected one.
 * - `disk_full`: the disk filled while writing the download cache.
 * - `download_failed`: the request failed or the server answered other than HTTP 200.
 * - `download_timeout`: no headers, or no data, arrived within the download's timeouts.
 * - `duplicate_id`: a users or movies file lists one id twice.
 * - `line_too_long`: a data file has a line longer than the reader accepts.
 * - `malformed_line`: a data file's line has the wrong number of fields or a field of the wrong form.
 * - `missing_file`: a MovieLens file or directory is not where the reader looked.
 * - `oversized_download`: the server announced or sent more bytes than the archive has.
 * - `truncated_download`: the connection ended before the whole archive arrived.
 */
export type DataErrorKind =
  | 'bad_archive'
  | 'cache_write_failed'
  | 'checksum_mismatch'
  | 'disk_full'
  | 'download_failed'
  | 'download_timeout'
  | 'duplicate_id'
  | 'line_too_long'
  | 'malformed_line'
  | 'missing_file'
  | 'oversized_download'
  | 'truncated_download';

/**
 * Kinds of `CheckpointError` (a checkpoint, export or saved index could not be written or read), one line each:
 * - `ambiguous_slot`: a checkpoint holds a slot under both its old and TensorFlow's name.
 * - `bad_checkpoint`: a checkpoint or export does not hold what the reader needs (or its writer's option is invalid).
 * - `bad_index`: a saved candidate index is malformed or of another format.
 * - `bad_manifest`: checkpoint.json or model.json is not a valid manifest.
 * - `bad_safetensors`: a .safetensors file is not valid.
 * - `bad_shape`: a tensor shape in a file has a dimension that is not a non-negative integer.
 * - `bad_tensor`: a tensor to write has an invalid name, dtype or metadata.
 * - `exists`: the target checkpoint directory exists and overwrite was not asked for.
 * - `hash_mismatch`: a file's sha256 differs from the manifest's (corruption).
 * - `locked`: another live process holds the checkpoint directory's lock.
 * - `missing_file`: a file listed in a manifest or model.json is missing or unreadable.
 * - `missing_manifest`: the directory has no checkpoint.json (or no ckpt-<step> directories).
 * - `missing_saved_model`: the directory has no SavedModel.
 * - `not_a_ranking_checkpoint`: a checkpoint lacks the tables, dense or optimizer file of a ranking model.
 * - `not_a_two_tower_checkpoint`: a checkpoint lacks the tables, dense or optimizer file of a two-tower model.
 * - `read_failed`: a checkpoint file could not be read.
 * - `shape_mismatch`: a tensor in a file differs from its manifest entry (dtype, shape, byte range).
 * - `size_mismatch`: weight files hold another number of bytes than their specs need.
 * - `unsafe_path`: a manifest lists a file outside its directory.
 * - `unsupported_version`: a checkpoint's format version is not this library's.
 * - `write_failed`: a checkpoint, export or lock could not be written; the previous one is whole.
 * - `table_too_large`: a lazy table too large for one array cannot be exported or imported whole (streamed checkpoints of lazy tables are not implemented).
 * - `bad_id_map`: a checkpoint's saved id map is inconsistent (duplicate ids, bad clock or totals, corrupt string ids).
 */
export type CheckpointErrorKind =
  | 'bad_id_map'
  | 'table_too_large'
  | 'ambiguous_slot'
  | 'bad_checkpoint'
  | 'bad_index'
  | 'bad_manifest'
  | 'bad_safetensors'
  | 'bad_shape'
  | 'bad_tensor'
  | 'exists'
  | 'hash_mismatch'
  | 'locked'
  | 'missing_file'
  | 'missing_manifest'
  | 'missing_saved_model'
  | 'not_a_ranking_checkpoint'
  | 'not_a_two_tower_checkpoint'
  | 'read_failed'
  | 'shape_mismatch'
  | 'size_mismatch'
  | 'unsafe_path'
  | 'unsupported_version'
  | 'write_failed';
