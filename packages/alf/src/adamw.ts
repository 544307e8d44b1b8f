/**
 * AdamW as ALF ships it (`alf.optimizers.AdamW`) is torch.optim.AdamW (Loshchilov & Hutter, "Decoupled Weight
 * Decay Regularization", https://arxiv.org/abs/1711.05101): ALF's own `adamw.py` is a copy of torch's fixed AdamW
 * (pytorch#52944) for torch < 1.8.1. This package re-exports `@tsoptim/optim`'s class itself, so the name has one
 * meaning everywhere:
 *
 *   θ ← θ·(1 − γλ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − γ/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
 *
 * with lr 1e-3, betas [0.9, 0.999], eps 1e-8, weight decay 1e-2. Wrap it with `wrapOptimizer` for ALF's gradient
 * clipping, learning-rate schedules and `fixedNorm` parameters.
 *
 * @example
 * import { parameter } from '@tsoptim/core';
 * import { AdamW, wrapOptimizer } from '@tsoptim/alf';
 * const w = parameter([1, 2, 3]);
 * const opt = wrapOptimizer(new AdamW([w], { lr: 0.01 }), { gradientClipping: 1 });
 * w.setGrad([3, 4, 0]);
 * opt.step();
 */
export { AdamW, type AdamWOptions } from '@tsoptim/optim';
