import { type ParamsInput, rejectUnknownOptions } from '@tsoptim/optim';
import { AMSGrad, type AMSGradGroupOptions, type AMSGradOptions } from './amsgrad.js';
import { checkNonNegative } from './internal/checks.js';

/** Options of {@link AdamWarmup}. */
export interface AdamWarmupOptions extends AMSGradOptions {
  /** Use AMSGrad (default false here). */
  amsgrad?: boolean;
  /** Warm-up steps w (default 0: no warm-up). A group option. */
  warmup?: number;
}

/** The group options of {@link AdamWarmup}. */
export interface AdamWarmupGroupOptions extends AMSGradGroupOptions {
  warmup: number;
}

/** The options AdamWarmup's constructor takes. */
const ADAMWARMUP_OPTION_NAMES: readonly string[] = ['lr', 'betas', 'eps', 'weightDecay', 'optimizedUpdate', 'amsgrad', 'warmup'];

/**
 * Adam (or AMSGrad) with a linear warm-up of the learning rate (labml's `AdamWarmup`). At step t:
 *
 *   α_t = 1e-8 + t·α/w  while w > t;   α_t = α  afterwards,
 *
 * then {@link Adam}'s update with α_t. A decoupled weight decay is scaled by the group's `lr` α, not by α_t, as in
 * labml.
 *
 * @throws ValueError as {@link Adam}, and `Invalid warmup value: …` when `warmup < 0`.
 * @example
 * const opt = new AdamWarmup(model.parameters(), { lr: 3e-4, warmup: 1000 });
 */
export class AdamWarmup<O extends AdamWarmupGroupOptions = AdamWarmupGroupOptions> extends AMSGrad<O> {
  constructor(params: ParamsInput, options: AdamWarmupOptions = {}, defaults: Record<string, unknown> = {}) {
    if (new.target === AdamWarmup) rejectUnknownOptions('AdamWarmup', options, ADAMWARMUP_OPTION_NAMES);
    super(params, { ...options, amsgrad: options.amsgrad ?? false }, { ...defaults, warmup: options.warmup ?? 0 });
  }

  protected override validate(options: Record<string, unknown>): void {
    super.validate(options);
    checkNonNegative('warmup', options.warmup);
  }

  /** 1e-8 + t·lr/warmup during the warm-up (warmup > t), lr afterwards. */
  override getLr(state: { readonly step?: unknown }, group: Readonly<O>): number {
    const t = state.step as number;
    return group.warmup > t ? 1e-8 + (t * group.lr) / group.warmup : group.lr;
  }
}
