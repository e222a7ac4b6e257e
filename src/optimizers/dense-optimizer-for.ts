import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { Adagrad } from './adagrad';
import { Adam } from './adam';
import { EmbeddingOptimizer } from './embedding-optimizer';
import { SGD } from './sgd';

/**
 * The tfjs optimizer for the **dense** weights that matches an embedding optimizer, so one optimizer object
 * serves dense weights and tables as in the tutorial (where one Keras optimizer is passed to both).
 *
 * | embedding optimizer | tfjs optimizer | differences on dense weights |
 * |---|---|---|
 * | {@link SGD} | `tf.train.sgd(lr)` | none |
 * | {@link Adagrad} | `tf.train.adagrad(lr, initialAccumulatorValue)` | tfjs divides by √(acc + 1e-7) (Keras: √acc + 1e-7; TPU tables: √acc) |
 * | {@link Adam} | `tf.train.adam(lr, β1, β2, ε)` | tfjs applies bias correction and ε outside the root, like Keras; the tables follow TPU Adam |
 * | {@link FTRL}, {@link AdagradMomentum} | none | error: tfjs has no equivalent; pass a tfjs optimizer for the dense weights yourself |
 *
 * Each call returns a new tfjs optimizer (it owns its own slot variables; dispose it when done).
 *
 * @param optimizer an embedding optimizer with a numeric learning rate.
 * @returns a new `tf.Optimizer`.
 * @throws ConfigError for FTRL/AdagradMomentum/unknown classes, a learning-rate function (tfjs optimizers take
 *   a fixed number), or clipValue / clipWeight / weightDecay options (tfjs optimizers have no such options).
 * @example
 * const opt = kerasAdagrad({ learningRate: 0.1 });
 * const dense = denseOptimizerFor(opt); // tf.train.adagrad(0.1, 0.1)
 */
export function denseOptimizerFor(optimizer: EmbeddingOptimizer): tf.Optimizer {
  const name = optimizer?.className;
  const fail = (kind: ConfigError['kind'], rule: string, value: string, fix: string): ConfigError =>
    new ConfigError(kind, `denseOptimizerFor: expected ${rule}, but got ${value}. ${fix}`);
  if (!(optimizer instanceof SGD || optimizer instanceof Adagrad || optimizer instanceof Adam)) {
    throw fail(
      'no_dense_equivalent',
      'an SGD, Adagrad or Adam embedding optimizer (tfjs has a dense counterpart for these only)',
      String(name),
      'Pass a tfjs optimizer (e.g. tf.train.adagrad) for the dense weights separately.',
    );
  }
  const lr = optimizer.learningRate;
  if (typeof lr !== 'number') {
    throw fail('schedule_not_supported', 'a numeric learningRate', 'a function', 'tfjs optimizers take a fixed learning rate; build the dense optimizer yourself and update it per step.');
  }
  const extras: string[] = [];
  if (optimizer.clipGradientMin !== -Infinity || optimizer.clipGradientMax !== Infinity) extras.push('clipValue');
  if (optimizer.clipWeightMin !== -Infinity || optimizer.clipWeightMax !== Infinity) extras.push('clipWeightMin/Max');
  if (optimizer.weightDecayFactor !== 0) extras.push('weightDecayFactor');
  if (extras.length > 0) {
    throw fail('no_dense_equivalent', `no ${extras.join(', ')} (tfjs optimizers do not support them)`, `${name} with ${extras.join(', ')}`, 'Pass a tfjs optimizer for the dense weights separately.');
  }
  if (optimizer instanceof SGD) return tf.train.sgd(lr);
  if (optimizer instanceof Adagrad) return tf.train.adagrad(lr, optimizer.initialAccumulatorValue);
  return tf.train.adam(lr, optimizer.beta1, optimizer.beta2, optimizer.epsilon);
}
