// Float32 → bfloat16 / float16 rounding against real references: TensorFlow's `tf.cast(x, tf.bfloat16)` and
// numpy's `astype(float16)` (both round to nearest even), on every tricky case (ties, carries into the exponent,
// overflow, subnormals, NaN, ±0) and 20,000 random float32 bit patterns over the whole range. One Python process.
// TensorFlow and numpy must be installed (`.ci/run` does it); without them this fails with the pip command.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ConfigError } from '../../src/errors';
import { PYTHON_INSTALL_HINT, pythonExecutable } from '../../src/interop';
import { fromBfloat16Bits, fromFloat16Bits, roundToHalf, toBfloat16Bits, toBfloat16BitsStochastic, toFloat16Bits, widenHalf } from '../../src/kernels/half-precision';
import { Random } from '../../src/random';

const bitsOf = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
const fromBits = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0];

/** Hand-picked float32 bit patterns where rounding is easy to get wrong. */
const TRICKY = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, // ±0, ±1
  0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff, // bf16 ties (to even: down, up), just above / below a tie
  0x7f7fffff, 0xff7fffff, 0x7f7f8000, 0x7f7f7fff, // bf16: the largest finite rounds to ∞; ties at the top
  0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, // ±∞, NaNs
  0x00000001, 0x00400000, 0x007fffff, 0x00800000, // float32 subnormals, smallest normal
  0x477fe000, 0x477fefff, 0x477ff000, 0x47800000, // float16: 65504, just below the tie to ∞, the tie (→ ∞), 65536
  0x38800000, 0x387fc000, 0x33800000, 0x33000000, 0x33000001, 0x32ffffff, // float16 smallest normal, subnormal edge, 2^-24, 2^-25 tie, around it
  0x3a801000, 0x3a803000, 0x3f802000, 0x3f801000, 0x3f803000, // float16 ties in subnormal and normal ranges
];

let reference: { bf16: number[]; f16: number[]; inputs: number[] };

before(() => {
  const rng = new Random(7);
  const inputs = [...TRICKY, ...Array.from({ length: 20_000 }, () => rng.int(2 ** 16) * 2 ** 16 + rng.int(2 ** 16))];
  const script = [
    'import sys, json',
    'import numpy as np',
    'import tensorflow as tf',
    'bits = np.array(json.load(sys.stdin), dtype=np.uint32)',
    'x = bits.view(np.float32)',
    'bf = tf.bitcast(tf.cast(tf.constant(x), tf.bfloat16), tf.uint16).numpy().astype(int).tolist()',
    'import warnings; warnings.simplefilter("ignore")',
    'f16 = x.astype(np.float16).view(np.uint16).astype(int).tolist()',
    'print(json.dumps({"bf16": bf, "f16": f16}))',
  ].join('\n');
  const r = spawnSync(pythonExecutable(), ['-c', script], { input: JSON.stringify(inputs), encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  assert.equal(r.status, 0, `Python with TensorFlow and numpy is needed as the reference (${PYTHON_INSTALL_HINT}):\n${r.error?.message ?? r.stderr.slice(-1500)}`);
  reference = { ...(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { bf16: number[]; f16: number[] }), inputs };
});

const isNanBf16 = (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
const isNanF16 = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

describe('half precision', () => {
  it('bfloat16: round-to-nearest-even bit-identical to tf.cast for every input (NaN stays NaN)', () => {
    let mismatches = 0;
    reference.inputs.forEach((b, i) => {
      const ours = toBfloat16Bits(fromBits(b));
      const tf = reference.bf16[i];
      if (isNanBf16(tf) ? !isNanBf16(ours) : ours !== tf) {
        if (mismatches++ < 5) assert.fail(`0x${b.toString(16)}: ours 0x${ours.toString(16)}, TensorFlow 0x${tf.toString(16)}`);
      }
    });
    assert.equal(mismatches, 0);
  });

  it('float16: round-to-nearest-even bit-identical to numpy for every input (subnormals, overflow to ∞)', () => {
    reference.inputs.forEach((b, i) => {
      const ours = toFloat16Bits(fromBits(b));
      const np = reference.f16[i];
      if (isNanF16(np)) assert.ok(isNanF16(ours), `0x${b.toString(16)}: NaN expected, got 0x${ours.toString(16)}`);
      else assert.equal(ours, np, `0x${b.toString(16)} (${fromBits(b)}): ours 0x${ours.toString(16)}, numpy 0x${np.toString(16)}`);
    });
  });

  it('widening is exact: every 16-bit pattern round-trips through float32', () => {
    for (let h = 0; h < 0x10000; h++) {
      const bf = fromBfloat16Bits(h);
      if (!Number.isNaN(bf)) assert.equal(toBfloat16Bits(bf), h);
      const f = fromFloat16Bits(h);
      if (!Number.isNaN(f)) assert.equal(toFloat16Bits(f), h, `float16 0x${h.toString(16)}`);
    }
    const stored = Uint16Array.from([0x3f80, 0xc000, 0x0001]);
    const out = new Float32Array(3);
    widenHalf(stored, out, 'bfloat16');
    assert.deepEqual([...out], [1, -2, fromBits(0x00010000)]);
  });

  it('stochastic bfloat16 rounding is unbiased: the mean of many roundings approaches the float32 value', () => {
    const rng = new Random(3);
    const x = fromBits(0x3f804000); // 1 + 2^-9: a quarter of the way from 1 to the next bfloat16 (1 + 2^-7)
    const n = 40_000;
    let sum = 0;
    let ups = 0;
    for (let i = 0; i < n; i++) {
      const h = toBfloat16BitsStochastic(x, rng.int(65_536));
      assert.ok(h === 0x3f80 || h === 0x3f81, `0x${h.toString(16)} is neither neighbour`);
      ups += h === 0x3f81 ? 1 : 0;
      sum += fromBfloat16Bits(h);
    }
    assert.ok(Math.abs(ups / n - 0.25) < 0.01, `rounded up ${(ups / n).toFixed(4)} of the time, expected 0.25`);
    assert.ok(Math.abs(sum / n - x) < 2 ** -7 * 0.01, `mean ${sum / n} vs ${x}`);
    // Exact values never move, whatever the random bits.
    for (const r of [0, 1, 65_535]) assert.equal(toBfloat16BitsStochastic(1.5, r), toBfloat16Bits(1.5));
    assert.equal(bitsOf(fromBfloat16Bits(toBfloat16BitsStochastic(Infinity, 65_535))), 0x7f800000);
  });

  it('roundToHalf converts arrays and refuses stochastic float16 with a ConfigError naming the fix', () => {
    const out = new Uint16Array(2);
    roundToHalf(Float32Array.from([1, 65_520]), out, 'float16');
    assert.deepEqual([...out], [0x3c00, 0x7c00]);
    assert.throws(() => roundToHalf(Float32Array.from([1]), out, 'float16', 'stochastic', () => 0), (e: unknown) => e instanceof ConfigError && e.kind === 'unsupported_rounding' && /nearest-even/.test(e.message));
  });
});
