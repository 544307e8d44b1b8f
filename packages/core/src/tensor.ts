import type { Backend } from './backend.js';
import { defaultBackend } from './default-backend.js';
import { RuntimeError, ValueError } from './errors.js';
import {
  type NestedArray,
  type Shape,
  checkShape,
  flattenInto,
  inferShape,
  shapeSize,
  unflatten,
} from './shape.js';
import { tensorMarker } from './tensor-marker.js';

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
   * On the CPU backend the view points into a WebAssembly memory that grows as tensors are allocated: take
   * `data` afresh after allocating, and do not keep it after the tensor is disposed or dropped.
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
    return unflatten(this.data, this.shape);
  }

  /** The only value of a one-element tensor, synchronously. */
  item(): number {
    if (this.size !== 1) {
      throw new RuntimeError(`a Tensor with ${this.size} elements cannot be converted to Scalar`);
    }
    return this.data[0]!;
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
    if (src.backend !== this.backend) this.backend.write(this, src.data);
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
    else backend.write(t, this.data);
    return t;
  }

  /** A new zero tensor with this shape and backend. */
  zerosLike(): Tensor {
    return zeros(this.shape, { backend: this.backend });
  }

  /** Frees the storage. Using the tensor afterwards throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.release(this.storage);
  }

  protected assertLive(): void {
    if (this.disposed) throw new RuntimeError('this tensor has been disposed');
  }
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
