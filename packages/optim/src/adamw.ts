import { ADAM_DEFAULTS, Adam, type AdamOptions } from './adam.js';
import type { ParamsInput, Scheduled } from './optimizer.js';

/** Options of {@link AdamW}: Adam's, with weight decay 1e-2 by default and always decoupled. */
export type AdamWOptions = Omit<AdamOptions, 'decoupledWeightDecay'>;

export const ADAMW_DEFAULTS = { ...ADAM_DEFAULTS, weightDecay: 1e-2, decoupledWeightDecay: true } as const;

/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", https://arxiv.org/abs/1711.05101), as
 * torch.optim.AdamW: Adam with θ ← θ·(1 − γλ) before the update instead of an L2 term in the gradient.
 * Default weight decay 1e-2.
 *
 * @throws ValueError with Adam's messages.
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Adam {
  constructor(params: ParamsInput, options: Scheduled<AdamWOptions> = {}) {
    super(params, options, ADAMW_DEFAULTS);
  }
}
