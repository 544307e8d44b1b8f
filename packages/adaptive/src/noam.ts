import { type ParamsInput, rejectUnknownOptions } from '@tsoptim/optim';
import { AMSGrad, type AMSGradGroupOptions, type AMSGradOptions } from './amsgrad.js';
import { checkNonNegative } from './internal/checks.js';

/** Options of {@link Noam}. */
export interface NoamOptions extends AMSGradOptions {
  /** Use AMSGrad (default false here). */
  amsgrad?: boolean;
  /** Warm-up steps w (default 0; see {@link Noam}). A group option. */
  warmup?: number;
  /** The model width d_model (default 512). An optimizer setting, as in labml (not a group option). */
  dModel?: number;
}

/** The group options of {@link Noam}. */
export interface NoamGroupOptions extends AMSGradGroupOptions {
  warmup: number;
}

/** The options Noam's constructor takes. */
const NOAM_OPTION_NAMES: readonly string[] = ['lr', 'betas', 'eps', 'weightDecay', 'optimizedUpdate', 'amsgrad', 'warmup', 'dModel'];

/**
 * The Noam schedule of "Attention Is All You Need" (Vaswani et al., https://arxiv.org/abs/1706.03762) on Adam
 * (labml's `Noam`). At step t:
 *
 *   α_t = α · d_model^(−1/2) · min(t^(−1/2), t · w^(−3/2)),
 *
 * rising linearly for w steps, then decaying as 1/√t. With `warmup: 0` the schedule is α·d_model^(−1/2)·t^(−1/2)
 * from the first step (labml's code divides by zero there). A decoupled weight decay is scaled by the group's `lr`.
 *
 * @throws ValueError as {@link Adam}, `Invalid warmup value: …` (warmup < 0), `Invalid d_model value: …` (d_model ≤ 0).
 * @example
 * const opt = new Noam(model.parameters(), { lr: 1, warmup: 4000, dModel: 512, betas: [0.9, 0.98], eps: 1e-9 });
 */
export class Noam<O extends NoamGroupOptions = NoamGroupOptions> extends AMSGrad<O> {
  /** d_model. */
  readonly dModel: number;

  constructor(params: ParamsInput, options: NoamOptions = {}, defaults: Record<string, unknown> = {}) {
    if (new.target === Noam) rejectUnknownOptions('Noam', options, NOAM_OPTION_NAMES);
    checkNonNegative('d_model', options.dModel, true);
    super(params, { ...options, amsgrad: options.amsgrad ?? false }, { ...defaults, warmup: options.warmup ?? 0 });
    this.dModel = options.dModel ?? 512;
  }

  protected override validate(options: Record<string, unknown>): void {
    super.validate(options);
    checkNonNegative('warmup', options.warmup);
  }

  /** lr · d_model^(−1/2) · min(t^(−1/2), t · warmup^(−3/2)). */
  override getLr(state: { readonly step?: unknown }, group: Readonly<O>): number {
    const t = state.step as number;
    const factor = Math.min(t ** -0.5, t * group.warmup ** -1.5);
    return group.lr * this.dModel ** -0.5 * factor;
  }
}
