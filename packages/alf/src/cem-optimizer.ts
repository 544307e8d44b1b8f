import {
  type Backend,
  type Rng,
  Tensor,
  TypeError_,
  ValueError,
  createRng,
  defaultBackend,
  defineKernel,
  k,
  maxOf,
  mean,
  tensor,
  zeros,
} from '@tsoptim/core';
import { fragments } from '@tsoptim/optim';
import { subtractK, unbiasedVarR } from './internal/kernels.js';
import { type Bound, ascending, batchSizeOf, boundsOf, checkInt, readCosts } from './internal/traj.js';
import type { TrajCostFn } from './random-optimizer.js';

/** Options of {@link CEMOptimizer}; defaults as ALF's `CEMOptimizer`. */
export interface CEMOptimizerOptions<Obs> {
  /** Dimensions of a solution. */
  solutionDim: number;
  /** Candidates sampled per batch entry and iteration. */
  populationSize: number;
  /** The cost to minimise. */
  costFn: TrajCostFn<Obs>;
  /** Upper bound of every element, or one per dimension. */
  upperBound: Bound;
  /** Lower bound of every element, or one per dimension. */
  lowerBound: Bound;
  /** Lowest-cost candidates that refit the distribution (default 50; 2 ≤ eliteSize ≤ populationSize). */
  eliteSize?: number;
  /** Iterations at most (default 5). */
  maxIterNum?: number;
  /** Stop once the largest variance is ≤ epsilon (default 0.01). */
  epsilon?: number;
  /** Soft-update rate of the mean and variance, in (0, 1] (default 0.9). */
  tau?: number;
  /** Smallest variance sampled with (default 1e-5). */
  minVar?: number;
  /** Seed of the generator (default 0); the same seed gives the same solutions. */
  seed?: number;
  /** Where the tensors live (default: the default backend). Costs and samples are read back synchronously. */
  backend?: Backend;
}

/** Initial distribution of {@link CEMOptimizer.obtainSolution}: [batch, 1, solutionDim] each. */
export interface CEMInit {
  initMean?: Tensor;
  initVar?: Tensor;
}

/** `v ← max(v, minVar)`. */
const floorVarK = /*#__PURE__*/ defineKernel({
  name: 'cem_floor_var',
  inputs: ['v'],
  scalars: ['minVar'],
  outputs: ['v'],
  body: ({ v }, { minVar }) => ({ v: k.max(v, minVar) }),
});
/** `z ← z·√v + m` (v and m broadcast over the population). */
const sampleK = /*#__PURE__*/ defineKernel({
  name: 'cem_sample',
  inputs: ['z', 'v', 'm'],
  outputs: ['z'],
  body: ({ z, v, m }) => ({ z: k.add(k.mul(z, k.sqrt(v)), m) }),
});
/** `out ← clamp(s, lo, hi)` (bounds broadcast over batch and population). */
const clampK = /*#__PURE__*/ defineKernel({
  name: 'cem_clamp',
  inputs: ['s', 'lo', 'hi'],
  outputs: ['out'],
  body: ({ s, lo, hi }) => ({ out: k.clamp(s, lo, hi) }),
});
/** `m ← (1−τ)m + τ·m'`, `v ← (1−τ)v + τ·v'`. */
const softUpdateK = /*#__PURE__*/ defineKernel({
  name: 'cem_soft_update',
  inputs: ['m', 'v', 'nm', 'nv'],
  scalars: ['tau'],
  outputs: ['m', 'v'],
  // (1−τ)·a + τ·b is the moving average of b with coefficient τ (the same two products, summed).
  body: ({ m, v, nm, nv }, { tau }) => ({ m: fragments.ema(nm, m, tau), v: fragments.ema(nv, v, tau) }),
});

function checkNumber(name: string, v: number, ok: (x: number) => boolean, what: string): number {
  if (typeof v !== 'number' || !ok(v)) throw new ValueError(`${name} must be ${what}, got ${v}`);
  return v;
}

/**
 * The cross-entropy method (ALF's `CEMOptimizer`, https://en.wikipedia.org/wiki/Cross-entropy_method) over
 * a diagonal Gaussian per batch entry. Starting from mean μ = (lo + hi)/2 and variance σ² = (hi − lo)/2 per
 * dimension (or `initMean` / `initVar`), while fewer than `maxIterNum` iterations ran and max σ² > epsilon:
 *
 *   σ² ← max(σ², minVar);  x = μ + √σ²·z with z ~ N(0, 1);  cost of clamp(x, lo, hi);
 *   the `eliteSize` cheapest x (unclamped) give μ' = mean and σ'² = unbiased variance (n − 1) per dimension;
 *   μ ← (1 − τ)μ + τμ';  σ² ← (1 − τ)σ² + τσ'²
 *
 * and returns μ, [batch, solutionDim]. The normals come from core's seeded generator (`createRng(seed)`),
 * one `normal()` (Box–Muller) per element in row-major [batch, population, solutionDim] order, stored as
 * float32; successive calls continue the stream and {@link CEMOptimizer.reset} restarts it. Ties between
 * costs are broken by candidate index; NaN costs rank last.
 *
 * @throws ValueError for sizes that are not positive integers, `eliteSize` outside [2, populationSize],
 * `tau` outside (0, 1], a negative `epsilon` or `minVar`, or bounds with lower > upper.
 * @example
 * import { zeros } from '@tsoptim/core';
 * import { CEMOptimizer } from '@tsoptim/alf';
 * const cem = new CEMOptimizer({
 *   solutionDim: 2, populationSize: 100, eliteSize: 10, maxIterNum: 20, lowerBound: -2, upperBound: 2, seed: 3,
 *   costFn: (_obs, x) => { const d = x.data; const c = []; for (let i = 0; i < d.length; i += 2) c.push((d[i] - 1) ** 2 + (d[i + 1] + 0.5) ** 2); return c; },
 * });
 * const best = cem.obtainSolution(zeros([1, 3])); // close to [1, -0.5]
 */
export class CEMOptimizer<Obs extends { readonly shape: readonly number[] } = Tensor> {
  private readonly solutionDim: number;
  private readonly populationSize: number;
  private readonly costFn: TrajCostFn<Obs>;
  private readonly lo: Float32Array;
  private readonly hi: Float32Array;
  private readonly eliteSize: number;
  private readonly maxIterNum: number;
  private readonly epsilon: number;
  private readonly tau: number;
  private readonly minVar: number;
  private readonly seed: number;
  private readonly backend: Backend;
  private rng: Rng;

  constructor(options: CEMOptimizerOptions<Obs>) {
    this.solutionDim = checkInt('solutionDim', options.solutionDim, 1);
    this.populationSize = checkInt('populationSize', options.populationSize, 1);
    if (typeof options.costFn !== 'function') throw new TypeError_('costFn must be a function');
    this.costFn = options.costFn;
    ({ lo: this.lo, hi: this.hi } = boundsOf(options.lowerBound, options.upperBound, this.solutionDim));
    this.eliteSize = checkInt('eliteSize', options.eliteSize ?? 50, 2);
    if (this.eliteSize > this.populationSize) {
      throw new ValueError(`eliteSize (${this.eliteSize}) must not exceed populationSize (${this.populationSize})`);
    }
    this.maxIterNum = checkInt('maxIterNum', options.maxIterNum ?? 5, 0);
    this.epsilon = checkNumber('epsilon', options.epsilon ?? 0.01, (x) => x >= 0, 'non-negative');
    this.tau = checkNumber('tau', options.tau ?? 0.9, (x) => x > 0 && x <= 1, 'in (0, 1]');
    this.minVar = checkNumber('minVar', options.minVar ?? 1e-5, (x) => x >= 0, 'non-negative');
    this.seed = options.seed ?? 0;
    this.backend = options.backend ?? defaultBackend();
    this.rng = createRng(this.seed);
  }

  /** Restarts the random stream from the seed. */
  reset(): void {
    this.rng = createRng(this.seed);
  }

  private initial(given: Tensor | undefined, B: number, fill: (d: number) => number, name: string): Tensor {
    const D = this.solutionDim;
    if (given !== undefined) {
      if (!Tensor.isTensor(given) || given.ndim !== 3 || given.shape[0] !== B || given.shape[1] !== 1 || given.shape[2] !== D) {
        throw new ValueError(
          `${name} must have shape [${B}, 1, ${D}], got [${Tensor.isTensor(given) ? given.shape.join(', ') : typeof given}]`,
        );
      }
      return given.clone(this.backend);
    }
    const data = new Float32Array(B * D);
    for (let i = 0; i < data.length; i++) data[i] = fill(i % D);
    return tensor(data, { backend: this.backend, shape: [B, 1, D] });
  }

  /**
   * Minimises the cost by the cross-entropy method (see the class description).
   *
   * @param observation anything with a leading batch dimension; passed to the cost function.
   * @returns the final mean, a [batch, solutionDim] tensor.
   * @throws ValueError for `initMean`/`initVar` not of shape [batch, 1, solutionDim], or when the cost function
   * returns the wrong number of costs.
   */
  obtainSolution(observation: Obs, init: CEMInit = {}): Tensor {
    const B = batchSizeOf(observation);
    const P = this.populationSize;
    const D = this.solutionDim;
    const E = this.eliteSize;
    const be = this.backend;
    const popMean = this.initial(init.initMean, B, (d) => (this.hi[d]! + this.lo[d]!) / 2, 'initMean');
    let popVar: Tensor;
    try {
      popVar = this.initial(init.initVar, B, (d) => (this.hi[d]! - this.lo[d]!) / 2, 'initVar');
    } catch (e) {
      popMean.dispose();
      throw e;
    }
    const lo = tensor(this.lo, { backend: be, shape: [D] });
    const hi = tensor(this.hi, { backend: be, shape: [D] });
    const samples = zeros([B, P, D], { backend: be });
    const bounded = zeros([B, P, D], { backend: be });
    const elites = zeros([B, E, D], { backend: be });
    const newVar = zeros([B, 1, D], { backend: be });
    const noise = new Float32Array(B * P * D);
    const eliteData = new Float32Array(B * E * D);
    try {
      for (let i = 0; i < this.maxIterNum; i++) {
        const vmax = maxOf(popVar);
        const stop = !(vmax.item() > this.epsilon);
        vmax.dispose();
        if (stop) break;
        be.run(floorVarK, { tensors: { v: popVar }, scalars: { minVar: this.minVar } });
        for (let j = 0; j < noise.length; j++) noise[j] = this.rng.normal();
        samples.assign(noise);
        be.run(sampleK, { tensors: { z: samples, v: popVar, m: popMean } });
        be.run(clampK, { tensors: { s: samples, lo, hi, out: bounded } });
        const costs = readCosts(this.costFn(observation, bounded), B, P);
        const x = samples.data;
        for (let b = 0; b < B; b++) {
          const order = ascending(costs, b * P, P);
          for (let e = 0; e < E; e++) {
            const src = (b * P + order[e]!) * D;
            eliteData.set(x.subarray(src, src + D), (b * E + e) * D);
          }
        }
        elites.assign(eliteData);
        const newMean = mean(elites, { axes: [1], keepDims: true });
        be.run(subtractK, { tensors: { x: elites, m: newMean } });
        be.reduce(unbiasedVarR, { tensors: { x: elites }, out: newVar, axes: [1] });
        be.run(softUpdateK, { tensors: { m: popMean, v: popVar, nm: newMean, nv: newVar }, scalars: { tau: this.tau } });
        newMean.dispose();
      }
    } catch (e) {
      popMean.dispose();
      throw e;
    } finally {
      for (const t of [popVar, lo, hi, samples, bounded, elites, newVar]) t.dispose();
    }
    return new Tensor(be, [B, D], popMean.storage);
  }
}
