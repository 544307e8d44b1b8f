import { type Backend, Parameter, type Tensor, ValueError, full, zeros } from '@tsoptim/core';
import { batchNorm } from './batch-norm-op.js';
import { Module } from './module.js';
import { type Input, Variable } from './variable.js';

const batchNormMarker = Symbol.for('@tsoptim/nn/batch-norm');

/** Options of {@link BatchNorm1d}. */
export interface BatchNormOptions1d {
  /** Added to the variance for stability (default 1e-5). */
  readonly eps?: number;
  /**
   * Weight of each new batch in the running statistics (default 0.1); null for a cumulative moving
   * average (each batch weighted `1 / num_batches_tracked`).
   */
  readonly momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  readonly affine?: boolean;
  /** Keep running statistics for evaluation (default true). */
  readonly trackRunningStats?: boolean;
  /** Where the parameters and buffers live. */
  readonly backend?: Backend;
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` inputs (torch's `nn.BatchNorm1d`).
 *
 * Training: normalise with the batch mean and biased variance, then `running ← (1 − m)·running + m·batch`
 * (unbiased variance) with `m = momentum`, or `m = 1 / num_batches_tracked` when momentum is null.
 * Evaluation: normalise with the running statistics. Buffers `running_mean`, `running_var`,
 * `num_batches_tracked`; parameters `weight` (γ, ones) and `bias` (β, zeros) when affine.
 *
 * @see https://arxiv.org/abs/1502.03167
 * @example
 * const bn = new BatchNorm1d(128);
 * const y = bn.forward(h);
 */
export class BatchNorm1d extends Module {
  private readonly [batchNormMarker] = true;
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  /**
   * @param numFeatures - C, the number of channels.
   * @param options - `eps`, `momentum`, `affine`, `trackRunningStats`, `backend`.
   * @throws ValueError for a non-positive channel count or a negative eps.
   */
  constructor(numFeatures: number, options: BatchNormOptions1d = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0)
      throw new ValueError(`num_features must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ValueError(`Invalid eps: ${this.eps}`);
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const b = options.backend === undefined ? {} : { backend: options.backend };
    this.registerParameter('weight', this.affine ? new Parameter(full([numFeatures], 1, b)) : null);
    this.registerParameter('bias', this.affine ? new Parameter(zeros([numFeatures], b)) : null);
    this.registerBuffer('running_mean', this.trackRunningStats ? zeros([numFeatures], b) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? full([numFeatures], 1, b) : null);
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? zeros([], b) : null);
  }

  /** True for a batch-norm layer from any installed copy of @tsoptim/nn (torch's `isinstance(m, _BatchNorm)`). */
  static isBatchNorm(x: unknown): x is BatchNorm1d {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[batchNormMarker] === true;
  }

  /** γ, or null when not affine. */
  get weight(): Parameter | null {
    return this._parameters.get('weight') ?? null;
  }
  /** β, or null when not affine. */
  get bias(): Parameter | null {
    return this._parameters.get('bias') ?? null;
  }
  /** The running mean (a buffer), or null when not tracking. */
  get runningMean(): Tensor | null {
    return this._buffers.get('running_mean') ?? null;
  }
  /** The running variance (a buffer), or null when not tracking. */
  get runningVar(): Tensor | null {
    return this._buffers.get('running_var') ?? null;
  }
  /** The number of training batches seen (a 0-d buffer), or null when not tracking. */
  get numBatchesTracked(): Tensor | null {
    return this._buffers.get('num_batches_tracked') ?? null;
  }

  /** Running mean 0, running variance 1, no batches tracked (torch's `reset_running_stats`). */
  resetRunningStats(): void {
    this.runningMean?.fill_(0);
    this.runningVar?.fill_(1);
    this.numBatchesTracked?.fill_(0);
  }

  /** Resets the running statistics, γ to 1 and β to 0 (torch's `reset_parameters`). */
  resetParameters(): void {
    this.resetRunningStats();
    this.weight?.fill_(1);
    this.bias?.fill_(0);
  }

  forward(input: Input): Variable {
    const v = Variable.from(input);
    if (v.ndim !== 2 && v.ndim !== 3) throw new ValueError(`expected 2D or 3D input (got ${v.ndim}D input)`);
    let factor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && nbt !== null) {
      const n = nbt.item() + 1;
      nbt.fill_(n);
      if (this.momentum === null) factor = 1 / n;
    }
    const bnTraining = this.training || (this.runningMean === null && this.runningVar === null);
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(v, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, this.weight, this.bias, {
      training: bnTraining,
      momentum: factor,
      eps: this.eps,
    });
  }
}
