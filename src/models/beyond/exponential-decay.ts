import { ConfigError } from '../../errors';

/**
 * Keras' `ExponentialDecay` learning-rate schedule as a function of the 1-based step, for the table optimizers
 * (`learningRate` accepts a function) and the models' `denseLearningRate`:
 * `lr(step) = initial × rate^((step − 1) / decaySteps)` (floored exponent when `staircase`).
 * @param options initial learning rate, decay steps (> 0), decay rate (in (0, 1]), staircase.
 * @returns `(step) => learning rate`.
 * @throws ConfigError `invalid_schedule` naming the option.
 * @example new SGD({ learningRate: exponentialDecay({ initialLearningRate: 2, decaySteps: 300, decayRate: 0.9 }) })
 */
export function exponentialDecay(options: { readonly initialLearningRate: number; readonly decaySteps: number; readonly decayRate: number; readonly staircase?: boolean }): (step: number) => number {
  const { initialLearningRate: lr0, decaySteps, decayRate } = options ?? ({} as never);
  const check = (name: string, v: unknown, ok: boolean, rule: string): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok) throw new ConfigError('invalid_schedule', `exponentialDecay: expected ${name} to be ${rule}, but got ${String(v)}.`);
  };
  check('initialLearningRate', lr0, lr0 >= 0, 'a finite number ≥ 0');
  check('decaySteps', decaySteps, decaySteps > 0, 'a number > 0');
  check('decayRate', decayRate, decayRate > 0 && decayRate <= 1, 'a number in (0, 1]');
  const staircase = options.staircase ?? false;
  return (step: number) => {
    const e = Math.max(0, step - 1) / decaySteps;
    return lr0 * decayRate ** (staircase ? Math.floor(e) : e);
  };
}
