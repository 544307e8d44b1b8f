import {
  type Backend,
  type ElementwiseKernel,
  type MatmulArgs,
  type MatmulPlan,
  type PermuteArgs,
  type RowsArgs,
  type MemoryStats,
  type ReduceArgs,
  type ReductionKernel,
  type RunArgs,
  RuntimeError,
  type TensorHandle as Tensor,
  ValueError,
  planMatmul,
  planPermute,
  planReduce,
  planRows,
  planRun,
  evalHost,
} from '@tsoptim/core';
import type { GpuJsMode } from './gpujs-mode.js';
import { type ArgSource, MAX_INDEXED_ELEMENTS, type Program, elementwisePrograms, reductionPasses } from './internal/codegen.js';
import { type DeviceValue, type GpuJsInstance, type GpuJsKernel, isDeviceHandle } from './internal/gpujs-types.js';
import { gatherSource, permuteSource, scatterAddSource, scatterTable } from './internal/linalg-codegen.js';
import { type MatmulTile, chooseMatmulTile, matmulSource, tiledMatmulSources } from './internal/matmul-codegen.js';
import { GpuJsStorage } from './internal/storage.js';

/** Options of {@link createGpuJsBackend}. */
export interface GpuJsBackendOptions {
  /** The gpu.js mode; see {@link GpuJsMode}. Required: the backend never picks one (or falls back) silently. */
  readonly mode: GpuJsMode;
  /**
   * Compute every output of a kernel in one pass with gpu.js's `createKernelMap`. Default: true where the mode
   * supports it (headlessgl, cpu, and WebGL with `WEBGL_draw_buffers`); gpu.js's webgpu mode does not, and
   * there (or with `false`) each output gets its own kernel, all reading the values from before the run.
   */
  readonly kernelMap?: boolean;
  /**
   * Run through the asynchronous path: every gpu.js call returns a Promise, work is queued, and errors surface
   * at the next `read()` or `flush()`. Always on in webgpu mode; available in the other modes (gpu.js's
   * `asyncMode`), which is how the asynchronous path is tested without WebGPU.
   */
  readonly asyncMode?: boolean;
  /**
   * Allow `tensor.data` / `readSync`, which then return a copy read back from the device (writing to it does
   * not change the tensor, unlike the CPU backend). Only in synchronous modes. Default: false, so that code
   * written for the device reads with `await tensor.read()` and never stalls on a hidden read-back.
   */
  readonly syncRead?: boolean;
  /** gpu.js's `optimizeFloatMemory`: four float32 values per RGBA texel (GL modes), a quarter of the memory. Default false. */
  readonly optimizeFloatMemory?: boolean;
  /** Passed to gpu.js: a canvas or WebGL context to use (browsers). */
  readonly canvas?: unknown;
  readonly context?: unknown;
}

/** What a {@link GpuJsBackend} holds on the device. */
export interface GpuJsMemoryInfo {
  /** Tensors allocated and not yet disposed. */
  readonly tensors: number;
  /** Device values (textures, buffers) held by those tensors. */
  readonly buffers: number;
  /** Bytes of those device values (GL: texels × 16, RGBA float32). */
  readonly bytes: number;
  /** Compiled gpu.js kernels (each keeps its own output texture). */
  readonly kernels: number;
  /**
   * GL modes: live textures on the WebGL context (every `createTexture` minus every `deleteTexture`, the
   * tensors' and gpu.js's own: kernel outputs, argument uploads); null in other modes.
   */
  readonly textures: number | null;
}

type MaybePromise<T> = T | Promise<T>;

function isPromise<T>(x: MaybePromise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown } | null)?.then === 'function';
}

function then<T, R>(x: MaybePromise<T>, f: (v: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(x) ? x.then(f) : f(x);
}

interface Compiled {
  readonly program: Program;
  readonly fn: GpuJsKernel;
}

interface ResolvedOptions {
  readonly mode: GpuJsMode;
  readonly kernelMap: boolean;
  readonly asyncMode: boolean;
  readonly syncRead: boolean;
  readonly optimizeFloatMemory: boolean;
}

const noop = (): void => {};
const counted = Symbol('tsoptim.textureCount');

/**
 * A tsoptim {@link Backend} on gpu.js: tensors live on the device (GL textures, WebGPU buffers), and every
 * elementwise kernel and reduction defined in core compiles to gpu.js kernels from the same expression tree.
 *
 * Kernels never write in place: each run produces new device values (gpu.js `pipeline` + `immutable`), the
 * tensors' storage handles are pointed at them and the replaced values are deleted at once. Nothing is read
 * back unless asked for (`await tensor.read()`); host data crosses to the device only through `write`
 * (`tensor.assign`, `tensor(...)`, a gradient set from host data).
 *
 * Make one with {@link createGpuJsBackend}; free it with `await backend.destroy()`.
 *
 * @example
 * const gpu = await createGpuJsBackend({ mode: 'headlessgl' });
 * const p = parameter([1, 2, 3], { backend: gpu });
 * const opt = new Adam([p], { lr: 0.1 });
 * p.setGrad([0.5, -1, 2]); // uploads the gradient
 * opt.step();              // one fused kernel on the device
 * console.log(await p.read(), gpu.memory());
 * await gpu.destroy();
 */
export class GpuJsBackend implements Backend {
  readonly name: string;
  readonly syncRead: boolean;
  /** The gpu.js mode every kernel runs in (checked after every call). */
  readonly mode: GpuJsMode;
  /** True when a kernel's outputs are computed in one pass (`createKernelMap`). */
  readonly kernelMap: boolean;
  /** True when work is queued and every gpu.js call returns a Promise. */
  readonly isAsync: boolean;

  private readonly gpu: GpuJsInstance;
  private readonly kernelClass: Function;
  private readonly optimizeFloatMemory: boolean;
  private readonly kernels = new Map<string, GpuJsKernel>();
  private readonly runs = new Map<string, Compiled[]>();
  private readonly reductions = new Map<string, Compiled[]>();
  private readonly storages = new Set<GpuJsStorage>();
  private buffers = new Map<DeviceValue, number>();
  private tail: Promise<void> = Promise.resolve();
  private pending: unknown = null;
  private hasPending = false;
  private destroyed = false;
  private submitted = 0;
  /** GL modes: the context's texture count, once the first kernel has made the context. */
  private glTextures: { live: number } | null;

  /** @internal Use {@link createGpuJsBackend}. */
  constructor(gpu: GpuJsInstance, kernelClass: Function, options: ResolvedOptions) {
    this.gpu = gpu;
    this.kernelClass = kernelClass;
    this.mode = options.mode;
    this.kernelMap = options.kernelMap;
    this.isAsync = options.asyncMode;
    this.syncRead = options.syncRead;
    this.optimizeFloatMemory = options.optimizeFloatMemory;
    this.glTextures = options.mode === 'headlessgl' || options.mode === 'webgl' || options.mode === 'webgl2' ? { live: 0 } : null;
    this.name = `gpujs-${options.mode}${options.asyncMode && options.mode !== 'webgpu' ? '-async' : ''}`;
  }

  // ---------------------------------------------------------------------------------------------- storage

  /** Zero-filled device storage for `size` float32 elements (a zero-element tensor holds no texture). */
  allocate(size: number): GpuJsStorage {
    this.assertUsable();
    const s = new GpuJsStorage(size);
    this.storages.add(s);
    if (size > 0) {
      this.submit(() => then(this.invoke(this.fillKernel(size), [0]), (v) => this.commit([[s, v[0]!]])));
    }
    return s;
  }

  /** Frees the storage's device value (after queued work that uses it). Idempotent. */
  release(storage: unknown): void {
    const s = storage as GpuJsStorage;
    if (s.released) return;
    s.released = true;
    this.storages.delete(s);
    if (this.destroyed) return;
    this.submit(() => {
      if (s.value !== null) this.drop(s.value);
      s.value = null;
    });
  }

  /**
   * Uploads host data into the tensor (a new texture replaces the old one).
   * @throws {ValueError} when `data` has the wrong length.
   */
  write(tensor: Tensor, data: ArrayLike<number>): void {
    const s = this.storageOf(tensor);
    if (data.length !== s.size) throw new ValueError(`expected ${s.size} values, got ${data.length}`);
    if (s.size === 0) return;
    // A queued upload must not see later changes to the caller's array.
    const host = this.isAsync || !(data instanceof Float32Array) ? Float32Array.from(data) : data;
    this.submit(() => then(this.invoke(this.uploadKernel(s.size), [host]), (v) => this.commit([[s, v[0]!]])));
  }

  /**
   * A copy of the tensor's values, read back now. Only with `syncRead: true`.
   * @throws {RuntimeError} when the backend was created without `syncRead`.
   */
  readSync(tensor: Tensor): Float32Array {
    const s = this.storageOf(tensor);
    if (!this.syncRead) {
      throw new RuntimeError(`tensors on the ${this.name} backend are read with 'await tensor.read()'`);
    }
    return this.readValue(s) as Float32Array;
  }

  /**
   * A copy of the tensor's values once queued work has finished. On the asynchronous path, rejects with the
   * first error of queued work (once).
   */
  read(tensor: Tensor): Promise<Float32Array> {
    const s = this.storageOf(tensor);
    if (!this.isAsync) {
      try {
        return Promise.resolve(this.readValue(s));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const p = this.tail.then(() => {
      this.throwPending();
      return this.readValue(s);
    });
    this.tail = p.then(noop, noop);
    return p;
  }

  /** `dst ← src`: shares the source's texture (reference-counted; no kernel runs). */
  copy(dst: Tensor, src: Tensor): void {
    const d = this.storageOf(dst);
    const s = this.storageOf(src);
    if (d.size !== s.size) throw new ValueError(`cannot copy ${s.size} elements into ${d.size}`);
    if (d === s || d.size === 0) return;
    this.submit(() => this.commit([[d, this.cloneValue(s.value!)]]));
  }

  /** Every element of `dst` ← `value`. */
  fill(dst: Tensor, value: number): void {
    const d = this.storageOf(dst);
    if (d.size === 0) return;
    this.submit(() => then(this.invoke(this.fillKernel(d.size), [value]), (v) => this.commit([[d, v[0]!]])));
  }

  // ---------------------------------------------------------------------------------------------- kernels

  /**
   * Runs an elementwise kernel: one gpu.js kernel map (or one kernel per output) over the tensors' textures;
   * the outputs' handles then point at the new textures and the old ones are deleted.
   * @throws {ValueError} as core's `planRun`, or when a sparse run selects a row twice.
   * @throws {RuntimeError} when gpu.js ran the kernel on another kernel class than the mode's, or an indexed
   *   tensor exceeds 2^24 elements.
   */
  run(kernel: ElementwiseKernel, args: RunArgs): void {
    this.assertUsable();
    const plan = planRun(kernel, args);
    if (plan.n === 0) return;
    const rows = args.rows;
    const needsIndex = rows !== undefined || plan.modes.includes('broadcast');
    if (needsIndex) {
      for (const t of plan.tensors) this.checkIndexable(t.size, kernel.name);
      this.checkIndexable(plan.n, kernel.name);
    }
    const storages = plan.tensors.map((t) => this.storageOf(t));
    const key = `${kernel.id}|${plan.signature}|${plan.outShape.join('x')}|${plan.strides.map((s) => s?.join(',') ?? '').join(';')}|${plan.tensors.map((t) => t.size).join(',')}|${rows?.rowSize ?? 0}`;
    let compiled = this.runs.get(key);
    if (compiled === undefined) {
      compiled = elementwisePrograms(kernel, plan, rows ? rows.rowSize : null, this.kernelMap).map((program) => ({
        program,
        fn: this.compile(program.source, program.subKernels, program.size),
      }));
      this.runs.set(key, compiled);
    }
    // Sparse runs: row tables, built and checked now (the caller may reuse its index array).
    let rowIndex: Float32Array | null = null;
    const rowPositions = new Map<number, Float32Array>();
    if (rows) {
      rowIndex = Float32Array.from(rows.indices);
      for (const c of compiled) {
        if (!c.program.args.some((a) => a.kind === 'rowPosition') || rowPositions.has(c.program.size)) continue;
        const pos = new Float32Array(c.program.size / rows.rowSize).fill(-1);
        rows.indices.forEach((r, k) => {
          if (pos[r] !== -1) {
            throw new ValueError(
              `kernel ${kernel.name}: row ${r} is selected twice; coalesce the sparse rows first (the gpu.js backend updates rows in parallel)`,
            );
          }
          pos[r] = k;
        });
        rowPositions.set(c.program.size, pos);
      }
      if (rows.indices.length === 0) return;
    }
    const scalars = [...plan.scalars];
    const scalarOf = (name: string): number => scalars[kernel.scalars.indexOf(name)]!;
    const list = compiled;
    this.submit(() => {
      const argOf = (a: ArgSource, size: number): unknown => {
        switch (a.kind) {
          case 'tensor':
          case 'old':
            return storages[a.slot]!.value;
          case 'scalar':
            return scalars[a.index];
          case 'hoisted':
            return evalHost(a.expr, scalarOf);
          case 'rowIndex':
            return rowIndex;
          case 'rowPosition':
            return rowPositions.get(size);
        }
      };
      const produced: [GpuJsStorage, DeviceValue][] = [];
      const step = (p: number): MaybePromise<void> => {
        if (p === list.length) {
          this.commit(produced);
          return;
        }
        const { program, fn } = list[p]!;
        const res = this.invoke(
          fn,
          program.args.map((a) => argOf(a, program.size)),
          program.outputs.length,
        );
        return then(res, (values) => {
          program.outputs.forEach((slot, j) => produced.push([storages[slot]!, values[j]!]));
          return step(p + 1);
        });
      };
      return this.guard(produced, step);
    });
  }

  /**
   * Runs a reduction as a sequence of gpu.js passes (blocks of 128, compensated sums) into `args.out`.
   * @throws {ValueError} as core's `planReduce`.
   */
  reduce(kernel: ReductionKernel, args: ReduceArgs): void {
    this.assertUsable();
    const plan = planReduce(kernel, args);
    for (const t of plan.tensors) this.checkIndexable(t.size, kernel.name);
    const out = this.storageOf(args.out);
    const storages = plan.tensors.map((t) => this.storageOf(t));
    const scalars = [...plan.scalars];
    if (plan.outSize === 0) return;
    if (plan.count === 0) {
      // Nothing to combine: the identity, finalised on the host.
      const value = emptyReduction(kernel, scalars);
      this.fill(args.out, value);
      return;
    }
    const reduced = plan.all ? plan.inShape.map((_, d) => d) : axesOf(args.axes ?? [], plan.inShape.length);
    const key = `${kernel.id}|${plan.signature}|${plan.inShape.join('x')}|${reduced.join(',')}|${plan.modes.join(',')}`;
    let passes = this.reductions.get(key);
    if (passes === undefined) {
      passes = reductionPasses(kernel, {
        inShape: plan.inShape,
        axes: reduced,
        outSize: plan.outSize,
        count: plan.count,
        modes: plan.modes,
      }).map((program) => ({
        program: { source: program.source, subKernels: {}, outputs: [0], args: program.args, size: program.size },
        fn: this.compile(program.source, {}, program.size),
      }));
      this.reductions.set(key, passes);
    }
    const list = passes;
    const scalarOf = (name: string): number => scalars[kernel.scalars.indexOf(name)]!;
    this.submit(() => {
      const temps: DeviceValue[] = [];
      const step = (p: number, prev: DeviceValue | null): MaybePromise<void> => {
        const { program, fn } = list[p]!;
        const argv = program.args.map((a) => {
          switch (a.kind) {
            case 'tensor':
              return p === 0 ? storages[a.slot]!.value : prev;
            case 'scalar':
              return scalars[a.index];
            case 'hoisted':
              return evalHost(a.expr, scalarOf);
            default:
              throw new RuntimeError(`reduction ${kernel.name}: unexpected argument ${a.kind}`);
          }
        });
        return then(this.invoke(fn, argv, 1), (values) => {
          const v = values[0]!;
          if (p === list.length - 1) {
            for (const t of temps.splice(0)) this.drop(t);
            this.commit([[out, v]]);
            return;
          }
          temps.push(v);
          return step(p + 1, v);
        });
      };
      try {
        const r = step(0, null);
        if (isPromise(r)) {
          return r.catch((e) => {
            for (const t of temps.splice(0)) this.drop(t);
            throw e;
          });
        }
        return r;
      } catch (e) {
        for (const t of temps.splice(0)) this.drop(t);
        throw e;
      }
    });
  }

  // ------------------------------------------------------------------------------------ matrices and rows

  /**
   * `out = op(a)·op(b) (+ bias) (+ out)`, transposed operands read in place; kernels compiled once per shape.
   * Products of at least 2^17 multiply-adds with m and n at least one tile are tiled (GL and cpu modes): each thread computes a
   * 4×4 register tile of outputs (2×2 without kernel maps), and a second pass lays the tiles out flat and adds
   * bias and the old output. Smaller products, and every product in webgpu mode, run one thread per output
   * element (a dot product unrolled by 4). See `internal/matmul-codegen.ts`.
   * @throws {ValueError} as core's `planMatmul`.
   * @throws {RuntimeError} when an operand exceeds 2^24 elements.
   */
  matmul(args: MatmulArgs): void {
    this.assertUsable();
    const plan = planMatmul(args);
    const { m, n, k } = plan;
    if (m * n === 0) return;
    if (k === 0 && plan.bias === null) {
      if (!plan.accumulate) this.fill(plan.out, 0);
      return;
    }
    for (const t of [plan.a, plan.b, plan.out]) this.checkIndexable(t.size, 'matmul');
    const storages: Record<string, GpuJsStorage | null> = {
      a: this.storageOf(plan.a),
      b: this.storageOf(plan.b),
      bias: plan.bias && this.storageOf(plan.bias),
      out: this.storageOf(plan.out),
    };
    const out = storages['out']!;
    // gpu.js's webgpu mode is not covered by this package's tests for vec4 results: it keeps one thread per output.
    const tile = this.mode === 'webgpu' ? null : chooseMatmulTile(plan, this.kernelMap);
    if (tile !== null) {
      this.tiledMatmul(plan, tile, storages);
      return;
    }
    const { source, args: names } = matmulSource(plan);
    const fn = this.helper(`matmul|${m * n}|${source}`, source, m * n);
    this.submit(() =>
      then(
        this.invoke(
          fn,
          names.map((nm) => storages[nm]!.value),
        ),
        (v) => this.commit([[out, v[0]!]]),
      ),
    );
  }

  /** The tiled product: the tiles (`vec4` results, freed here), then the pass that lays them out flat. */
  private tiledMatmul(plan: MatmulPlan, tile: MatmulTile, storages: Record<string, GpuJsStorage | null>): void {
    const { product, unpack } = tiledMatmulSources(plan, tile);
    const size = plan.m * plan.n;
    // Array(4) results are not memory-optimised (gpu.js packs only Number results); the unpack pass is.
    const productFn = this.helper(`matmulTile|${product.size}|${product.source}`, product.source, product.size, product.subKernels, {
      returnType: 'Array(4)',
      optimizeFloatMemory: false,
    });
    const unpackFn = this.helper(`matmulUnpack|${size}|${unpack.source}`, unpack.source, size);
    const out = storages['out']!;
    this.submit(() =>
      then(this.call(productFn, [storages['a']!.value, storages['b']!.value], tile.groups), (packed) => {
        const free = (): void => {
          for (const t of packed.splice(0)) deleteValue(t);
        };
        const argv = unpack.args.map((nm) => (nm.startsWith('t') ? packed[Number(nm.slice(1))] : storages[nm]!.value));
        try {
          const r = then(this.invoke(unpackFn, argv), (v) => {
            free();
            this.commit([[out, v[0]!]]);
          });
          return isPromise(r)
            ? r.catch((e: unknown) => {
                free();
                throw e;
              })
            : r;
        } catch (e) {
          free();
          throw e;
        }
      }),
    );
  }

  /** `out` ← `src` with dimensions reordered: one gpu.js kernel per shape. @throws {ValueError} as `planPermute`. */
  permute(args: PermuteArgs): void {
    this.assertUsable();
    const plan = planPermute(args);
    if (plan.out.size === 0) return;
    this.checkIndexable(plan.src.size, 'permute');
    const source = permuteSource(plan);
    const fn = this.helper(`permute|${source}`, source, plan.out.size);
    const src = this.storageOf(plan.src);
    const out = this.storageOf(plan.out);
    this.submit(() => then(this.invoke(fn, [src.value]), (v) => this.commit([[out, v[0]!]])));
  }

  /** `out[r] = src[indices[r]]` (zeros for -1). @throws {ValueError} as `planRows`. */
  gatherRows(args: RowsArgs): void {
    this.assertUsable();
    const plan = planRows(args, false);
    if (plan.out.size === 0) return;
    this.checkIndexable(plan.src.size, 'gatherRows');
    const source = gatherSource(plan.rowSize);
    const fn = this.helper(`gather|${plan.out.size}|${plan.src.size}|${source}`, source, plan.out.size);
    const src = this.storageOf(plan.src);
    const out = this.storageOf(plan.out);
    const idx = Float32Array.from(plan.indices);
    this.submit(() => then(this.invoke(fn, [src.value, idx]), (v) => this.commit([[out, v[0]!]])));
  }

  /**
   * `out[indices[r]] += src[r]`, repeated rows adding up: the rows are grouped by destination on the host, then
   * one thread per output element sums its group. @throws {ValueError} as `planRows`.
   */
  scatterAddRows(args: RowsArgs): void {
    this.assertUsable();
    const plan = planRows(args, true);
    if (plan.out.size === 0 || plan.indices.length === 0) return;
    this.checkIndexable(plan.out.size, 'scatterAddRows');
    this.checkIndexable(plan.src.size, 'scatterAddRows');
    const { start, list, maxCount } = scatterTable(plan.indices, plan.rows);
    const source = scatterAddSource(plan.rowSize, maxCount);
    const fn = this.helper(`scatter|${plan.out.size}|${plan.src.size}|${list.length}|${source}`, source, plan.out.size);
    const src = this.storageOf(plan.src);
    const out = this.storageOf(plan.out);
    this.submit(() => then(this.invoke(fn, [out.value, src.value, start, list]), (v) => this.commit([[out, v[0]!]])));
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  /**
   * Resolves when every queued operation has finished; rejects with the first error of queued work (then
   * forgets it). In webgpu mode also waits for the device queue (`onSubmittedWorkDone`).
   */
  async flush(): Promise<void> {
    await this.tail;
    await this.drainDevice();
    this.throwPending();
  }

  /**
   * Frees every device value and compiled kernel, and the gpu.js context. Awaits queued work first. Tensors of
   * this backend cannot be used afterwards. Idempotent.
   */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    let error: unknown = null;
    try {
      await this.flush();
    } catch (e) {
      error = e;
    }
    this.destroyed = true;
    for (const s of this.storages) {
      s.value = null;
      s.released = true;
    }
    this.storages.clear();
    for (const v of this.buffers.keys()) if (isDeviceHandle(v)) v.delete();
    this.buffers.clear();
    this.runs.clear();
    this.reductions.clear();
    this.kernels.clear();
    await this.gpu.destroy();
    if (error !== null) throw error;
  }

  /** Device memory held by this backend (see {@link GpuJsMemoryInfo}). */
  /**
   * The backend-neutral counters of core's `memoryStats()`: `liveBlocks` are the tensors' storages,
   * `liveBytes` and `capacity` the bytes of the device values they hold (there is no arena to grow).
   */
  memoryStats(): MemoryStats {
    const m = this.memory();
    return { liveBlocks: m.tensors, liveBytes: m.bytes, capacity: m.bytes };
  }

  memory(): GpuJsMemoryInfo {
    let bytes = 0;
    for (const b of this.buffers.values()) bytes += b;
    const textures = this.glTextures === null ? null : this.glTextures.live;
    return { tensors: this.storages.size, buffers: this.buffers.size, bytes, kernels: this.allKernels().length, textures };
  }

  /** The gpu.js kernel classes that executed this backend's kernels (one entry, the mode's class, unless broken). */
  kernelClasses(): string[] {
    return [...new Set(this.allKernels().map((fn) => fn.kernel.constructor.name))];
  }

  // ---------------------------------------------------------------------------------------------- internals

  private allKernels(): GpuJsKernel[] {
    const all = [...this.kernels.values()];
    for (const list of [...this.runs.values(), ...this.reductions.values()]) for (const c of list) all.push(c.fn);
    return [...new Set(all)];
  }

  private assertUsable(): void {
    if (this.destroyed) throw new RuntimeError(`the ${this.name} backend has been destroyed`);
  }

  private storageOf(t: Tensor): GpuJsStorage {
    this.assertUsable();
    const s = t.storage as GpuJsStorage;
    if (t.backend !== this || !(s instanceof GpuJsStorage)) throw new ValueError(`the tensor is not on the ${this.name} backend`);
    if (s.released) throw new RuntimeError('this tensor has been disposed');
    return s;
  }

  private checkIndexable(size: number, name: string): void {
    if (size > MAX_INDEXED_ELEMENTS) {
      throw new RuntimeError(
        `kernel ${name}: ${size} elements exceed the ${MAX_INDEXED_ELEMENTS} the gpu.js backend can index in broadcast, sparse and reduction kernels`,
      );
    }
  }

  /** Runs `op` now (synchronous modes) or after everything queued before it (asynchronous modes). */
  private submit(op: () => MaybePromise<void>): void {
    this.assertUsable();
    if (!this.isAsync) {
      const r = op();
      if (isPromise(r)) throw new RuntimeError('a synchronous gpu.js mode returned a Promise');
      return;
    }
    this.tail = this.tail
      .then(op)
      .catch((e: unknown) => {
        if (!this.hasPending) {
          this.hasPending = true;
          this.pending = e;
        }
      })
      .then(() => {
        // WebGPU: let the device retire work regularly, or its staging memory grows without bound.
        if (++this.submitted % 64 === 0) return this.drainDevice();
      });
  }

  private throwPending(): void {
    if (this.hasPending) {
      const e = this.pending;
      this.hasPending = false;
      this.pending = null;
      throw e;
    }
  }

  private async drainDevice(): Promise<void> {
    if (this.mode !== 'webgpu') return;
    for (const fn of this.allKernels()) {
      const ctx = fn.kernel.context as { device?: { queue?: { onSubmittedWorkDone?: () => Promise<void> } } } | undefined;
      const done = ctx?.device?.queue?.onSubmittedWorkDone;
      if (done) {
        await done.call(ctx!.device!.queue);
        return;
      }
    }
  }

  /** Runs `step(0)`; on failure deletes what it produced, so the tensors keep their values. */
  private guard(produced: [GpuJsStorage, DeviceValue][], step: (p: number) => MaybePromise<void>): MaybePromise<void> {
    const undo = (e: unknown): never => {
      for (const [, v] of produced.splice(0)) this.drop(v);
      throw e;
    };
    try {
      const r = step(0);
      return isPromise(r) ? r.catch(undo) : r;
    } catch (e) {
      return undo(e);
    }
  }

  /** Points each storage at its new value and deletes the values replaced. */
  private commit(produced: readonly (readonly [GpuJsStorage, DeviceValue])[]): void {
    const replaced: DeviceValue[] = [];
    for (const [s, v] of produced) {
      if (s.released) {
        replaced.push(v);
        continue;
      }
      if (s.value !== null) replaced.push(s.value);
      s.value = v;
    }
    const live = new Set(produced.map(([s]) => s.value));
    for (const v of replaced) if (!live.has(v)) this.drop(v);
  }

  private track(v: DeviceValue): DeviceValue {
    let bytes: number;
    if (!isDeviceHandle(v)) bytes = v.byteLength;
    else if (v.size !== undefined) bytes = (v.size[0] ?? 0) * (v.size[1] ?? 1) * 16;
    else bytes = v.buffer?.size ?? 0;
    this.buffers.set(v, bytes);
    return v;
  }

  private drop(v: DeviceValue): void {
    if (!this.buffers.delete(v)) return;
    if (isDeviceHandle(v)) v.delete();
  }

  private cloneValue(v: DeviceValue): DeviceValue {
    return this.track(isDeviceHandle(v) ? v.clone() : v.slice());
  }

  private readValue(s: GpuJsStorage): MaybePromise<Float32Array> {
    if (s.size === 0) return new Float32Array(0);
    const v = s.value;
    if (v === null) throw new RuntimeError('this tensor has been disposed');
    if (!isDeviceHandle(v)) return v.slice();
    return then(v.toArray(), (a) => {
      const out = new Float32Array(s.size);
      out.set(a.length === s.size ? a : Array.prototype.slice.call(a, 0, s.size));
      return out;
    });
  }

  /** Calls a gpu.js kernel; checks that the mode's kernel class ran it; returns its outputs in order (tracked). */
  private invoke(fn: GpuJsKernel, args: readonly unknown[], outputs = 1): MaybePromise<DeviceValue[]> {
    return then(this.call(fn, args, outputs), (values) => values.map((v) => this.track(v as DeviceValue)));
  }

  /** {@link invoke} for intermediate results the caller frees itself (not tracked: not a tensor's storage). */
  private call(fn: GpuJsKernel, args: readonly unknown[], outputs: number): MaybePromise<unknown[]> {
    const r = fn(...args) as MaybePromise<unknown>;
    return then(r, (res) => {
      const values: unknown[] =
        outputs === 1 && !isMapResult(res)
          ? [res]
          : [(res as Record<string, unknown>)['result'], ...range(1, outputs).map((j) => (res as Record<string, unknown>)[`o${j}`])];
      if (fn.kernel.constructor !== this.kernelClass) {
        for (const v of values) deleteValue(v);
        const reason = fn.kernel.fallbackReason ? `: ${fn.kernel.fallbackReason}` : '';
        throw new RuntimeError(
          `gpu.js ran a kernel with ${fn.kernel.constructor.name} instead of the ${this.mode} mode's kernel class${reason}`,
        );
      }
      return values;
    });
  }

  private compile(source: string, subKernels: Readonly<Record<string, string>>, size: number, extra: object = {}): GpuJsKernel {
    const settings = {
      output: [size],
      precision: 'single',
      tactic: 'precision',
      pipeline: true,
      immutable: true,
      optimizeFloatMemory: this.optimizeFloatMemory,
      ...(this.isAsync ? { asyncMode: true } : {}),
      ...extra,
    };
    const fn =
      Object.keys(subKernels).length === 0
        ? this.gpu.createKernel(source, settings)
        : this.gpu.createKernelMap({ ...subKernels }, source, settings);
    this.countTextures(fn.kernel.context);
    return fn;
  }

  /**
   * GL modes: counts textures on the shared context (wrapping its createTexture / deleteTexture once), so
   * that `memory().textures` sees every texture, including those gpu.js makes for itself.
   */
  private countTextures(context: unknown): void {
    const gl = context as { createTexture?: () => unknown; deleteTexture?: (t: unknown) => void; [counted]?: { live: number } } | null;
    if (this.glTextures === null || gl === null || typeof gl !== 'object' || typeof gl.createTexture !== 'function') return;
    const existing = gl[counted];
    if (existing !== undefined) {
      this.glTextures = existing;
      return;
    }
    const counter = this.glTextures;
    const create = gl.createTexture.bind(gl);
    const del = gl.deleteTexture!.bind(gl);
    gl.createTexture = () => {
      const t = create();
      if (t) counter.live++;
      return t;
    };
    gl.deleteTexture = (t: unknown) => {
      if (t) counter.live--;
      del(t);
    };
    gl[counted] = counter;
  }

  private fillKernel(size: number): GpuJsKernel {
    return this.helper(`fill|${size}`, 'function fill(v) { return v; }', size);
  }

  private uploadKernel(size: number): GpuJsKernel {
    return this.helper(`upload|${size}`, 'function upload(a) { return a[this.thread.x]; }', size);
  }

  private helper(
    key: string,
    source: string,
    size: number,
    subKernels: Readonly<Record<string, string>> = {},
    extra: object = {},
  ): GpuJsKernel {
    let fn = this.kernels.get(key);
    if (fn === undefined) {
      fn = this.compile(source, subKernels, size, extra);
      this.kernels.set(key, fn);
    }
    return fn;
  }
}

/** Frees a gpu.js result that is no tensor's storage (a texture or buffer; cpu mode's arrays need nothing). */
function deleteValue(v: unknown): void {
  const d = (v as { delete?: unknown } | null)?.delete;
  if (typeof d === 'function') d.call(v);
}

function isMapResult(res: unknown): boolean {
  return typeof res === 'object' && res !== null && !(res instanceof Float32Array) && 'result' in res;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

function axesOf(axes: readonly number[], rank: number): number[] {
  return [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/** The value of a reduction over no elements: the combine identity, finalised with count 0 (on the host). */
function emptyReduction(kernel: ReductionKernel, scalars: readonly number[]): number {
  const acc = kernel.combine === 'sum' ? 0 : kernel.combine === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (kernel.finalize === null) return acc;
  return evalHost(
    kernel.finalize,
    (name) => scalars[kernel.scalars.indexOf(name)]!,
    (name) => (name === 'acc' ? acc : 0),
  );
}
