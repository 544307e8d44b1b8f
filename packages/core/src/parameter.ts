import type { Backend } from './backend.js';
import { TypeError_ } from './errors.js';
import type { SparseTensor } from './sparse.js';
import { Tensor, type TensorData, tensor } from './tensor.js';

const parameterMarker = Symbol.for('@tsoptim/parameter');

/**
 * Per-parameter options (ALF's `opt_args`). Optimizers that support an option read it here first and fall
 * back to the parameter group's value.
 */
export interface ParameterOptions {
  /** Learning rate for this parameter alone. */
  lr?: number;
  /** Multiplies the group's learning rate. */
  lrScale?: number;
  weightDecay?: number;
  maxNorm?: number;
  fixedNorm?: boolean;
  zeroMean?: boolean;
  readonly [key: string]: unknown;
}

/** Options of {@link parameter}. */
export interface ParameterInit {
  readonly backend?: Backend;
  readonly shape?: readonly number[];
  readonly name?: string;
  readonly requiresGrad?: boolean;
  readonly options?: ParameterOptions;
}

/**
 * A tensor that is trained: it has a gradient (dense, sparse, or null), a `requiresGrad` flag, an optional
 * name and per-parameter options.
 */
export class Parameter extends Tensor {
  private readonly [parameterMarker] = true;
  /** The gradient: a tensor of the same shape, a sparse gradient (rows of the leading dim), or null. */
  grad: Tensor | SparseTensor | null = null;
  requiresGrad: boolean;
  name: string | undefined;
  options: ParameterOptions;

  constructor(t: Tensor, init: Omit<ParameterInit, 'backend' | 'shape'> = {}) {
    super(t.backend, t.shape, t.storage);
    this.requiresGrad = init.requiresGrad ?? true;
    this.name = init.name;
    this.options = { ...init.options };
  }

  /** True for a parameter from any installed copy of @tsoptim/core. */
  static isParameter(x: unknown): x is Parameter {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[parameterMarker] === true;
  }

  /** Sets the dense gradient from host data (a convenience for tests and hand-made gradients). */
  setGrad(data: TensorData | Tensor): this {
    if (Tensor.isTensor(data)) {
      if (data.size !== this.size) throw new TypeError_(`gradient of shape [${data.shape}] for a parameter of shape [${this.shape}]`);
      this.grad = data;
      return this;
    }
    if (this.grad === null || !Tensor.isTensor(this.grad)) {
      this.grad = tensor(data, { backend: this.backend, shape: this.shape });
    } else {
      this.grad.assign(data);
    }
    return this;
  }
}

/** Makes a parameter from data (copied). */
export function parameter(data: TensorData, init: ParameterInit = {}): Parameter {
  const opts: { backend?: Backend; shape?: readonly number[] } = {};
  if (init.backend !== undefined) opts.backend = init.backend;
  if (init.shape !== undefined) opts.shape = init.shape;
  return new Parameter(tensor(data, opts), init);
}
