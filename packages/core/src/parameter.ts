import type { Backend } from './backend.js';
import { TypeError_, ValueError } from './errors.js';
import { shapeSize } from './shape.js';
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

  /** torch's repr: `Parameter containing:\ntensor([1., 2.], requires_grad=True)`. */
  override toString(): string {
    return `Parameter containing:\n${this.format([`requires_grad=${this.requiresGrad ? 'True' : 'False'}`])}`;
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

/**
 * Makes a parameter from data or from a tensor (its values copied, its shape kept; on the tensor's backend
 * unless `init.backend` says otherwise).
 *
 * @throws ValueError when `init.shape` does not hold the data's number of elements.
 * @example
 * const w = parameter(randn([128, 784]), { name: 'fc1.weight' });
 */
export function parameter(data: TensorData | Tensor, init: ParameterInit = {}): Parameter {
  if (Tensor.isTensor(data)) {
    const shape = init.shape ?? data.shape;
    if (shapeSize(shape) !== data.size) throw new ValueError(`shape [${shape}] does not hold the tensor's ${data.size} elements`);
    const backend = init.backend ?? data.backend;
    const copy = data.clone(backend);
    const t = shape === data.shape ? copy : new Tensor(backend, shape, copy.storage);
    return new Parameter(t, init);
  }
  const opts: { backend?: Backend; shape?: readonly number[] } = {};
  if (init.backend !== undefined) opts.backend = init.backend;
  if (init.shape !== undefined) opts.shape = init.shape;
  return new Parameter(tensor(data, opts), init);
}
