import type { ElementwiseKernel, ReductionKernel } from './kernel/define.js';
import type { MatmulArgs, PermuteArgs, RowsArgs } from './kernel/linalg.js';
import type { Shape } from './shape.js';

/**
 * What a backend sees of a tensor: its shape, its size, its owner and the storage handle the backend may replace.
 * `Tensor` is one; backends and kernel planning depend on this view only, so they never import the tensor module
 * (which imports the default backend).
 */
export interface TensorHandle {
  readonly shape: Shape;
  readonly size: number;
  readonly backend: Backend;
  readonly isDisposed: boolean;
  storage: unknown;
}

type Tensor = TensorHandle;

/** Elementwise run over selected rows of the leading dimension (sparse updates such as SparseAdam). */
export interface RowSelection {
  /** Rows of the full-size tensors to visit, in order. */
  readonly indices: Int32Array;
  /** Elements per row (the product of the trailing dimensions). */
  readonly rowSize: number;
  /** Names of tensors stored compactly as `[indices.length, rowSize]` (the sparse values); all others are full. */
  readonly compact: readonly string[];
}

/** Arguments of {@link Backend.run}. */
export interface RunArgs {
  /** Every input and output of the kernel, by name. Inputs may broadcast against the first output. */
  readonly tensors: Readonly<Record<string, Tensor>>;
  /** Every scalar of the kernel, by name. */
  readonly scalars?: Readonly<Record<string, number>>;
  /** Visit only these rows (full tensors) / all rows (compact tensors). */
  readonly rows?: RowSelection;
}

/** Arguments of {@link Backend.reduce}. */
export interface ReduceArgs {
  /** Every input of the reduction, by name; all of the same shape (size-1 inputs broadcast). */
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly scalars?: Readonly<Record<string, number>>;
  /** Receives the result: one element per kept position (its size must be the product of the kept dims). */
  readonly out: Tensor;
  /** Dimensions to reduce over (negative counts from the end); all when omitted. */
  readonly axes?: readonly number[];
}

/** What a backend holds, for users chasing a leak (see `memoryStats()`). */
export interface MemoryStats {
  /** Bytes of tensor storage allocated and not yet released. */
  readonly liveBytes: number;
  /** Storage blocks (tensors' storages) allocated and not yet released. */
  readonly liveBlocks: number;
  /** Bytes the backend has reserved for storage (the CPU backend: the WebAssembly memory, which never shrinks). */
  readonly capacity: number;
}

/**
 * Where tensors live and how kernels run on them.
 *
 * A backend owns storage (an opaque handle per tensor), compiles each kernel definition once in its own way,
 * and executes it in one pass over memory. Work may be queued: `run` and `reduce` return at once on an
 * asynchronous backend, and errors surface at the next `read()` or `flush()`. Nothing is read back to the
 * host unless asked for.
 */
export interface Backend {
  /** A short name: 'cpu', 'gpujs-headlessgl'... */
  readonly name: string;
  /** True when `readSync` is available (the CPU backend); false on backends whose reads are asynchronous. */
  readonly syncRead: boolean;
  /**
   * True when `readSync` returns the storage itself, so that writing into the returned array changes the
   * tensor (the CPU backend). Host code that fills tensors in place checks this, and otherwise uploads with
   * `write`.
   */
  readonly liveReadSync?: boolean;
  /** Zero-filled storage for `size` float32 elements. */
  allocate(size: number): unknown;
  /** Frees storage; the handle must not be used again. */
  release(storage: unknown): void;
  /** Copies host data into the tensor's storage (an upload on a device). */
  write(tensor: Tensor, data: ArrayLike<number>): void;
  /**
   * The tensor's values, synchronously. On the CPU backend this is the live storage, not a copy. `transient`
   * tells the backend the caller drops the array before anything else runs (`item()`, `toArray()`).
   */
  readSync(tensor: Tensor, transient?: boolean): Float32Array;
  /** A copy of the tensor's values once all queued work that writes it has finished. */
  read(tensor: Tensor): Promise<Float32Array>;
  /** `dst ← src` (same size). */
  copy(dst: Tensor, src: Tensor): void;
  /** Every element of `dst` ← `value`. */
  fill(dst: Tensor, value: number): void;
  /** Runs an elementwise kernel: one pass, every output written. */
  run(kernel: ElementwiseKernel, args: RunArgs): void;
  /** Runs a reduction into `args.out`. */
  reduce(kernel: ReductionKernel, args: ReduceArgs): void;
  /**
   * A float32 matrix product, `out[m×n] = op(a)·op(b) (+ bias) (+ out)`, with either operand read transposed
   * in place (see {@link MatmulArgs}; `planMatmul` checks a call and resolves m, n, k). Results differ from
   * an exact product by float32 rounding only; the order of the sums is the backend's.
   *
   * @example
   * // y[batch, out] = x[batch, in] · W[out, in]ᵀ + b
   * backend.matmul({ a: x, b: w, transB: true, bias: b, out: y });
   */
  matmul(args: MatmulArgs): void;
  /** `out` ← `src` with its dimensions reordered (see {@link PermuteArgs}). */
  permute(args: PermuteArgs): void;
  /** `out[r] = src[indices[r]]` over rows of the leading dimension (see {@link RowsArgs}). */
  gatherRows(args: RowsArgs): void;
  /** `out[indices[r]] += src[r]` over rows of the leading dimension; repeated rows add up. */
  scatterAddRows(args: RowsArgs): void;
  /** Resolves when every queued operation has finished; rejects with the first error of queued work. */
  flush(): Promise<void>;
  /** Live storage and reserved bytes (optional; `memoryStats()` reports zeros for a backend without it). */
  memoryStats?(): MemoryStats;
}
