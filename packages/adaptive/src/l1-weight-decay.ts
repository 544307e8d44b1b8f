import { k } from '@tsoptim/core';
import type { DecayFragment, ResolvedDecay, fragments } from '@tsoptim/optim';
import { NO_DECAY } from './decay-fragment.js';
import { WeightDecay } from './weight-decay.js';

type Terms = fragments.Terms;
type Scalars = Parameters<DecayFragment['apply']>[1];

/** g ← g + decayCoef · sign(θ). */
const L1: DecayFragment = Object.freeze({
  name: 'l1',
  scalars: ['decayCoef'],
  apply: ({ param, grad }: Terms, s: Scalars) => ({ param, grad: k.add(grad, k.mul(s.decayCoef!, k.sign(param))) }),
});

/** θ ← sign(θ) · max(|θ| − decayThreshold, 0): the proximal step of the L1 penalty (soft thresholding). */
const L1_PROXIMAL: DecayFragment = Object.freeze({
  name: 'l1prox',
  scalars: ['decayThreshold'],
  apply: ({ param, grad }: Terms, s: Scalars) => ({
    param: k.mul(k.sign(param), k.max(k.sub(k.abs(param), s.decayThreshold!), 0)),
    grad,
  }),
});

/**
 * L1 weight decay, the strategy labml's design leaves room for ("can easily extend to other weight decays like L1
 * without changing the optimizers"). Same options as {@link WeightDecay}:
 *
 * - `weightDecouple` (default): soft thresholding, θ ← sign(θ) · max(|θ| − γλ, 0) (λ alone when `absolute`), so
 *   small weights become exactly zero instead of oscillating around it;
 * - otherwise: g ← g + λ · sign(θ) (the subgradient of λ‖θ‖₁, with sign(0) = 0).
 *
 * @throws ValueError `Invalid weight_decay value: …` when `weightDecay < 0`.
 * @example
 * const opt = new AdamWarmup(params, { lr: 1e-3, warmup: 100, weightDecay: new L1WeightDecay({ weightDecay: 1e-4 }) });
 */
export class L1WeightDecay extends WeightDecay {
  /** The fragment for this group: none when λ = 0, soft thresholding, or the sign term on the gradient. */
  override resolve(group: Readonly<{ lr?: unknown; weightDecay?: unknown }>): ResolvedDecay {
    const wd = group.weightDecay as number;
    if (wd === 0) return { fragment: NO_DECAY, scalars: {} };
    if (this.weightDecouple) {
      const decayThreshold = this.absolute ? wd : (group.lr as number) * wd;
      return { fragment: L1_PROXIMAL, scalars: { decayThreshold } };
    }
    return { fragment: L1, scalars: { decayCoef: wd } };
  }
}
