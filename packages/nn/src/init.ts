import { type Rng, type Tensor, createRng } from '@tsoptim/core';

let globalRng: Rng = createRng(0);

/**
 * Re-seeds the generator that layers use when given neither `rng` nor `seed` (torch's `manual_seed` for
 * this package). The generator is mulberry32: values are reproducible across runs and platforms, but are
 * not torch's stream.
 *
 * @param seed - any 32-bit integer.
 * @example
 * manualSeed(42);
 * const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 */
export function manualSeed(seed: number): void {
  globalRng = createRng(seed);
}

/** The generator to use: `rng` if given, else one seeded with `seed`, else the package-wide one. @internal */
export function pickRng(options: { rng?: Rng; seed?: number }): Rng {
  if (options.rng !== undefined) return options.rng;
  if (options.seed !== undefined) return createRng(options.seed);
  return globalRng;
}

/**
 * Fills `t` in place with values uniform in `[low, high)` drawn from `rng` (torch's `nn.init.uniform_`).
 *
 * @param t - the tensor to fill (host-written).
 * @param low - lower bound.
 * @param high - upper bound.
 * @param rng - the generator.
 * @example
 * uniform_(layer.bias, -0.1, 0.1, createRng(0));
 */
export function uniform_(t: Tensor, low: number, high: number, rng: Rng): Tensor {
  const data = new Float32Array(t.size);
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.next();
  t.assign(data);
  return t;
}

/**
 * torch's `nn.init.kaiming_uniform_` in fan-in mode for a leaky-ReLU gain: `U(−bound, bound)` with
 * `bound = gain · sqrt(3 / fan_in)`, `gain = sqrt(2 / (1 + a²))`. With `a = √5` (Linear's default) the bound
 * is `1 / sqrt(fan_in)`. `fan_in` is the product of every dimension but the first.
 *
 * @param t - a tensor with at least two dimensions.
 * @param a - the negative slope of the rectifier (default √5, as `nn.Linear`).
 * @param rng - the generator.
 * @see https://arxiv.org/abs/1502.01852
 * @example
 * kaimingUniform_(layer.weight, Math.sqrt(5), createRng(1));
 */
export function kaimingUniform_(t: Tensor, a: number, rng: Rng): Tensor {
  const fanIn = t.ndim < 2 ? t.size : t.size / t.shape[0]!;
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = fanIn === 0 ? 0 : gain * Math.sqrt(3 / fanIn);
  return uniform_(t, -bound, bound, rng);
}

/**
 * torch's `reset_parameters` of `Linear` and `ConvNd`: the weight from {@link kaimingUniform_} with a = √5, then
 * the bias (when there is one) from U(−1/√fanIn, 1/√fanIn), fanIn the weight's elements per output (bound 0
 * when it is 0).
 */
export function resetWeightAndBias_(weight: Tensor, bias: Tensor | null, rng: Rng): void {
  kaimingUniform_(weight, Math.sqrt(5), rng);
  if (bias === null) return;
  const fanIn = weight.size / weight.shape[0]!;
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  uniform_(bias, -bound, bound, rng);
}
