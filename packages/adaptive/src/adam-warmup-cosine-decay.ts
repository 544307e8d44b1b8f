import { type ParamsInput, rejectUnknownOptions } from '@tsoptim/optim';
import { AMSGrad, type AMSGradGroupOptions, type AMSGradOptions } from './amsgrad.js';
import { checkNonNegative } from './internal/checks.js';

/** Options of {@link AdamWarmupCosineDecay}. */
export interface AdamWarmupCosineDecayOptions extends AMSGradOptions {
  /** Use AMSGrad (default false here). */
  amsgrad?: boolean;
  /** Warm-up steps w (default 0). A group option. */
  warmup?: number;
  /** Total steps T, where the cosine would reach 0; the rate never goes below 10 % of lr (default 1e10). A group option. */
  totalSteps?: number;
}

/** The group options of {@link AdamWarmupCosineDecay}. */
export interface AdamWarmupCosineDecayGroupOptions extends AMSGradGroupOptions {
  warmup: number;
  totalSteps: number;
}

/** The options AdamWarmupCosineDecay's constructor takes. */
const ADAMWARMUPCOSINEDECAY_OPTION_NAMES: readonly string[] = [
  'lr',
  'betas',
  'eps',
  'weightDecay',
  'optimizedUpdate',
  'amsgrad',
  'warmup',
  'totalSteps',
];

/**
 * Adam (or AMSGrad) with a linear warm-up and a cosine decay of the learning rate (labml's
 * `AdamWarmupCosineDecay`, the GPT schedule). At step t:
 *
 *   α_t = 1e-8 + t·α/w                                                  while w > t,
 *   α_t = α · max(0.1, (1 + cos(π·p))/2),  p = min(1, (t − w)/max(1, T − w))   afterwards,
 *
 * so the rate follows a cosine down to 10 % of α (reached before T) and stays there. A decoupled weight decay is
 * scaled by the group's `lr`.
 *
 * **Difference from labml's code.** labml does not clamp p, so after T the cosine rises again (back to α at
 * t = w + 2(T − w)); its docstring says the rate stays at 10 % of α. This class clamps p at 1, as documented.
 * Up to T the two agree.
 *
 * @throws ValueError as {@link Adam}, `Invalid warmup value: …`, `Invalid total_steps value: …` for negative values.
 * @example
 * const opt = new AdamWarmupCosineDecay(model.parameters(), { lr: 6e-4, warmup: 2000, totalSteps: 600000 });
 */
export class AdamWarmupCosineDecay<O extends AdamWarmupCosineDecayGroupOptions = AdamWarmupCosineDecayGroupOptions> extends AMSGrad<O> {
  constructor(params: ParamsInput, options: AdamWarmupCosineDecayOptions = {}, defaults: Record<string, unknown> = {}) {
    if (new.target === AdamWarmupCosineDecay) rejectUnknownOptions('AdamWarmupCosineDecay', options, ADAMWARMUPCOSINEDECAY_OPTION_NAMES);
    super(
      params,
      { ...options, amsgrad: options.amsgrad ?? false },
      { ...defaults, warmup: options.warmup ?? 0, totalSteps: options.totalSteps ?? 1e10 },
    );
  }

  protected override validate(options: Record<string, unknown>): void {
    super.validate(options);
    checkNonNegative('warmup', options.warmup);
    checkNonNegative('total_steps', options.totalSteps);
  }

  /** The warm-up, then lr · max(0.1, (1 + cos(π·progress))/2), progress clamped at 1. */
  override getLr(state: { readonly step?: unknown }, group: Readonly<O>): number {
    const t = state.step as number;
    if (group.warmup > t) return 1e-8 + (t * group.lr) / group.warmup;
    const progress = Math.min(1, (t - group.warmup) / Math.max(1, group.totalSteps - group.warmup));
    return group.lr * Math.max(0.1, 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}
