// No option is accepted and silently ignored: TensorFlow options the simulation does not implement
// (quantization_config, layout) and misspelt options are ConfigError `unsupported_option`, naming the API, the
// option, its value and the fix; and nothing is built.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, kerasAdagrad } from '../../src/optimizers';

function rejects(build: () => unknown, message: RegExp): void {
  assert.throws(build, (e: unknown) => e instanceof ConfigError && e.kind === 'unsupported_option' && message.test(e.message));
}

const table = tableConfig({ vocabularySize: 4, dim: 2, name: 't' });

it('tableConfig refuses quantizationConfig / quantization_config and layout, saying why', () => {
  const q = { lower: -1, upper: 1, numBuckets: 256 };
  rejects(() => tableConfig({ vocabularySize: 4, dim: 2, quantizationConfig: q } as never), /^tableConfig: expected only the options vocabularySize, .*but got quantizationConfig = \{"lower":-1,"upper":1,"numBuckets":256\}\. TensorFlow's TableConfig\.quantization_config .* not simulated\. Remove quantizationConfig/);
  rejects(() => tableConfig({ vocabularySize: 4, dim: 2, quantization_config: q } as never), /but got quantization_config = .*quantization_config .* not simulated.*Remove quantization_config/);
  rejects(() => tableConfig({ vocabularySize: 4, dim: 2, layout: 'stacked' } as never), /but got layout = "stacked"\. TensorFlow's pre-computed SparseCore table layouts/);
  rejects(() => tableConfig({ vocabularySize: 4, dim: 2, combinr: 'sum' } as never), /tableConfig: .*but got combinr = "sum"\. Remove combinr: it would otherwise be ignored\./);
  // undefined is the same as leaving an option out
  assert.equal(tableConfig({ vocabularySize: 4, dim: 2, quantizationConfig: undefined } as never).dim, 2);
});

it('featureConfig and TPUEmbedding refuse options they do not read (snake_case hints the camelCase name)', () => {
  rejects(() => featureConfig({ table, max_sequence_length: 3 } as never), /^featureConfig: .*but got max_sequence_length = 3\. Remove max_sequence_length \(or spell it maxSequenceLength\)/);
  rejects(
    () => new TPUEmbedding({ features: { f: featureConfig({ table }) }, topology: 'cpu', layout: {} } as never),
    /^TPUEmbedding: expected only the options features, .*but got layout = \{\}\. TensorFlow's pre-computed SparseCore table layouts/,
  );
  rejects(() => new TPUEmbedding({ features: { f: featureConfig({ table }) }, topology: 'cpu', pipelineExecutionWithTensorCore: true } as never), /but got pipelineExecutionWithTensorCore = true/);
});

it('every optimizer and kerasAdagrad refuse options they do not read', () => {
  rejects(() => new SGD({ learningRate: 0.1, momentum: 0.9 } as never), /^SGD: expected only the options learningRate, .*but got momentum = 0\.9/);
  rejects(() => new Adagrad({ initial_accumulator_value: 0.5 } as never), /^Adagrad: .*but got initial_accumulator_value = 0\.5\. Remove initial_accumulator_value \(or spell it initialAccumulatorValue\)/);
  rejects(() => new Adam({ lazy_adam: false } as never), /^Adam: .*but got lazy_adam = false\. Remove lazy_adam \(or spell it lazyAdam\)/);
  rejects(() => new AdagradMomentum({ nesterov: true } as never), /^AdagradMomentum: .*but got nesterov = true/);
  rejects(() => new FTRL({ l1: 0.1 } as never), /^FTRL: .*but got l1 = 0\.1/);
  rejects(() => kerasAdagrad({ learningRate: 0.1, amsgrad: true } as never), /^kerasAdagrad: .*but got amsgrad = true/);
});
