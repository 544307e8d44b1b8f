import * as tf from '@tensorflow/tfjs-core';
import { type Parameter, type Tensor, TypeError_, ValueError, shapesEqual, zeros } from '@tsoptim/core';
import { type AvgFn, type MultiAvgFn, getSwaMultiAvgFn } from '@tsoptim/swa-utils';
import type { CallbackInterval, FitCallback } from './callbacks.js';
import { TfjsBackend } from './tfjs-backend.js';

/** A LayersModel as far as averaging needs it: its weights (tfjs-layers' `LayerVariable`s). */
export interface WeightedModel {
  readonly trainableWeights: readonly { read(): tf.Tensor }[];
  readonly nonTrainableWeights: readonly { read(): tf.Tensor }[];
}

/** Options of {@link TfjsAveragedModel}: torch's `AveragedModel` options, and the backend. */
export interface TfjsAveragedModelOptions {
  /** Per-tensor average, `(averaged, current, numAveraged) → new averaged` (`getEmaAvgFn` of swa-utils). */
  readonly avgFn?: AvgFn;
  /** All tensors at once, in place (`getEmaMultiAvgFn(0.999)` for EMA); default: the SWA running mean. */
  readonly multiAvgFn?: MultiAvgFn;
  /** Average the non-trainable weights (batch norm's moving statistics) too, instead of copying them. */
  readonly useBuffers?: boolean;
  /** Where the averages live (default: a new {@link TfjsBackend}). */
  readonly backend?: TfjsBackend;
}

/**
 * torch's `AveragedModel` for a tfjs LayersModel: SWA or EMA copies of the model's weights, kept as tfjs tensors
 * and updated with the same kernels as `@tsoptim/swa-utils` (one fused pass per weight). `copyTo(model)` writes
 * the averages into a model's variables (to evaluate or save it); {@link updateBatchNorm} then recomputes batch
 * norm statistics for them, as torch's `update_bn`.
 *
 * @example
 * const ema = new TfjsAveragedModel(model, { multiAvgFn: getEmaMultiAvgFn(0.99) });
 * await model.fit(x, y, { callbacks: [averagingCallback(ema, model)] });
 * ema.copyTo(model); // evaluate the averaged weights
 */
export class TfjsAveragedModel {
  readonly backend: TfjsBackend;
  readonly avgFn: AvgFn | null;
  readonly multiAvgFn: MultiAvgFn | null;
  readonly useBuffers: boolean;
  /** The averaged trainable weights, in the model's order. */
  readonly params: readonly Tensor[];
  /** The non-trainable weights (averaged with `useBuffers`, else copied from the model). */
  readonly buffers: readonly Tensor[];
  private n = 0;
  private readonly wrapped = new WeakMap<tf.Variable, Parameter>();

  /**
   * @param model - the model whose weights are averaged (copied now, as torch deep-copies the module).
   * @throws {ValueError} when both `avgFn` and `multiAvgFn` are given.
   */
  constructor(model: WeightedModel, options: TfjsAveragedModelOptions = {}) {
    const avgFn = options.avgFn ?? null;
    const multiAvgFn = options.multiAvgFn ?? null;
    if (avgFn !== null && multiAvgFn !== null) throw new ValueError('Only one of avg_fn and multi_avg_fn should be provided');
    if (avgFn !== null && typeof avgFn !== 'function') throw new TypeError_('avg_fn must be a function');
    if (multiAvgFn !== null && typeof multiAvgFn !== 'function') throw new TypeError_('multi_avg_fn must be a function');
    this.avgFn = avgFn;
    this.multiAvgFn = multiAvgFn;
    this.useBuffers = options.useBuffers ?? false;
    this.backend = options.backend ?? new TfjsBackend();
    const copy = (w: Parameter): Tensor => {
      const t = zeros(w.shape, { backend: this.backend });
      this.backend.copy(t, w);
      return t;
    };
    this.params = this.weightsOf(model, 'trainable').map(copy);
    this.buffers = this.weightsOf(model, 'nonTrainable').map(copy);
  }

  /** How many models were averaged (torch's `n_averaged`). */
  get nAveraged(): number {
    return this.n;
  }

  /**
   * Folds the model's current weights into the average: a copy on the first call, then `avgFn` / `multiAvgFn` /
   * the SWA mean; non-trainable weights are copied (averaged with `useBuffers`).
   * @throws {ValueError} when the model's weights differ from the average's in number or shape (checked first).
   */
  updateParameters(model: WeightedModel): void {
    const params = this.weightsOf(model, 'trainable');
    const buffers = this.weightsOf(model, 'nonTrainable');
    this.check(params, this.params, 'trainable weights');
    this.check(buffers, this.buffers, 'non-trainable weights');
    const mine = this.useBuffers ? [...this.params, ...this.buffers] : [...this.params];
    const theirs = this.useBuffers ? [...params, ...buffers] : params;
    if (this.n === 0) {
      mine.forEach((t, i) => this.backend.copy(t, theirs[i]!));
    } else if (this.avgFn !== null) {
      const fn = this.avgFn;
      mine.forEach((t, i) => {
        const next = fn(t, theirs[i]!, this.n);
        if (next !== t) {
          this.backend.copy(t, next);
          next.dispose();
        }
      });
    } else {
      (this.multiAvgFn ?? getSwaMultiAvgFn())(mine, theirs, this.n);
    }
    if (!this.useBuffers) this.buffers.forEach((t, i) => this.backend.copy(t, buffers[i]!));
    this.n++;
  }

  /**
   * Writes the averaged weights into the model's variables (`assign`).
   * @throws {ValueError} when the model's weights differ from the average's in number or shape.
   */
  copyTo(model: WeightedModel): void {
    const params = this.weightsOf(model, 'trainable');
    const buffers = this.weightsOf(model, 'nonTrainable');
    this.check(params, this.params, 'trainable weights');
    this.check(buffers, this.buffers, 'non-trainable weights');
    params.forEach((p, i) => this.backend.copy(p, this.params[i]!));
    buffers.forEach((p, i) => this.backend.copy(p, this.buffers[i]!));
  }

  /** Frees the averages. */
  dispose(): void {
    for (const t of [...this.params, ...this.buffers]) t.dispose();
  }

  private weightsOf(model: WeightedModel, which: 'trainable' | 'nonTrainable'): Parameter[] {
    const list = which === 'trainable' ? model.trainableWeights : model.nonTrainableWeights;
    if (!Array.isArray(list)) throw new TypeError_('expected a tfjs LayersModel (trainableWeights, nonTrainableWeights)');
    return list.map((w) => {
      const v = w.read() as tf.Variable;
      let p = this.wrapped.get(v);
      if (p === undefined) {
        p = this.backend.wrapVariable(v);
        this.wrapped.set(v, p);
      }
      return p;
    });
  }

  private check(theirs: readonly Tensor[], mine: readonly Tensor[], what: string): void {
    if (theirs.length !== mine.length) throw new ValueError(`the model has ${theirs.length} ${what}, the averaged model ${mine.length}`);
    theirs.forEach((t, i) => {
      if (!shapesEqual(t.shape, mine[i]!.shape)) {
        throw new ValueError(`${what} ${i}: the model's has shape [${t.shape}], the averaged model's [${mine[i]!.shape}]`);
      }
    });
  }
}

/**
 * A `model.fit` callback that folds the model's weights into an average after every batch (EMA, the default) or
 * every epoch (SWA).
 * @throws {ValueError} for an interval other than 'batch' / 'epoch'.
 */
export function averagingCallback(
  averaged: TfjsAveragedModel,
  model: WeightedModel,
  options: { readonly interval?: CallbackInterval } = {},
): FitCallback {
  const interval = options.interval ?? 'batch';
  if (interval === 'batch') return { onBatchEnd: () => averaged.updateParameters(model) };
  if (interval === 'epoch') return { onEpochEnd: () => averaged.updateParameters(model) };
  throw new ValueError(`interval must be 'batch' or 'epoch', got ${String(interval)}`);
}

/** A tfjs-layers layer, as far as {@link updateBatchNorm} looks at it. */
interface LayerLike {
  getClassName(): string;
  readonly layers?: readonly LayerLike[];
}

interface BatchNormLike extends LayerLike {
  momentum: number;
  movingMean: { read(): tf.Variable; write(v: tf.Tensor): void };
  movingVariance: { read(): tf.Variable; write(v: tf.Tensor): void };
}

function batchNormLayers(layers: readonly LayerLike[], out: BatchNormLike[] = []): BatchNormLike[] {
  for (const l of layers) {
    if (l.getClassName() === 'BatchNormalization') out.push(l as BatchNormLike);
    if (Array.isArray(l.layers)) batchNormLayers(l.layers, out);
  }
  return out;
}

/**
 * torch's `update_bn` for a tfjs LayersModel: resets every `BatchNormalization` layer's moving mean (0) and
 * variance (1), runs the model in training mode over the batches, and makes each layer's statistics the
 * cumulative average over them (torch's `momentum=None`), then restores the layers' momentum. Run it after
 * {@link TfjsAveragedModel.copyTo}: averaged weights need their own statistics. (tfjs keeps the biased batch
 * variance where torch keeps the unbiased one.)
 *
 * @param model - a LayersModel (`layers`, `apply`).
 * @param batches - input batches (tensors or arrays of tensors for several inputs); not disposed.
 * @returns how many batch norm layers were updated (0: nothing ran, as torch returns early).
 */
export async function updateBatchNorm(
  model: { readonly layers: readonly unknown[]; apply(x: tf.Tensor | tf.Tensor[], kwargs: { training: boolean }): unknown },
  batches: Iterable<tf.Tensor | tf.Tensor[]> | AsyncIterable<tf.Tensor | tf.Tensor[]>,
): Promise<number> {
  const bns = batchNormLayers(model.layers as LayerLike[]);
  if (bns.length === 0) return 0;
  const momenta = bns.map((l) => l.momentum);
  for (const l of bns) {
    tf.tidy(() => {
      l.movingMean.write(tf.zerosLike(l.movingMean.read()));
      l.movingVariance.write(tf.onesLike(l.movingVariance.read()));
    });
  }
  try {
    let k = 0;
    for await (const x of batches) {
      k++;
      // tfjs: moving ← moving − (moving − batch)·(1 − momentum); with momentum (k−1)/k that is the running mean.
      for (const l of bns) l.momentum = (k - 1) / k;
      tf.tidy(() => {
        model.apply(x, { training: true });
      });
    }
  } finally {
    bns.forEach((l, i) => {
      l.momentum = momenta[i]!;
    });
  }
  return bns.length;
}
