import type { Backend } from './backend.js';
import { defaultBackend } from './default-backend.js';
import { RuntimeError, ValueError } from './errors.js';
import { formatTensor } from './repr.js';
import { type NestedArray, type Shape, checkShape, flattenInto, inferShape, shapeSize, unflatten } from './shape.js';
import { tensorMarker } from './tensor-marker.js';
/** Node's `util.inspect.custom` (a registered symbol: no import of `node:util`, so browsers are fine). */
const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * The key `using` declarations call: `Symbol.dispose` where the runtime has it, else the key that compilers
 * lowering `using` fall back to (`Symbol.for('Symbol.dispose')`, as esbuild and tsx do on runtimes without it).
 */
export const disposeSymbol: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

/** Storage of a tensor that handed its storage to another (see {@link Tensor.surrenderStorage}). */
const SURRENDERED = Object.freeze({ arena: null, ptr: -1, released: true, live: false, size: 0, length: 0 });

/** Data a tensor can be made from. */
export type TensorData = NestedArray | Float32Array | Float64Array | readonly number[];

/** Where a new tensor lives and what shape it has. */
export interface TensorOptions {
  /** Defaults to the CPU backend. */
  readonly backend?: Backend;
  /** Required for flat data of a shape other than 1-d; inferred from nested arrays. */
  readonly shape?: Shape;
}

/**
 * A float32 tensor: a shape and storage owned by a backend.
 *
 * Values are read with `await t.read()` on every backend, or synchronously with `t.data` / `t.toArray()` on
 * the CPU backend (where `t.data` is the live storage: writes to it change the tensor).
 */
export class Tensor {
  private readonly [tensorMarker] = true;
  readonly shape: Shape;
  readonly size: number;
  readonly backend: Backend;
  /** The backend's handle. Backends may replace it (a GPU backend swaps textures after a kernel). */
  storage: unknown;
  private disposed = false;
  /** Why the tensor can no longer be used, when something other than `dispose()` released it. */
  private releasedBy: string | null = null;

  /** Wraps storage the backend already allocated. Use {@link tensor} or {@link zeros} to make tensors. */
  constructor(backend: Backend, shape: Shape, storage: unknown) {
    checkShape(shape);
    this.backend = backend;
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this.storage = storage;
  }

  /** True for a tensor from any installed copy of @tsoptim/core. */
  static isTensor(x: unknown): x is Tensor {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[tensorMarker] === true;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * The values, synchronously (CPU backend: the live storage). Throws on an asynchronous backend.
   *
   * On the CPU backend the view points into the backend's WebAssembly memory. Where that memory is shared
   * (Node; cross-origin isolated pages) the view stays valid while the memory grows, so it may be kept and
   * written for as long as the tensor lives. Where it is not, the backend refuses to grow once a view has been
   * handed out (a loud error, never a silently emptied view). Do not keep the view after the tensor is
   * disposed: its block is reused.
   */
  get data(): Float32Array {
    this.assertLive();
    if (!this.backend.syncRead) {
      throw new RuntimeError(`tensors on the ${this.backend.name} backend are read with 'await tensor.read()'`);
    }
    return this.backend.readSync(this);
  }

  /** A copy of the values once queued work has finished. */
  read(): Promise<Float32Array> {
    this.assertLive();
    return this.backend.read(this);
  }

  /** The values as nested arrays (a number for a 0-d tensor), synchronously. */
  toArray(): NestedArray {
    return unflatten(this.values(), this.shape);
  }

  /** The only value of a one-element tensor, synchronously. */
  item(): number {
    if (this.size !== 1) {
      throw new RuntimeError(`a Tensor with ${this.size} elements cannot be converted to Scalar`);
    }
    return this.values()[0]!;
  }

  /** The values for a read that keeps no view (see {@link Backend.readSync}). */
  private values(): Float32Array {
    this.assertLive();
    if (!this.backend.syncRead) {
      throw new RuntimeError(`tensors on the ${this.backend.name} backend are read with 'await tensor.read()'`);
    }
    return this.backend.readSync(this, true);
  }

  /** Nested arrays, so that `JSON.stringify` writes tensors as torch's `tolist()` does. */
  toJSON(): NestedArray {
    return this.toArray();
  }

  /** Overwrites the values from host data (same number of elements). */
  assign(data: TensorData): this {
    this.assertLive();
    const flat = toFlat(data, this.shape);
    this.backend.write(this, flat);
    return this;
  }

  /** `this ← src`; both the same size and on the same backend. */
  copy_(src: Tensor): this {
    this.assertLive();
    if (src.size !== this.size) {
      throw new ValueError(`cannot copy a tensor of shape [${src.shape}] into one of shape [${this.shape}]`);
    }
    if (src.backend !== this.backend) this.backend.write(this, src.values());
    else this.backend.copy(this, src);
    return this;
  }

  /** Sets every element to `value`. */
  fill_(value: number): this {
    this.assertLive();
    this.backend.fill(this, value);
    return this;
  }

  /** A new tensor with the same values, on the same backend (or another). */
  clone(backend: Backend = this.backend): Tensor {
    const t = zeros(this.shape, { backend });
    if (backend === this.backend) backend.copy(t, this);
    else backend.write(t, this.values());
    return t;
  }

  /** A new zero tensor with this shape and backend. */
  zerosLike(): Tensor {
    return zeros(this.shape, { backend: this.backend });
  }

  /** Frees the storage. Using the tensor afterwards throws. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.release(this.storage);
  }

  /**
   * {@link Tensor.dispose}, with the reason later uses report (an owner that releases on a schedule, such as
   * nn's graph release, explains which rule applied).
   * @internal
   */
  disposeBecause(reason: string): void {
    if (this.disposed) return;
    this.releasedBy = reason;
    this.dispose();
  }

  /**
   * torch's repr: `tensor([[1., 2.],\n        [3., 4.]])`, `tensor([0.1000, 0.2000])`; tensors of more than
   * 1000 elements are summarised with `...` and their size. Values are shown where they can be read
   * synchronously (the CPU backend); otherwise the shape and the backend.
   */
  toString(): string {
    return this.format([]);
  }

  /** What `console.log(tensor)` and `util.inspect` print: {@link toString}. */
  [inspectCustom](): string {
    return this.toString();
  }

  protected format(tail: string[]): string {
    if (this.backend.name !== 'cpu') tail.unshift(`backend='${this.backend.name}'`);
    const note = this.disposed ? 'disposed' : 'await tensor.read()';
    return formatTensor(this.disposed || !this.backend.syncRead ? null : this.backend.readSync(this), this.shape, note, tail);
  }

  /** The same as {@link Tensor.dispose}, for `using` declarations: `using x = tensor(batch);`. */
  declare [Symbol.dispose]: () => void;

  /**
   * Hands this tensor's storage to its new owner (a parameter reusing a gradient buffer) and makes this
   * tensor unusable: every later use throws a {@link RuntimeError} with `reason`, so no one reads or writes
   * storage that now holds other values. Returns the storage.
   * @internal
   */
  surrenderStorage(reason: string): unknown {
    this.assertLive();
    const s = this.storage;
    this.disposed = true;
    this.releasedBy = reason;
    this.storage = SURRENDERED;
    return s;
  }

  protected assertLive(): void {
    if (this.disposed) throw new RuntimeError(this.releasedBy ?? 'this tensor has been disposed');
  }
}

Object.defineProperty(Tensor.prototype, disposeSymbol, {
  value: function dispose(this: Tensor): void {
    this.dispose();
  },
  writable: true,
  configurable: true,
});

/**
 * Host data as flat float32 values for `shape` (checked). A Float32Array of the right length is returned as is.
 * @internal
 */
export function flatValues(data: TensorData, shape: Shape): Float32Array {
  return toFlat(data, shape);
}

function toFlat(data: TensorData, shape: Shape): Float32Array {
  const n = shapeSize(shape);
  if (typeof data === 'number') {
    if (n !== 1) throw new ValueError(`expected ${n} values for shape [${shape}], got 1`);
    return Float32Array.of(data);
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    if (data.length !== n) throw new ValueError(`expected ${n} values for shape [${shape}], got ${data.length}`);
    return data instanceof Float32Array ? data : Float32Array.from(data);
  }
  const out = new Float32Array(n);
  const inferred = inferShape(data as NestedArray);
  if (inferred.length === shape.length) {
    flattenInto(data as NestedArray, shape, out);
    return out;
  }
  const flat = (data as unknown as { flat(depth: number): number[] }).flat(Number.POSITIVE_INFINITY);
  if (flat.length !== n) throw new ValueError(`expected ${n} values for shape [${shape}], got ${flat.length}`);
  out.set(flat);
  return out;
}

/** Makes a tensor from nested arrays, a flat array or a typed array (copied). */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  const backend = options.backend ?? defaultBackend();
  let shape: Shape;
  if (options.shape !== undefined) shape = options.shape;
  else if (typeof data === 'number') shape = [];
  else if (data instanceof Float32Array || data instanceof Float64Array) shape = [data.length];
  else shape = inferShape(data as NestedArray);
  checkShape(shape);
  const flat = toFlat(data, shape);
  const t = new Tensor(backend, shape, backend.allocate(shapeSize(shape)));
  backend.write(t, flat);
  return t;
}

/** A zero tensor of the given shape. */
export function zeros(shape: Shape, options: Omit<TensorOptions, 'shape'> = {}): Tensor {
  checkShape(shape);
  const backend = options.backend ?? defaultBackend();
  return new Tensor(backend, shape, backend.allocate(shapeSize(shape)));
}

/** A tensor of the given shape filled with `value`. */
export function full(shape: Shape, value: number, options: Omit<TensorOptions, 'shape'> = {}): Tensor {
  const t = zeros(shape, options);
  if (value !== 0) t.fill_(value);
  return t;
}
