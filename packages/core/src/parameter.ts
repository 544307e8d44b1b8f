import type { Backend } from './backend.js';
import { RuntimeError, TypeError_, ValueError } from './errors.js';
import { shapeSize } from './shape.js';
import type { SparseTensor } from './sparse.js';
import { Tensor, type TensorData, flatValues, tensor } from './tensor.js';

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

const RELEASED_GRAD =
  "this gradient was released when its parameter's gradient was cleared (zeroGrad()), and its storage now holds " +
  'a later gradient; take grad.clone() before zeroGrad() to keep its values';

/**
 * A tensor that is trained: it has a gradient (dense, sparse, or null), a `requiresGrad` flag, an optional
 * name and per-parameter options.
 *
 * **Gradient ownership.** A parameter owns the gradient it makes itself — by {@link Parameter.setGrad} or by
 * an autograd `backward()` (through {@link Parameter.gradBuffer}) — and writes later gradients into that
 * storage in place while the shape matches (torch accumulates into `.grad` the same way).
 * {@link Parameter.clearGrad} (what `optimizer.zeroGrad()` and `module.zeroGrad()` call) sets `grad` to null
 * and keeps the owned storage for the next gradient, so a training loop allocates no gradient memory after
 * its first step. The gradient tensor it let go of can no longer be used: reading or writing it throws
 * instead of seeing the next step's values (take `grad.clone()` first to keep them). A tensor assigned to
 * `grad` directly (`p.grad = t`, torch's aliasing) stays the caller's: the parameter never frees or reuses it.
 */
export class Parameter extends Tensor {
  private readonly [parameterMarker] = true;
  requiresGrad: boolean;
  name: string | undefined;
  options: ParameterOptions;
  private current: Tensor | SparseTensor | null = null;
  /** The gradient tensor this parameter allocated (current or not), or null. */
  private owned: Tensor | null = null;
  /** Storage of a released owned gradient, kept for the next one. */
  private spare: unknown = null;

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

  /**
   * The gradient: a tensor of the same shape, a sparse gradient (rows of the leading dim), or null.
   * Assigning a tensor makes it the gradient as is (the caller keeps owning it); assigning replaces without
   * freeing (use {@link Parameter.clearGrad} to release).
   */
  get grad(): Tensor | SparseTensor | null {
    return this.current;
  }

  set grad(g: Tensor | SparseTensor | null) {
    // An owned gradient replaced by a plain assignment passes to whoever still holds it (torch's reference
    // semantics: `saved = p.grad; p.grad = null; …; p.grad = saved` keeps `saved` intact).
    if (this.owned !== null && this.owned !== g) this.owned = null;
    this.current = g;
  }

  /**
   * Sets `grad` to null (torch's `zero_grad(set_to_none=True)` for one parameter). A gradient this parameter
   * owns keeps its storage for the next gradient: the released tensor throws on any later use. With
   * `{ free: true }`, the storage is freed instead.
   */
  clearGrad(options: { free?: boolean } = {}): void {
    const owned = this.owned;
    this.current = null;
    this.owned = null;
    if (owned === null || owned.isDisposed) return;
    if (options.free === true || (this.spare !== null && this.spare !== undefined)) {
      owned.dispose();
      return;
    }
    this.spare = owned.surrenderStorage(RELEASED_GRAD);
  }

  /**
   * A dense gradient tensor owned by this parameter, installed as `grad`, for a writer that fills every
   * element (an autograd engine). Reuses the storage of the last cleared gradient; its values are
   * unspecified until written. Throws when `grad` is not null.
   * @internal
   */
  gradBuffer(): Tensor {
    if (this.current !== null) throw new RuntimeError('gradBuffer(): the parameter already has a gradient');
    let storage = this.spare;
    this.spare = null;
    if (storage === null || storage === undefined) storage = this.backend.allocate(this.size);
    const g = new Tensor(this.backend, this.shape, storage);
    this.current = g;
    this.owned = g;
    return g;
  }

  /**
   * Sets the dense gradient from host data or a tensor (copied). An existing dense gradient of the same size
   * is overwritten in place; otherwise the parameter's own gradient storage is (re)used.
   * @throws {TypeError_} when the size does not match the parameter's.
   */
  setGrad(data: TensorData | Tensor): this {
    if (Tensor.isTensor(data)) {
      if (data.size !== this.size) throw new TypeError_(`gradient of shape [${data.shape}] for a parameter of shape [${this.shape}]`);
      if (data === this.current) return this;
      const target = this.denseTarget();
      if (target !== null) {
        target.copy_(data);
        return this;
      }
      this.grad = null; // a sparse or mismatched gradient is replaced (its holder keeps it)
      this.gradBuffer().copy_(data);
      return this;
    }
    const target = this.denseTarget();
    if (target !== null) {
      target.assign(data);
      return this;
    }
    const flat = flatValues(data, this.shape);
    this.grad = null;
    this.gradBuffer().assign(flat);
    return this;
  }

  /** Frees the parameter's values, its own gradient and any kept gradient storage. */
  override dispose(): void {
    if (this.isDisposed) return;
    this.clearGrad({ free: true });
    if (this.spare !== null && this.spare !== undefined) this.backend.release(this.spare);
    this.spare = null;
    super.dispose();
  }

  private denseTarget(): Tensor | null {
    const g = this.current;
    if (g === null || !Tensor.isTensor(g) || g.size !== this.size || g.isDisposed) return null;
    return g;
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
