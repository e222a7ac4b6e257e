// The shared validators (src/validation.ts): each accepts exactly its rule and raises the class and kind the caller
// names, with the message "<api>: expected <name> to be <rule>, but got <value>. <fix>".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CheckpointError, ConfigError, InputError } from '../src/errors';
import { describeValue, finiteNumber, inRange, integer, integerAtLeast, nonNegativeInteger, oneOf, positiveInteger, ruleError, where } from '../src/validation';

const at = where(ConfigError, 'invalid_table_config', 'tableConfig');
const isError = (cls: Function, kind: string, message: string) => (e: unknown) => {
  assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
  assert.equal((e as ConfigError).kind, kind);
  assert.equal((e as Error).message, message);
  return true;
};

describe('validation', () => {
  it('positiveInteger: integers ≥ 1 pass and are returned; the rest raise the named class and kind', () => {
    assert.equal(positiveInteger(1, at('dim')), 1);
    assert.equal(positiveInteger(2 ** 31 - 1, at('dim')), 2 ** 31 - 1);
    assert.throws(() => positiveInteger(12.5, at('vocabularySize')), isError(ConfigError, 'invalid_table_config', 'tableConfig: expected vocabularySize to be a positive integer, but got 12.5.'));
    for (const bad of [0, -1, NaN, Infinity, '3', null, undefined, 2 ** 53]) assert.throws(() => positiveInteger(bad, at('dim')), ConfigError);
    assert.equal(positiveInteger(2 ** 53 - 1, at('step')), 2 ** 53 - 1);
    assert.throws(
      () => positiveInteger(0, where(InputError, 'bad_query', 'ExactIndex.search')('k', 'Pass e.g. 10.')),
      isError(InputError, 'bad_query', 'ExactIndex.search: expected k to be a positive integer, but got 0. Pass e.g. 10.'),
    );
  });

  it('nonNegativeInteger, integer and integerAtLeast', () => {
    assert.equal(nonNegativeInteger(0, at('n')), 0);
    assert.throws(() => nonNegativeInteger(-1, at('n')), isError(ConfigError, 'invalid_table_config', 'tableConfig: expected n to be a non-negative integer, but got -1.'));
    assert.throws(() => nonNegativeInteger(0.5, at('n')), ConfigError);
    assert.equal(integer(-7, at('seed')), -7);
    assert.throws(() => integer(1.5, at('seed')), isError(ConfigError, 'invalid_table_config', 'tableConfig: expected seed to be an integer, but got 1.5.'));
    assert.equal(integerAtLeast(2, at('connectivity'), 2), 2);
    assert.throws(() => integerAtLeast(1, at('connectivity'), 2), isError(ConfigError, 'invalid_table_config', 'tableConfig: expected connectivity to be an integer ≥ 2, but got 1.'));
  });

  it('finiteNumber: bounds inclusive or exclusive, spelt out in the message; "> 0" reads "a positive finite number"', () => {
    assert.equal(finiteNumber(-3.5, at('mean')), -3.5);
    assert.throws(() => finiteNumber(NaN, at('mean')), isError(ConfigError, 'invalid_table_config', 'tableConfig: expected mean to be a finite number, but got NaN.'));
    assert.throws(() => finiteNumber(Infinity, at('mean')), ConfigError);
    assert.throws(() => finiteNumber('1', at('mean')), ConfigError);
    assert.equal(finiteNumber(0, at('stddev'), { min: 0 }), 0);
    assert.throws(() => finiteNumber(-0.1, at('stddev'), { min: 0 }), isError(ConfigError, 'invalid_table_config', 'tableConfig: expected stddev to be a finite number ≥ 0, but got -0.1.'));
    assert.throws(
      () => finiteNumber(0, where(ConfigError, 'invalid_option', 'downloadMovieLens')('idleTimeoutMs', 'Leave it out for 30000.'), { min: 0, exclusive: true, unit: 'milliseconds' }),
      isError(ConfigError, 'invalid_option', 'downloadMovieLens: expected idleTimeoutMs to be a positive finite number of milliseconds, but got 0. Leave it out for 30000.'),
    );
    assert.equal(finiteNumber(1, at('p'), { min: 0, max: 1 }), 1);
    assert.throws(() => finiteNumber(1.5, at('p'), { min: 0, max: 1 }), isError(ConfigError, 'invalid_table_config', 'tableConfig: expected p to be a finite number ≥ 0 and ≤ 1, but got 1.5.'));
    assert.throws(() => finiteNumber(1, at('p'), { min: 0, max: 1, exclusive: true }), /a finite number > 0 and < 1, but got 1\./);
  });

  it('inRange: integers in [min, max)', () => {
    assert.equal(inRange(0, at('i'), 0, 3), 0);
    assert.equal(inRange(2, at('i'), 0, 3), 2);
    for (const bad of [-1, 3, 1.5, NaN]) assert.throws(() => inRange(bad, at('i'), 0, 3), /expected i to be an integer in \[0, 3\)/);
    assert.throws(
      () => inRange(5, where(InputError, 'index_out_of_range', 'Dataset.rowAt')('k'), 0, 5),
      isError(InputError, 'index_out_of_range', 'Dataset.rowAt: expected k to be an integer in [0, 5), but got 5.'),
    );
  });

  it('oneOf: lists the allowed values and quotes a string value', () => {
    const COMBINERS = ['mean', 'sum', 'sqrtn'] as const;
    const c: 'mean' | 'sum' | 'sqrtn' = oneOf('sum', at('combiner'), COMBINERS);
    assert.equal(c, 'sum');
    assert.throws(() => oneOf('max', at('combiner'), COMBINERS), isError(ConfigError, 'invalid_table_config', "tableConfig: expected combiner to be one of mean, sum, sqrtn, but got 'max'."));
    assert.throws(() => oneOf(1, at('verbose'), [0, 2]), /one of 0, 2, but got 1\./);
  });

  it('ruleError builds (does not throw) an error of any project class; describeValue shows values as messages do', () => {
    const e = ruleError(where(CheckpointError, 'bad_checkpoint', 'fileSystemIO')('options.weightShardBytes'), 'a positive integer', -1);
    assert.ok(e instanceof CheckpointError);
    assert.equal(e.kind, 'bad_checkpoint');
    assert.equal(e.message, 'fileSystemIO: expected options.weightShardBytes to be a positive integer, but got -1.');
    assert.deepEqual(
      [describeValue('x'), describeValue(-0.5), describeValue(NaN), describeValue(undefined), describeValue([1, 2]), describeValue({ a: 1 }), describeValue(() => 1), describeValue(new Float32Array(2))],
      ["'x'", '-0.5', 'NaN', 'undefined', '[1, 2]', '{"a":1}', 'a function', '0,0'],
    );
  });
});

describe('one message per rule', () => {
  // STYLE.md: "no hand-written 'to be a positive integer' message outside it". Code lines only (TSDoc may describe rules).
  const RULE_TEXT = /to be (a positive integer|a non-negative integer|positive integers|a positive finite number)\b/;
  const SRC = join(__dirname, '..', 'src');
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
  const handWritten = (file: string, text: string): string[] =>
    text.split('\n').flatMap((line, i) => {
      const code = line.trim();
      return !code.startsWith('*') && !code.startsWith('/*') && !code.startsWith('//') && RULE_TEXT.test(code) ? [`${file}:${i + 1}: ${code}`] : [];
    });

  it('the scan finds a hand-written rule message (it can fail)', () => {
    const sample = ['  /** expected n to be a positive integer */', "  throw new ConfigError('invalid_option', `f: expected n to be a positive integer, but got ${n}.`);"].join('\n');
    assert.deepEqual(handWritten('x.ts', sample).map((h) => h.split(':')[1]), ['2']);
  });

  it('src/ writes no "to be a positive integer" (non-negative, positive finite) message outside src/validation.ts', () => {
    const hits = files(SRC)
      .filter((f) => !f.endsWith(join('src', 'validation.ts')))
      .flatMap((f) => handWritten(relative(join(SRC, '..'), f), readFileSync(f, 'utf8')));
    assert.deepEqual(hits, [], `use positiveInteger / nonNegativeInteger / finiteNumber from src/validation.ts:\n${hits.join('\n')}`);
  });
});
