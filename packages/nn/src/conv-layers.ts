import { Parameter, type Rng, RuntimeError, ValueError, zeros } from '@tsoptim/core';
import { BatchNorm1d } from './batch-norm.js';
import { type Conv2dOptions, type MaxPool2dOptions, type Pair, conv2d, maxPool2d } from './conv.js';
import { pickRng, resetWeightAndBias_ } from './init.js';
import type { LinearOptions } from './linear.js';
import { Module } from './module.js';
import { reshape } from './shape-ops.js';
import { type Input, Variable } from './variable.js';

/** Options of {@link Conv2d}: `stride`, `padding`, and as {@link LinearOptions} `bias`, `rng` / `seed`, `backend`. */
export interface Conv2dLayerOptions extends Conv2dOptions, LinearOptions {}

/**
 * A 2-d convolution layer (torch's `nn.Conv2d`, groups 1, dilation 1): `weight` `[out, in, kH, kW]`, `bias`
 * `[out]`, initialised as torch (`kaiming_uniform_(a=√5)`, bias `U(−1/√fan_in, 1/√fan_in)`) from a seeded
 * generator. See {@link conv2d}.
 *
 * @example
 * const conv = new Conv2d(1, 6, 5, { padding: 2, seed: 0 }); // [N, 1, 28, 28] → [N, 6, 28, 28]
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly options: Conv2dOptions;

  /**
   * @param inChannels - C.
   * @param outChannels - O.
   * @param kernelSize - kH = kW, or [kH, kW].
   * @param options - `stride`, `padding`, `bias`, `rng` / `seed`, `backend`.
   * @throws ValueError for a non-positive size.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super();
    const ks: [number, number] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [kernelSize[0], kernelSize[1]];
    for (const d of [inChannels, outChannels, ...ks]) {
      if (!Number.isInteger(d) || d <= 0) throw new ValueError(`Conv2d sizes must be positive integers, got ${d}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = ks;
    this.options = {
      ...(options.stride === undefined ? {} : { stride: options.stride }),
      ...(options.padding === undefined ? {} : { padding: options.padding }),
    };
    const b = options.backend === undefined ? {} : { backend: options.backend };
    this.registerParameter('weight', new Parameter(zeros([outChannels, inChannels, ks[0], ks[1]], b)));
    this.registerParameter('bias', options.bias === false ? null : new Parameter(zeros([outChannels], b)));
    this.resetParameters(pickRng(options));
  }

  get weight(): Parameter {
    return this._parameters.get('weight')!;
  }

  get bias(): Parameter | null {
    return this._parameters.get('bias') ?? null;
  }

  /** Draws new initial values as torch's `reset_parameters`. */
  resetParameters(rng: Rng): void {
    resetWeightAndBias_(this.weight, this.bias, rng);
  }

  forward(input: Input): Variable {
    return conv2d(input, this.weight, this.bias, this.options);
  }
}

/**
 * 2-d max pooling as a module (torch's `nn.MaxPool2d` without padding or dilation). See {@link maxPool2d}.
 *
 * @example
 * const pool = new MaxPool2d(2); // [N, C, 28, 28] → [N, C, 14, 14]
 */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly options: MaxPool2dOptions = {},
  ) {
    super();
  }

  forward(input: Input): Variable {
    return maxPool2d(input, this.kernelSize, this.options);
  }
}

/**
 * Flattens dimensions `startDim…` into one (torch's `nn.Flatten`, default `startDim` 1: `[N, C, H, W]` →
 * `[N, C·H·W]`).
 *
 * @example
 * const head = new Sequential(new Flatten(), new Linear(16 * 5 * 5, 120));
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
  }

  forward(input: Input): Variable {
    const v = Variable.from(input);
    const d = this.startDim < 0 ? this.startDim + v.ndim : this.startDim;
    if (!Number.isInteger(d) || d < 0 || d >= Math.max(v.ndim, 1)) throw new RuntimeError(`Dimension out of range (got ${this.startDim})`);
    return reshape(v, [...v.shape.slice(0, d), -1]);
  }
}

/**
 * Batch normalisation over `[N, C, H, W]` (torch's `nn.BatchNorm2d`): statistics per channel over N, H and W;
 * the same parameters, buffers, options and state-dict keys as {@link BatchNorm1d}, so `updateBn` and
 * `AveragedModel` treat it alike.
 *
 * @example
 * const bn = new BatchNorm2d(6); // numFeatures C, options as BatchNorm1d
 */
export class BatchNorm2d extends BatchNorm1d {
  override forward(input: Input): Variable {
    const v = Variable.from(input);
    if (v.ndim !== 4) throw new ValueError(`expected 4D input (got ${v.ndim}D input)`);
    const [n, c, h, w] = v.shape as [number, number, number, number];
    return reshape(super.forward(reshape(v, [n, c, h * w])), [n, c, h, w]);
  }
}
