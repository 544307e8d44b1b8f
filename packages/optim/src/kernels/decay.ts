import { type Expr, kernelFamily } from '@tsoptim/core';
import * as k from '@tsoptim/core/expr';

/** The per-element parameter and gradient a kernel body starts from. */
export interface Terms {
  readonly param: Expr;
  readonly grad: Expr;
}

/**
 * A weight-decay step written as a piece of a kernel body: given the per-element parameter and gradient
 * expressions (and the kernel's scalar symbols), it returns the parameter the update starts from and the
 * gradient the update uses. An optimizer's kernel calls it first, so decay and update stay one pass over memory.
 *
 * Fragments are compared by identity to cache compiled kernels: keep them as module-level constants and pick one
 * per step (see {@link resolveDecay}).
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
   * kernel's own scalars, so give them distinct names (`decay…`); a clash fails when the kernel is defined.
   */
  readonly scalars: readonly string[];
  /** The decayed parameter and the gradient, as expressions. */
  readonly apply: (terms: Terms, scalars: Readonly<Record<string, Expr>>) => Terms;
}

/** A fragment and the values of its scalars for one step. */
export interface ResolvedDecay {
  readonly fragment: DecayFragment;
  readonly scalars: Readonly<Record<string, number>>;
}

/** Leaves parameter and gradient as they are. */
export const NO_DECAY: DecayFragment = Object.freeze({
  name: 'nodecay',
  scalars: [],
  apply: (terms: Terms) => terms,
});

/** L2 in the gradient: g ← g + decayCoef · θ (torch's `weight_decay`). */
export const L2_DECAY: DecayFragment = Object.freeze({
  name: 'l2',
  scalars: ['decayCoef'],
  apply: ({ param, grad }: Terms, s: Readonly<Record<string, Expr>>) => ({ param, grad: k.add(grad, k.mul(s.decayCoef!, param)) }),
});

/** Decoupled decay before the update: θ ← θ · decayFactor (AdamW's θ·(1 − γλ)). */
export const DECOUPLED_DECAY: DecayFragment = Object.freeze({
  name: 'decoupled',
  scalars: ['decayFactor'],
  apply: ({ param, grad }: Terms, s: Readonly<Record<string, Expr>>) => ({ param: k.mul(param, s.decayFactor!), grad }),
});

/** The three decays torch.optim's algorithms know. */
export type DecayKind = 'none' | 'l2' | 'decoupled';

/** `none` when λ = 0, else `decoupled` or `l2`. */
export function decayKind(weightDecay: number, decoupled: boolean): DecayKind {
  return weightDecay === 0 ? 'none' : decoupled ? 'decoupled' : 'l2';
}

const BY_KIND: Readonly<Record<DecayKind, DecayFragment>> = { none: NO_DECAY, l2: L2_DECAY, decoupled: DECOUPLED_DECAY };

/**
 * torch's decay for one step: L2 coefficient λ, or the decoupled factor 1 − γλ (`lrScale` multiplies γ: NeroPlus's
 * per-parameter scale).
 */
export function resolveDecay(kind: DecayKind, lr: number, weightDecay: number): ResolvedDecay {
  if (kind === 'l2') return { fragment: L2_DECAY, scalars: { decayCoef: weightDecay } };
  if (kind === 'decoupled') return { fragment: DECOUPLED_DECAY, scalars: { decayFactor: 1 - lr * weightDecay } };
  return { fragment: NO_DECAY, scalars: {} };
}

/** The fragment of a kind (its scalars come from {@link resolveDecay}). */
export function decayFragment(kind: DecayKind): DecayFragment {
  return BY_KIND[kind];
}

/**
 * The gradient preamble of torch's algorithms: g ← −∇ when maximising, then the decay fragment (L2 in the
 * gradient, or the decoupled factor on the parameter).
 */
export function preamble(
  terms: Terms,
  scalars: Readonly<Record<string, Expr>>,
  f: { readonly maximize?: boolean; readonly decay?: DecayFragment | DecayKind },
): Terms {
  const grad = f.maximize ? k.neg(terms.grad) : terms.grad;
  const decay = typeof f.decay === 'string' ? BY_KIND[f.decay] : (f.decay ?? NO_DECAY);
  return decay.apply({ param: terms.param, grad }, scalars);
}

/** The scalar names a preamble with this decay reads. */
export function preambleScalars(decay: DecayFragment | DecayKind): readonly string[] {
  return (typeof decay === 'string' ? BY_KIND[decay] : decay).scalars;
}

/**
 * Decoupled decay applied after the update, θ ← θ − c·θ (transformers' AdamW and thinc apply it to the updated
 * parameter, with c = γλ).
 */
export function decayAfter(param: Expr, coef: Expr): Expr {
  return k.sub(param, k.mul(coef, param));
}

/**
 * A kernel family over decay fragments and compile-time flags: each (fragment, flags) pair is defined once, on
 * first use, and cached (fragments by identity). Build kernels that call `decay.apply(...)` (or {@link preamble})
 * first and list `decay.scalars` among their scalars.
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
