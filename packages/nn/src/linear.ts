import { type Backend, Parameter, type Rng, RuntimeError, zeros } from '@tsoptim/core';
import { pickRng, resetWeightAndBias_ } from './init.js';
import { linear } from './matmul.js';
import { Module } from './module.js';
import type { Input, Variable } from './variable.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  readonly bias?: boolean;
  /** The generator of the initial values; the package-wide one (see `manualSeed`) when omitted. */
  readonly rng?: Rng;
  /** Seed of a generator of the initial values (used when no `rng` is given). */
  readonly seed?: number;
  /** Where the parameters live (the default backend when omitted). */
  readonly backend?: Backend;
}

/**
 * A fully connected layer, `y = x·Wᵀ + b` (torch's `nn.Linear`), with `weight` `[out, in]` and `bias`
 * `[out]`.
 *
 * Initialisation as torch: `kaiming_uniform_(weight, a=√5)`, i.e. `W ~ U(−1/√in, 1/√in)`, and
 * `b ~ U(−1/√in, 1/√in)`, drawn from a seeded generator (reproducible, but not torch's stream).
 *
 * @example
 * const layer = new Linear(784, 128, { seed: 0 });
 * const h = layer.forward(x); // [batch, 128]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;

  /**
   * @param inFeatures - size of each input sample.
   * @param outFeatures - size of each output sample.
   * @param options - `bias`, `rng` / `seed`, `backend`.
   * @throws RuntimeError for a negative size.
   */
  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const d of [outFeatures, inFeatures]) {
      if (!Number.isInteger(d) || d < 0) {
        throw new RuntimeError(`Trying to create tensor with negative dimension ${d}: [${outFeatures}, ${inFeatures}]`);
      }
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const backend = options.backend === undefined ? {} : { backend: options.backend };
    this.registerParameter('weight', new Parameter(zeros([outFeatures, inFeatures], backend)));
    this.registerParameter('bias', options.bias === false ? null : new Parameter(zeros([outFeatures], backend)));
    this.resetParameters(pickRng(options));
  }

  /** `[out, in]`. */
  get weight(): Parameter {
    return this._parameters.get('weight')!;
  }

  /** `[out]`, or null without bias. */
  get bias(): Parameter | null {
    return this._parameters.get('bias') ?? null;
  }

  /**
   * Draws new initial values as torch's `reset_parameters`.
   *
   * @param rng - the generator.
   */
  resetParameters(rng: Rng): void {
    resetWeightAndBias_(this.weight, this.bias, rng);
  }

  forward(input: Input): Variable {
    return linear(input, this.weight, this.bias);
  }
}
