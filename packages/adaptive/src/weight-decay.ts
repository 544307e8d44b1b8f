import { fragments, validate } from '@tsoptim/optim';
import { NO_DECAY, type ResolvedDecay, type WeightDecayStrategy } from './decay-fragment.js';

/** Options of {@link WeightDecay} (labml's `WeightDecay(weight_decay, weight_decouple, absolute)`). */
export interface WeightDecayOptions {
  /** The decay coefficient λ (default 0). */
  weightDecay?: number;
  /**
   * Decay the parameter directly, θ ← θ(1 − γλ), instead of adding λθ to the gradient (default true, as labml).
   */
  weightDecouple?: boolean;
  /** With `weightDecouple`: the decay is not scaled by the learning rate, θ ← θ(1 − λ) (default false). */
  absolute?: boolean;
}

const { DECOUPLED_DECAY: DECOUPLED, L2_DECAY: L2 } = fragments;

/**
 * L2 weight decay as a strategy (labml's `WeightDecay`), run inside the optimizer's kernel:
 *
 * - `weightDecouple` (default): θ ← θ · (1 − γλ), or θ ← θ · (1 − λ) when `absolute`; the gradient is unchanged
 *   (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", https://arxiv.org/abs/1711.05101);
 * - otherwise: g ← g + λθ, which then goes through the optimizer's update.
 *
 * γ is the group's `lr` option (not a warm-up schedule's rate), λ the group's `weightDecay` option; `defaults()`
 * puts `weightDecay` into the param-group defaults so each group can override it.
 *
 * @throws ValueError `Invalid weight_decay value: …` when `weightDecay < 0`.
 * @example
 * const opt = new LabmlAdam(params, { lr: 1e-3, weightDecay: new WeightDecay({ weightDecay: 0.01, weightDecouple: false }) });
 */
export class WeightDecay implements WeightDecayStrategy {
  readonly weightDecay: number;
  readonly weightDecouple: boolean;
  readonly absolute: boolean;

  constructor(options: WeightDecayOptions = {}) {
    const weightDecay = options.weightDecay ?? 0;
    validate.checkWeightDecay(weightDecay);
    this.weightDecay = weightDecay;
    this.weightDecouple = options.weightDecouple ?? true;
    this.absolute = options.absolute ?? false;
  }

  /** `{ weightDecay }`, merged into the param-group defaults. */
  defaults(): Record<string, unknown> {
    return { weightDecay: this.weightDecay };
  }

  /** The fragment for this group: none when λ = 0, the decoupled factor, or the L2 gradient term. */
  resolve(group: Readonly<{ lr?: unknown; weightDecay?: unknown }>): ResolvedDecay {
    const wd = group.weightDecay as number;
    if (wd === 0) return { fragment: NO_DECAY, scalars: {} };
    if (this.weightDecouple) {
      const decayFactor = this.absolute ? 1 - wd : 1 - (group.lr as number) * wd;
      return { fragment: DECOUPLED, scalars: { decayFactor } };
    }
    return { fragment: L2, scalars: { decayCoef: wd } };
  }
}
