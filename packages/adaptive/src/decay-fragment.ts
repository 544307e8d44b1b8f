import { type Expr, kernelFamily } from '@tsoptim/core';

/**
 * A weight-decay step written as a piece of a kernel body: given the per-element parameter and gradient
 * expressions (and the kernel's scalar symbols), it returns the parameter the update starts from and the
 * gradient the update uses. An optimizer's kernel calls it first, so decay and update stay one pass over memory.
 *
 * Fragments are compared by identity to cache compiled kernels: keep them as module-level constants and pick one
 * per group step (see {@link WeightDecayStrategy.resolve}).
 *
 * @example
 * // L2 added to the gradient: g ← g + λθ
 * const L2: DecayFragment = {
 *   name: 'l2',
 *   scalars: ['decayCoef'],
 *   apply: ({ param, grad }, s) => ({ param, grad: k.add(grad, k.mul(s.decayCoef!, param)) }),
 * };
 */
export interface DecayFragment {
  /** A short identifier used in kernel names (letters, digits, `_`). */
  readonly name: string;
  /**
   * The scalar arguments the fragment reads; their values come from {@link ResolvedDecay.scalars}. They join the
   * optimizer kernel's own scalars (`beta1`, `beta1c`, `beta2`, `beta2c`, `eps`, `stepSize`, `invBc2Sqrt` in this
   * package), so give them distinct names (`decay…`); a clash fails when the kernel is defined.
   */
  readonly scalars: readonly string[];
  /** The decayed parameter and the gradient, as expressions. */
  readonly apply: (
    terms: { readonly param: Expr; readonly grad: Expr },
    scalars: Readonly<Record<string, Expr>>,
  ) => { readonly param: Expr; readonly grad: Expr };
}

/** What a strategy decides for one group at one step: the fragment and the values of its scalars. */
export interface ResolvedDecay {
  readonly fragment: DecayFragment;
  readonly scalars: Readonly<Record<string, number>>;
}

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
 * const opt = new Adam(params, { lr: 1e-3, weightDecay: pullTo(1, 0.01) });
 */
export interface WeightDecayStrategy {
  /** Options merged into the param-group defaults (`{ weightDecay }`); groups may override them. */
  defaults(): Record<string, unknown>;
  /**
   * The fragment and scalars for this group's step. `group` holds the resolved options of the step (its `lr` is
   * the group's learning rate, not a warm-up schedule's).
   */
  resolve(group: Readonly<Record<string, unknown>>): ResolvedDecay;
}

/** Leaves parameter and gradient as they are. */
export const NO_DECAY: DecayFragment = Object.freeze({
  name: 'nodecay',
  scalars: [],
  apply: (terms: { readonly param: Expr; readonly grad: Expr }) => terms,
});

/**
 * A kernel family over decay fragments and compile-time flags: each (fragment, flags) pair is defined once, on
 * first use, and cached (fragments by identity). Build kernels that call `decay.apply(...)` first and list
 * `decay.scalars` among their scalars.
 *
 * @example
 * const signKernel = decayKernelFamily((decay, _f: {}) => defineKernel({
 *   name: `sign_${decay.name}`, inputs: ['param', 'grad'], scalars: ['lr', ...decay.scalars], outputs: ['param'],
 *   body: ({ param, grad }, s) => {
 *     const d = decay.apply({ param, grad }, s);
 *     return { param: k.sub(d.param, k.mul(s.lr, k.sign(d.grad))) };
 *   },
 * }));
 */
export function decayKernelFamily<F extends Record<string, boolean | number | string>, K>(
  build: (decay: DecayFragment, flags: F) => K,
): (decay: DecayFragment, flags: F) => K {
  const byFragment = new WeakMap<DecayFragment, (flags: F) => K>();
  return (decay, flags) => {
    let family = byFragment.get(decay);
    if (family === undefined) {
      family = kernelFamily((f: F) => build(decay, f));
      byFragment.set(decay, family);
    }
    return family(flags);
  };
}
