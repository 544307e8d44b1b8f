import { ADAM_OPTIONS, Adam, type AdamOptions } from './adam.js';
import type { ParamsInput, Scheduled } from './optimizer.js';
import { type OptionsDecl, bool } from './options.js';

/** Options of {@link AdamW}: Adam's, with weight decay 1e-2 by default and always decoupled. */
export type AdamWOptions = Omit<AdamOptions, 'decoupledWeightDecay'>;

/** AdamW's options: Adam's, with weight decay 1e-2 and the decay always decoupled (a loaded Adam state dict keeps it). */
export const ADAMW_OPTIONS: OptionsDecl<Required<AdamOptions>> = ADAM_OPTIONS.extend('AdamW', {
  defaults: { weightDecay: 1e-2 },
  specs: { decoupledWeightDecay: bool(true, { fixed: true }) },
});

export const ADAMW_DEFAULTS = ADAMW_OPTIONS.defaults;

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
  constructor(params: ParamsInput<AdamWOptions>, options: Scheduled<AdamWOptions> = {}) {
    super(params, options, ADAMW_DEFAULTS);
  }

  protected override optionsDecl(): OptionsDecl<Required<AdamOptions>> {
    return ADAMW_OPTIONS;
  }
}
