import { type Backend, type Rng, type Tensor, TypeError_, createRng, defaultBackend, tensor } from '@tsoptim/core';
import { type Bound, ascending, batchSizeOf, boundsOf, checkInt, readCosts } from './internal/traj.js';

/**
 * A trajectory cost: given the observation and candidate solutions of shape [batch, population, solutionDim],
 * the cost of each candidate, [batch, population] (a tensor or host values; lower is better).
 */
export type TrajCostFn<Obs> = (observation: Obs, solutions: Tensor) => Tensor | ArrayLike<number>;

/** Options of {@link RandomOptimizer}. */
export interface RandomOptimizerOptions<Obs> {
  /** Dimensions of a solution. */
  solutionDim: number;
  /** Candidates drawn per batch entry. */
  populationSize: number;
  /** The cost to minimise. */
  costFn: TrajCostFn<Obs>;
  /** Upper bound of every element, or one per dimension. */
  upperBound: Bound;
  /** Lower bound of every element, or one per dimension. */
  lowerBound: Bound;
  /** Seed of the generator (default 0); the same seed gives the same solutions. */
  seed?: number;
  /** Where candidate tensors live (default: the default backend). The cost is read back synchronously. */
  backend?: Backend;
}

/**
 * Random shooting (ALF's `RandomOptimizer`): for each batch entry, draws `populationSize` candidates
 * uniformly in [lowerBound, upperBound] and returns the one with the lowest cost (the first on ties).
 *
 * Draws come from core's seeded generator (`createRng(seed)`), one `next()` per element in row-major
 * [batch, population, solutionDim] order: x = lo + (hi − lo)·u. Successive calls continue the stream;
 * {@link RandomOptimizer.reset} restarts it.
 *
 * @throws ValueError for sizes that are not positive integers or bounds with lower > upper.
 * @example
 * import { zeros } from '@tsoptim/core';
 * import { RandomOptimizer } from '@tsoptim/alf';
 * const opt = new RandomOptimizer({
 *   solutionDim: 2, populationSize: 500, lowerBound: -1, upperBound: 1, seed: 1,
 *   costFn: (_obs, x) => { const d = x.data; const c = []; for (let i = 0; i < d.length; i += 2) c.push((d[i] - 0.3) ** 2 + d[i + 1] ** 2); return c; },
 * });
 * const best = opt.obtainSolution(zeros([1, 4])); // [1, 2], close to [0.3, 0]
 */
export class RandomOptimizer<Obs extends { readonly shape: readonly number[] } = Tensor> {
  private readonly solutionDim: number;
  private readonly populationSize: number;
  private readonly costFn: TrajCostFn<Obs>;
  private readonly lo: Float32Array;
  private readonly hi: Float32Array;
  private readonly seed: number;
  private readonly backend: Backend;
  private rng: Rng;

  constructor(options: RandomOptimizerOptions<Obs>) {
    this.solutionDim = checkInt('solutionDim', options.solutionDim, 1);
    this.populationSize = checkInt('populationSize', options.populationSize, 1);
    if (typeof options.costFn !== 'function') throw new TypeError_('costFn must be a function');
    this.costFn = options.costFn;
    ({ lo: this.lo, hi: this.hi } = boundsOf(options.lowerBound, options.upperBound, this.solutionDim));
    this.seed = options.seed ?? 0;
    this.backend = options.backend ?? defaultBackend();
    this.rng = createRng(this.seed);
  }

  /** Restarts the random stream from the seed. */
  reset(): void {
    this.rng = createRng(this.seed);
  }

  /**
   * The best of `populationSize` uniform candidates for each batch entry.
   *
   * @param observation anything with a leading batch dimension; passed to the cost function.
   * @returns a [batch, solutionDim] tensor.
   * @throws ValueError when the cost function returns the wrong number of costs.
   */
  obtainSolution(observation: Obs): Tensor {
    const B = batchSizeOf(observation);
    const P = this.populationSize;
    const D = this.solutionDim;
    const data = new Float32Array(B * P * D);
    for (let i = 0; i < data.length; i++) {
      const d = i % D;
      data[i] = this.lo[d]! + (this.hi[d]! - this.lo[d]!) * this.rng.next();
    }
    const solutions = tensor(data, { backend: this.backend, shape: [B, P, D] });
    const costs = readCosts(this.costFn(observation, solutions), B, P);
    const out = new Float32Array(B * D);
    for (let b = 0; b < B; b++) {
      const best = ascending(costs, b * P, P)[0]!;
      out.set(data.subarray((b * P + best) * D, (b * P + best + 1) * D), b * D);
    }
    solutions.dispose();
    return tensor(out, { backend: this.backend, shape: [B, D] });
  }
}
