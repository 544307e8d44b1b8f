import type { DecayFragment, ResolvedDecay } from '@tsoptim/optim';
import { fragments } from '@tsoptim/optim';

/**
 * The decay fragments live in `@tsoptim/optim`'s vocabulary (`fragments`), where every algorithm's kernel can use
 * them; they are re-exported here unchanged, so a fragment written for this package also fits torch's algorithms.
 */
export type { DecayFragment, ResolvedDecay };

/** Leaves parameter and gradient as they are (optim's `fragments.NO_DECAY`). */
export const NO_DECAY: DecayFragment = fragments.NO_DECAY;

/** A kernel family over decay fragments and flags (optim's `fragments.decayKernelFamily`). */
export const decayKernelFamily = fragments.decayKernelFamily;

/**
 * A pluggable weight decay (labml's `WeightDecay` design): it contributes its options to the parameter-group
 * defaults and, at each step, chooses the kernel fragment and host scalars for a group. {@link WeightDecay} (L2,
 * coupled or decoupled) and {@link L1WeightDecay} implement it; any optimizer built on
 * {@link GenericAdaptiveOptimizer} takes either, or any object with these two methods.
 *
 * @example
 * // Decay towards a constant c instead of 0, decoupled: θ ← θ − αλ(θ − c)
 * const PULL: DecayFragment = {
 *   name: 'pull', scalars: ['decayRate', 'decayTarget'],
 *   apply: ({ param, grad }, s) => ({ param: k.sub(param, k.mul(s.decayRate!, k.sub(param, s.decayTarget!))), grad }),
 * };
 * const pullTo = (target: number, weightDecay: number): WeightDecayStrategy => ({
 *   defaults: () => ({ weightDecay }),
 *   resolve: (g) => ({ fragment: PULL, scalars: { decayRate: (g.lr as number) * (g.weightDecay as number), decayTarget: target } }),
 * });
 * const opt = new LabmlAdam(params, { lr: 1e-3, weightDecay: pullTo(1, 0.01) });
 */
export interface WeightDecayStrategy {
  /** Options merged into the param-group defaults (`{ weightDecay }`); groups may override them. */
  defaults(): Record<string, unknown>;
  /**
   * The fragment and scalars for this group's step. `group` holds the resolved options of the step (its `lr` is
   * the group's learning rate, not a warm-up schedule's). Any param group fits (`ParamGroup<O>` has no string
   * index); an implementation may read other options by declaring `Readonly<Record<string, unknown>>`.
   */
  resolve(group: Readonly<{ lr?: unknown; weightDecay?: unknown }>): ResolvedDecay;
}
