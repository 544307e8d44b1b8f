import * as tf from '@tensorflow/tfjs-core';
import {
  type Backend,
  type ElementwiseKernel,
  type Expr,
  type MatmulArgs,
  Parameter,
  type ParameterInit,
  type PermuteArgs,
  type ReduceArgs,
  type ReductionKernel,
  type RowsArgs,
  type RunArgs,
  RuntimeError,
  Tensor,
  type TensorHandle,
  TypeError_,
  ValueError,
  planMatmul,
  planPermute,
  planReduce,
  planRows,
  evalHost,
  planRun,
  shapeSize,
} from '@tsoptim/core';
import { type SplitTfBody, splitUniform } from './internal/expr-eval.js';
import { evalChain, shapedAs } from './internal/op-chain.js';
import { type FusedPrograms, emitFused, fusableWebGL, runFused } from './internal/webgl-fused.js';
import { TfjsStorage } from './internal/storage.js';

/** Options of {@link TfjsBackend}. */
export interface TfjsBackendOptions {
  /**
   * Allow `tensor.data` / `readSync` (a copy read with `dataSync()`). Default true: tfjs's cpu and wasm backends
   * read synchronously at no cost, and WebGL stalls until the GPU is done. Set false on WebGPU, or to make sure
   * code written for a device never stalls on a hidden read-back.
   */
  readonly syncRead?: boolean;
  /**
   * On tfjs's webgl backend (WebGL 2), run each kernel output as one fused WebGL program (tfjs's custom GPGPU
   * programs) instead of a chain of tfjs ops. Default true; elsewhere, and for sparse row runs, op chains.
   */
  readonly fused?: boolean;
}

/** How many kernel runs took each path (see {@link TfjsBackend.kernelRuns}). */
export interface TfjsKernelRuns {
  /** Runs as one fused WebGL program per output. */
  readonly fused: number;
  /** Runs as a chain of tfjs ops. */
  readonly chained: number;
}

/** What a {@link TfjsBackend} holds. */
export interface TfjsMemoryInfo {
  /** tsoptim tensors on this backend not yet disposed. */
  readonly tensors: number;
  /** Of those, the ones whose storage is a model's `tf.Variable` (lent, not owned). */
  readonly variables: number;
}

interface CompiledReduction {
  readonly body: SplitTfBody;
  readonly finalize: SplitTfBody | null;
}

const IDENTITY = { sum: 0, max: Number.NEGATIVE_INFINITY, min: Number.POSITIVE_INFINITY } as const;

/**
 * A tsoptim {@link Backend} over TensorFlow.js tensors, on whatever tfjs backend is active (cpu, wasm, webgl,
 * webgpu). A parameter made with {@link TfjsBackend.wrapVariable} *is* the model's `tf.Variable` (updated with
 * `assign`, never copied); optimizer state is tfjs tensors. Every core kernel runs as a chain of tfjs ops
 * inside `tf.tidy`, from the same expression tree the CPU backend compiles; uniform parts (bias corrections,
 * `1 − β₂`) are evaluated on the host in float64. Every tensor the backend keeps is `tf.keep`-ed, so a step may
 * run inside a tfjs training loop's `tidy` scope, and every replaced tensor is disposed at once:
 * `tf.memory().numTensors` stays flat.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * const backend = new TfjsBackend();
 * const v = tf.variable(tf.tensor1d([1, 2, 3]), true, 'w');
 * const p = backend.wrapVariable(v);      // no copy: p's storage is v
 * const opt = new Adam([p], { lr: 0.1 });
 * p.setGrad([0.5, -1, 2]);
 * opt.step();                             // v now holds the updated values
 */
export class TfjsBackend implements Backend {
  readonly syncRead: boolean;
  readonly liveReadSync = false;
  /** Whether kernels run as fused WebGL programs where the active tfjs backend allows it. */
  readonly fused: boolean;
  private readonly runCounts = { fused: 0, chained: 0 };
  private readonly fusedPrograms = new Map<string, FusedPrograms>();
  private readonly compiled = new Map<string, SplitTfBody>();
  private readonly compiledReductions = new Map<string, CompiledReduction>();
  private readonly storages = new Set<TfjsStorage>();

  constructor(options: TfjsBackendOptions = {}) {
    this.syncRead = options.syncRead ?? true;
    this.fused = options.fused ?? true;
  }

  /** How many elementwise runs took the fused WebGL path and how many the op-chain path. */
  get kernelRuns(): TfjsKernelRuns {
    return { ...this.runCounts };
  }

  /** `tfjs-<active tfjs backend>` ('tfjs-cpu', 'tfjs-wasm', 'tfjs-webgl'). */
  get name(): string {
    return `tfjs-${tf.getBackend()}`;
  }

  // ---------------------------------------------------------------------------------------------- storage

  allocate(size: number): TfjsStorage {
    return this.track(new TfjsStorage(size, tf.keep(tf.zeros([size], 'float32')), 'own'));
  }

  /** Frees the storage (its own tensor; a lent variable or tensor is left to its owner). Idempotent. */
  release(storage: unknown): void {
    const s = storage as TfjsStorage;
    if (s.released) return;
    s.released = true;
    this.storages.delete(s);
    if (s.kind === 'own') s.value?.dispose();
    s.value = null;
  }

  /**
   * Copies host data into the tensor (a variable is assigned; an own tensor replaced).
   * @throws {ValueError} when `data` has the wrong length.
   * @throws {RuntimeError} when the tensor is a lent read-only tensor (a gradient).
   */
  write(tensor: TensorHandle, data: ArrayLike<number>): void {
    const s = this.storageOf(tensor);
    if (data.length !== s.size) throw new ValueError(`expected ${s.size} values, got ${data.length}`);
    const host = data instanceof Float32Array ? data.slice() : Float32Array.from(data);
    this.commit(s, tf.tensor1d(host, 'float32'));
  }

  /** A copy of the values, with `dataSync()`. Only with `syncRead`. */
  readSync(tensor: TensorHandle): Float32Array {
    const s = this.storageOf(tensor);
    if (!this.syncRead) throw new RuntimeError(`tensors on the ${this.name} backend are read with 'await tensor.read()'`);
    return Float32Array.from(s.value!.dataSync() as Float32Array);
  }

  async read(tensor: TensorHandle): Promise<Float32Array> {
    const s = this.storageOf(tensor);
    return Float32Array.from((await s.value!.data()) as Float32Array);
  }

  /** `dst ← src` (a variable is assigned; an own tensor shares the source's data through tfjs's refcount). */
  copy(dst: TensorHandle, src: TensorHandle): void {
    const d = this.storageOf(dst);
    const s = this.storageOf(src);
    if (d.size !== s.size) throw new ValueError(`cannot copy ${s.size} elements into ${d.size}`);
    if (d === s) return;
    this.commit(d, tf.reshape(s.value!, [s.size]));
  }

  fill(dst: TensorHandle, value: number): void {
    const d = this.storageOf(dst);
    this.commit(d, tf.fill([d.size], value, 'float32'));
  }

  async flush(): Promise<void> {}

  // ---------------------------------------------------------------------------------------------- tfjs interop

  /**
   * A tsoptim {@link Parameter} whose storage is the given `tf.Variable`: optimizer steps `assign` to it, so the
   * model sees every update and nothing is copied. Disposing the parameter leaves the variable alone.
   * @throws {TypeError_} when it is not a `tf.Variable`.
   * @throws {ValueError} when the variable is not float32.
   */
  wrapVariable(variable: tf.Variable, init: Omit<ParameterInit, 'backend' | 'shape'> = {}): Parameter {
    if (typeof (variable as Partial<tf.Variable> | null)?.assign !== 'function') throw new TypeError_('expected a tf.Variable');
    if (variable.dtype !== 'float32') throw new ValueError(`variable ${variable.name} is ${variable.dtype}; only float32 is trained`);
    const s = this.track(new TfjsStorage(variable.size, variable, 'variable'));
    return new Parameter(new Tensor(this, variable.shape, s), { name: variable.name, ...init });
  }

  /**
   * A read-only tsoptim tensor over a tfjs tensor (no copy), such as a gradient; call {@link TfjsBackend.lend}
   * to point it at the next one. The backend never writes or disposes a lent tensor.
   */
  lendTensor(value: tf.Tensor | null, shape: readonly number[] = value?.shape ?? []): Tensor {
    return new Tensor(this, shape, this.track(new TfjsStorage(shapeSize(shape), value, 'borrowed')));
  }

  /** Points a tensor made by {@link TfjsBackend.lendTensor} at another tfjs tensor of the same size. */
  lend(tensor: Tensor, value: tf.Tensor | null): void {
    if (tensor.backend !== this) throw new ValueError(`the tensor is on the ${tensor.backend.name} backend, not ${this.name}`);
    const s = tensor.storage as TfjsStorage;
    if (s.kind !== 'borrowed') throw new RuntimeError('only a lent tensor can be re-pointed');
    if (value !== null && value.size !== s.size) throw new ValueError(`cannot lend ${value.size} elements to a tensor of ${s.size}`);
    s.value = value;
  }

  /** The tfjs tensor behind a tsoptim tensor on this backend (the variable itself for a wrapped variable). */
  tfTensorOf(tensor: Tensor): tf.Tensor {
    return this.storageOf(tensor).value!;
  }

  /** Live tsoptim tensors on this backend (compare `tf.memory()` for tfjs's own count). */
  memory(): TfjsMemoryInfo {
    let variables = 0;
    for (const s of this.storages) if (s.kind === 'variable') variables++;
    return { tensors: this.storages.size, variables };
  }

  // ---------------------------------------------------------------------------------------------- kernels

  /**
   * Runs an elementwise kernel as one chain of tfjs ops in `tf.tidy`; all outputs are computed before any is
   * written, so outputs may alias inputs.
   * @throws {ValueError} as core's `planRun`.
   * @throws {RuntimeError} when an output is a lent read-only tensor.
   */
  run(kernel: ElementwiseKernel, args: RunArgs): void {
    const plan = planRun(kernel, args);
    if (plan.n === 0) return;
    const storages = plan.tensors.map((t) => this.storageOf(t));
    const outSlots = kernel.outputs.map((o) => plan.names.indexOf(o));
    for (const slot of outSlots) {
      if (storages[slot]!.kind === 'borrowed') {
        throw new RuntimeError(`kernel ${kernel.name}: output '${plan.names[slot]}' is a read-only tensor lent by tfjs`);
      }
    }
    const body = this.split(kernel);
    const scalarOf = (name: string): number => plan.scalars[kernel.scalars.indexOf(name)]!;
    const hoisted = body.hoisted.map((e) => evalHost(e, scalarOf));
    const rows = args.rows;
    const rowIdx = rows ? tf.tensor1d(rows.indices, 'int32') : null;
    const gl = this.fused && !rows ? fusableWebGL() : null;
    let programs: FusedPrograms | null = null;
    if (gl !== null) {
      const key = `${kernel.id}|${plan.modes.join(',')}`;
      programs = this.fusedPrograms.get(key) ?? null;
      if (programs === null) {
        const scalarInputs = new Set(plan.names.filter((_, i) => plan.modes[i] === 'scalar'));
        programs = emitFused(body.roots, scalarInputs);
        this.fusedPrograms.set(key, programs);
      }
      this.runCounts.fused++;
    } else {
      this.runCounts.chained++;
    }
    const results = tf.tidy(() => {
      const iterShape = rows ? [rows.indices.length, rows.rowSize] : plan.modes.includes('broadcast') ? [...plan.outShape] : [plan.n];
      const bound = new Map<string, tf.Tensor>();
      const leaf = (name: string): tf.Tensor => {
        let x = bound.get(name);
        if (x !== undefined) return x;
        const i = plan.names.indexOf(name);
        const v = storages[i]!.value!;
        const mode = plan.modes[i];
        if (mode === 'scalar') x = tf.reshape(v, []);
        else if (mode === 'broadcast') x = tf.reshape(v, plan.tensors[i]!.shape as number[]);
        else if (mode === 'compact') x = tf.reshape(v, iterShape);
        else if (rows) x = tf.gather(tf.reshape(v, [-1, rows.rowSize]), rowIdx!);
        else x = tf.reshape(v, iterShape);
        bound.set(name, x);
        return x;
      };
      const values =
        programs !== null
          ? body.roots.map((root, j) =>
              programs.inputs[j]!.length === 0
                ? evalChain([root], leaf, hoisted)[0]!
                : runFused(gl!, programs, j, iterShape, leaf, hoisted),
            )
          : evalChain(body.roots, leaf, hoisted);
      return values.map((x, j) => {
        const full = shapedAs(x, iterShape);
        const slot = outSlots[j]!;
        if (rows && plan.modes[slot] === 'full') {
          const target = tf.reshape(storages[slot]!.value!, [-1, rows.rowSize]);
          const updated = tf.tensorScatterUpdate(target, tf.reshape(rowIdx!, [-1, 1]), full);
          return tf.reshape(updated, [storages[slot]!.size]);
        }
        // A fresh tensor even when the body is an input itself (`out = x`): the old value is disposed below.
        return tf.clone(tf.reshape(full, [storages[slot]!.size]));
      });
    });
    rowIdx?.dispose();
    results.forEach((r, j) => this.commit(storages[outSlots[j]!]!, r));
  }

  /**
   * Runs a reduction as tfjs ops: the per-element term, `tf.sum` / `tf.max` / `tf.min` over the axes, then the
   * finaliser.
   * @throws {ValueError} as core's `planReduce`.
   */
  reduce(kernel: ReductionKernel, args: ReduceArgs): void {
    const plan = planReduce(kernel, args);
    const out = this.storageOf(args.out);
    if (plan.outSize === 0) return;
    const compiled = this.splitReduction(kernel);
    const scalarOf = (name: string): number => plan.scalars[kernel.scalars.indexOf(name)]!;
    if (plan.count === 0) {
      const acc = IDENTITY[kernel.combine];
      const value = kernel.finalize ? evalHost(kernel.finalize, scalarOf, (n) => (n === 'acc' ? acc : 0)) : acc;
      this.fill(args.out, value);
      return;
    }
    const rank = plan.inShape.length;
    const axes = (args.axes ?? plan.inShape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
    const hoistedBody = compiled.body.hoisted.map((e) => evalHost(e, scalarOf));
    const storages = plan.tensors.map((t) => this.storageOf(t));
    const result = tf.tidy(() => {
      const leaf = (name: string): tf.Tensor => {
        const i = kernel.inputs.indexOf(name);
        const v = storages[i]!.value!;
        return plan.modes[i] === 'scalar' ? tf.reshape(v, []) : tf.reshape(v, plan.inShape as number[]);
      };
      const term = shapedAs(evalChain(compiled.body.roots, leaf, hoistedBody)[0]!, plan.inShape);
      const combined = kernel.combine === 'sum' ? tf.sum(term, axes) : kernel.combine === 'max' ? tf.max(term, axes) : tf.min(term, axes);
      let r = combined;
      if (compiled.finalize) {
        const hoistedFin = compiled.finalize.hoisted.map((e) => evalHost(e, scalarOf, (n) => (n === 'count' ? plan.count : Number.NaN)));
        r = shapedAs(evalChain(compiled.finalize.roots, () => combined, hoistedFin)[0]!, combined.shape);
      }
      return tf.clone(tf.reshape(r, [plan.outSize]));
    });
    this.commit(out, result);
  }

  // ---------------------------------------------------------------------------------------------- matrices and rows

  /**
   * `out = op(a)·op(b) (+ bias) (+ out)` as `tf.matMul` with `transposeA` / `transposeB` (no transpose is
   * materialised), in `tf.tidy`.
   * @throws {ValueError} as core's `planMatmul`.
   * @throws {RuntimeError} when `out` is a lent read-only tensor.
   */
  matmul(args: MatmulArgs): void {
    const plan = planMatmul(args);
    const { m, n, k } = plan;
    const out = this.writable(plan.out, 'matmul');
    if (m * n === 0) return;
    const a = this.storageOf(plan.a);
    const b = this.storageOf(plan.b);
    const bias = plan.bias === null ? null : this.storageOf(plan.bias);
    const result = tf.tidy(() => {
      // k = 0: the product is zeros (tfjs's kernels are not asked for an empty contraction).
      let y =
        k === 0
          ? tf.zeros([m, n], 'float32')
          : tf.matMul(
              tf.reshape(a.value!, plan.transA ? [k, m] : [m, k]),
              tf.reshape(b.value!, plan.transB ? [n, k] : [k, n]),
              plan.transA,
              plan.transB,
            );
      if (bias !== null) y = tf.add(y, tf.reshape(bias.value!, [1, n]));
      if (plan.accumulate) y = tf.add(y, tf.reshape(out.value!, [m, n]));
      return tf.clone(tf.reshape(y, [m * n]));
    });
    this.commit(out, result);
  }

  /**
   * `out` ← `src` with its dimensions reordered, as `tf.transpose`.
   * @throws {ValueError} as core's `planPermute`.
   * @throws {RuntimeError} when `out` is a lent read-only tensor.
   */
  permute(args: PermuteArgs): void {
    const plan = planPermute(args);
    const out = this.writable(plan.out, 'permute');
    if (plan.out.size === 0) return;
    const src = this.storageOf(plan.src);
    const shape = plan.src.shape as number[];
    const result = tf.tidy(() => {
      const x = tf.reshape(src.value!, shape);
      const y = shape.length < 2 ? x : tf.transpose(x, [...args.perm]);
      return tf.clone(tf.reshape(y, [plan.out.size]));
    });
    this.commit(out, result);
  }

  /**
   * `out[r] = src[indices[r]]` as `tf.gather`; an index of -1 reads a row of zeros appended to the source.
   * @throws {ValueError} as core's `planRows`.
   * @throws {RuntimeError} when `out` is a lent read-only tensor.
   */
  gatherRows(args: RowsArgs): void {
    const plan = planRows(args, false);
    const out = this.writable(plan.out, 'gatherRows');
    if (plan.out.size === 0) return;
    const { rows, rowSize } = plan;
    const src = this.storageOf(plan.src);
    // Row `rows` is the zero row: -1 (and, with `trusted`, any index out of range) reads it.
    const { idx, outside } = rowTable(plan.indices, rows);
    const result = tf.tidy(() => {
      const full = tf.reshape(src.value!, [rows, rowSize]);
      const table = outside
        ? rows === 0
          ? tf.zeros([1, rowSize], 'float32')
          : tf.concat([full, tf.zeros([1, rowSize], 'float32')], 0)
        : full;
      return tf.clone(tf.reshape(tf.gather(table, tf.tensor1d(idx, 'int32')), [plan.out.size]));
    });
    this.commit(out, result);
  }

  /**
   * `out[indices[r]] += src[r]` as `tf.scatterND` (which sums repeated indices) into one spare row that takes
   * the -1 rows and is then dropped.
   * @throws {ValueError} as core's `planRows`.
   * @throws {RuntimeError} when `out` is a lent read-only tensor.
   */
  scatterAddRows(args: RowsArgs): void {
    const plan = planRows(args, true);
    const out = this.writable(plan.out, 'scatterAddRows');
    if (plan.out.size === 0 || plan.indices.length === 0) return;
    const { rows, rowSize } = plan;
    const src = this.storageOf(plan.src);
    const { idx, outside } = rowTable(plan.indices, rows);
    const result = tf.tidy(() => {
      const updates = tf.reshape(src.value!, [idx.length, rowSize]);
      const spread = tf.scatterND(tf.tensor2d(idx, [idx.length, 1], 'int32'), updates, [outside ? rows + 1 : rows, rowSize]);
      const added = outside ? tf.slice(spread, [0, 0], [rows, rowSize]) : spread;
      return tf.add(tf.reshape(out.value!, [plan.out.size]), tf.reshape(added, [plan.out.size]));
    });
    this.commit(out, result);
  }

  // ---------------------------------------------------------------------------------------------- internals

  private split(kernel: ElementwiseKernel): SplitTfBody {
    let s = this.compiled.get(kernel.id);
    if (s === undefined) {
      s = splitUniform(kernel.outputs.map((o) => kernel.body[o] as Expr));
      this.compiled.set(kernel.id, s);
    }
    return s;
  }

  private splitReduction(kernel: ReductionKernel): CompiledReduction {
    let s = this.compiledReductions.get(kernel.id);
    if (s === undefined) {
      // In the finaliser, `count` is a host number; `acc` is the only per-element input.
      s = { body: splitUniform([kernel.body]), finalize: kernel.finalize ? splitUniform([kernel.finalize], ['count']) : null };
      this.compiledReductions.set(kernel.id, s);
    }
    return s;
  }

  private track(s: TfjsStorage): TfjsStorage {
    this.storages.add(s);
    return s;
  }

  /** Makes `value` (a flat tensor of the storage's size) the storage's content; the storage takes ownership. */
  private commit(s: TfjsStorage, value: tf.Tensor): void {
    if (s.kind === 'borrowed') {
      value.dispose();
      throw new RuntimeError('a tensor lent by tfjs is read-only');
    }
    if (s.kind === 'variable') {
      const v = s.value as tf.Variable;
      const shaped = tf.reshape(value, v.shape);
      v.assign(shaped);
      shaped.dispose();
      value.dispose();
      return;
    }
    const old = s.value;
    s.value = tf.keep(value);
    if (old !== value) old?.dispose();
  }

  /** The storage of an output; a lent read-only tensor is refused before anything is computed. */
  private writable(t: TensorHandle, op: string): TfjsStorage {
    const s = this.storageOf(t);
    if (s.kind === 'borrowed') throw new RuntimeError(`${op}: 'out' is a read-only tensor lent by tfjs`);
    return s;
  }

  private storageOf(t: TensorHandle): TfjsStorage {
    if (t.backend !== this) throw new ValueError(`the tensor is on the ${t.backend.name} backend, not ${this.name}`);
    const s = t.storage as TfjsStorage;
    if (s.released || s.value === null) throw new RuntimeError('this tensor has been disposed');
    return s;
  }
}

/**
 * Row indices for tfjs's gather and scatter: -1, and any index outside `[0, rows)` (only possible with
 * `trusted`), becomes `rows`, the spare zero row; `outside` tells whether any did.
 */
function rowTable(indices: Int32Array, rows: number): { idx: Int32Array; outside: boolean } {
  let outside = false;
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    if (i < 0 || i >= rows) {
      outside = true;
      break;
    }
  }
  if (!outside) return { idx: indices, outside };
  const idx = new Int32Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    idx[r] = i < 0 || i >= rows ? rows : i;
  }
  return { idx, outside };
}
