import type { Backend, MemoryStats, ReduceArgs, RunArgs, TensorHandle as Tensor } from '../backend.js';
import type { ElementwiseKernel, ReductionKernel } from '../kernel/define.js';
import { type MatmulArgs, type PermuteArgs, type RowsArgs, planMatmul, planPermute, planRows } from '../kernel/linalg.js';
import { type RunPlan, planReduce, planRun } from '../kernel/plan.js';
import { WasmArena } from '../wasm/arena.js';
import { type SimdMode, compileSimd, simdAvailable } from '../wasm/compile-simd.js';
import type { ThreadPool } from '../wasm/thread-pool.js';
import { isNodeThreads, threadsUnavailableReason, workerThreads } from '../wasm/threads-env.js';
import { type ElementwiseLoop, type LoopExtra, type ReductionLoop, compileElementwise, compileReduction } from './compile-js.js';
import { CpuStorage } from './cpu-storage.js';
import { type CpuGemmFactory, CpuLinalg } from './linalg-cpu.js';

export { CpuStorage } from './cpu-storage.js';

/** Options of {@link CpuBackend}. */
export interface CpuBackendOptions {
  /**
   * Run elementwise kernels as WebAssembly SIMD (f32x4) code compiled from their definitions. Defaults to
   * true where the runtime supports WebAssembly SIMD, unless the environment variable `TSOPTIM_CPU_SIMD` is
   * `0` or `false`. With false, every kernel runs as a JavaScript loop (float64 arithmetic, float32 storage).
   */
  readonly simd?: boolean;
  /**
   * 1 (default) or 2: with 2, a helper thread (Node's worker_threads, or a Web Worker in a cross-origin-isolated
   * page, sharing the backend's memory) takes the second half of every kernel run over at least
   * {@link CpuBackendOptions.threadThreshold} elements. Where no helper can run (a page that is not
   * cross-origin isolated, no Web Workers, no `Atomics.waitAsync`) the backend runs on one thread, and outside
   * Node says why once on the console. The environment variable `TSOPTIM_CPU_THREADS=2` sets the default.
   * The thread pool is a module loaded on demand (a dynamic `import()`, so one-thread apps do not ship it) and
   * the helper starts asynchronously: `await backend.ready()` resolves once it runs; until then large runs use
   * one thread. Call {@link CpuBackend.dispose} to stop the thread.
   */
  readonly threads?: 1 | 2;
  /** Elements from which a run is split across two threads (default 262144: below that, waking the helper costs more than it saves). */
  readonly threadThreshold?: number;
  /**
   * Let `matmul` use relaxed SIMD's fused multiply-add (`f32x4.relaxed_madd`) where the runtime validates
   * it (default true, unless `TSOPTIM_CPU_FMA` is `0` or `false`). Without it each multiply and add rounds
   * separately; both are float32 products within rounding of the exact one.
   */
  readonly fma?: boolean;
  /**
   * The GEMM `matmul` runs for tensors in the backend's memory: `simdGemm` (the WebAssembly SIMD GEMM), or
   * none (default), in which case `matmul` runs the JavaScript product. A separate part so that programs
   * without matrix products do not ship it; nn gives it to the backend it computes on
   * (`enableSimdGemm`), and {@link CpuBackend.useGemm} gives it later.
   */
  readonly gemm?: CpuGemmFactory;
  /**
   * Keep tensors in a shared WebAssembly.Memory, so that a `tensor.data` view stays valid when the memory
   * grows. Default: true where shared memory is available (Node; a cross-origin isolated page). A non-shared
   * memory refuses to grow once views have been handed out, unless `detachViewsOnGrowth` is set.
   */
  readonly sharedMemory?: boolean;
  /** Initial size of the memory in bytes (default 1 MiB): reserve up front where the memory cannot be shared. */
  readonly initialMemoryBytes?: number;
  /** Largest size of the memory in bytes (default and at most 4 GiB, the wasm32 limit). */
  readonly maxMemoryBytes?: number;
  /**
   * Non-shared memory only: let the memory grow although growth detaches `tensor.data` views taken before
   * (they then read as empty and drop writes). Default false: such a growth throws a RuntimeError.
   */
  readonly detachViewsOnGrowth?: boolean;
}

/** True where a shared WebAssembly.Memory can be made (Node; browsers only in a cross-origin isolated page). */
export function sharedMemoryAvailable(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (typeof g.SharedArrayBuffer !== 'function' || g.crossOriginIsolated === false) return false;
  try {
    new WebAssembly.Memory({ initial: 0, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    return true;
  } catch {
    return false;
  }
}

/** Counters of the CPU backend's memory, for leak checks and tuning. */
export interface CpuMemoryStats extends MemoryStats {
  /** Size of the WebAssembly memory in bytes (0 when tensors live in plain Float32Arrays). It never shrinks. */
  readonly capacity: number;
  /** Number of free holes below the top of the memory (fragmentation). */
  readonly freeBlocks: number;
  /** True when the memory is shared (views stay valid across growth). */
  readonly shared: boolean;
}

function arr(t: Tensor): Float32Array {
  return (t.storage as CpuStorage).array;
}

function envFlag(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

let warnedOneThread = false;

/**
 * Outside Node, says once per page or worker why `threads: 2` runs on one thread (in Node, where threads
 * always work with SIMD, nothing is printed, as before).
 */
function warnOneThread(reason: string | null): void {
  if (warnedOneThread || isNodeThreads() || reason === null) return;
  warnedOneThread = true;
  globalThis.console?.warn(`@tsoptim/core: CpuBackend({ threads: 2 }) runs on one thread: ${reason}.`);
}

/** Called with the arguments of a run; false when it cannot take this call (the generic path then runs it). */
type FastRun = (args: RunArgs) => boolean;
/** A compiled variant: (n, storages..., scalars...) → false when it declines the call. */
type Exec = (...a: unknown[]) => boolean;

interface KernelEntry {
  fast: FastRun;
  readonly variants: (Exec | undefined)[];
  /** The compiled variant for a scalar mask (bit i: binding i is one element), or null without SIMD. */
  readonly variant: ((code: number) => Exec) | null;
}

/**
 * Shortest contiguous run a broadcast call is cut into for the SIMD variants (see `runBroadcastInRuns`): below
 * it the call into WebAssembly per run costs more than the JavaScript loop over the run.
 */
const MIN_SIMD_RUN = 64;

interface Block {
  readonly ptr: number;
  readonly bytes: number;
}

const EMPTY_EXTRA: LoopExtra = { dims: [], strides: [], rows: null, rowSize: 0, scratch: null, outStrides: [], count: 0 };

/**
 * The default backend: synchronous, tensors in one WebAssembly.Memory, elementwise kernels compiled from their
 * definitions to WebAssembly SIMD (f32x4) or, as a fallback, to JavaScript loops.
 *
 * **Paths.** Each elementwise kernel is compiled per way its tensors are bound. Runs where every tensor is
 * full-size or a one-element input take the SIMD path: one pass over memory, float32 arithmetic, 8 elements
 * per iteration. Broadcast inputs, row-selected runs (sparse updates), kernels that apply exp, log, tanh,
 * pow, cos or sin to tensor values, and tensors made from user-supplied `CpuStorage` run as JavaScript loops
 * (float64 arithmetic, float32 storage), as do reductions. Both paths give the same results within float32
 * rounding. `new CpuBackend({ simd: false })` or `TSOPTIM_CPU_SIMD=0` forces the JavaScript path.
 *
 * **Memory.** Tensor storage is allocated in the backend's WebAssembly.Memory (first fit with coalescing,
 * 16-byte aligned, large blocks staggered modulo 4 KiB) and freed by `tensor.dispose()` (or `using`), by its
 * owner (a parameter's gradient, nn's graph; see docs/architecture.md, "Who owns memory") or, for tensors
 * dropped without any of these, when the garbage collector reclaims their storage. Freed blocks are reused at
 * once; the memory never shrinks. The memory is shared where possible (Node, cross-origin isolated pages), so
 * `tensor.data` views stay valid while it grows; a non-shared memory refuses to grow once a view has been
 * handed out (see {@link CpuBackendOptions.sharedMemory}). One memory holds at most 4 GiB (2³⁰ float32
 * values, or `maxMemoryBytes`); past that, allocation throws a RuntimeError naming the live bytes and blocks.
 *
 * **Threads.** With `threads: 2`, the memory is shared with one helper thread that runs the second half of
 * large runs; small runs never pay for synchronisation. In browsers the helper is a Web Worker and needs a
 * cross-origin-isolated page (`Cross-Origin-Opener-Policy: same-origin`, `Cross-Origin-Embedder-Policy:
 * require-corp`); a page's main thread never blocks on it (it spins briefly after its own half), a worker
 * waits with `Atomics.wait`. {@link CpuBackend.dispose} stops the thread.
 *
 * @example
 * const backend = new CpuBackend({ threads: 2 });
 * const p = zeros([1_000_000], { backend });
 * backend.run(axpyKernel, { tensors: { x: p, y: p }, scalars: { alpha: 2 } });
 * backend.dispose();
 */
export class CpuBackend implements Backend {
  readonly name: string = 'cpu';
  readonly syncRead = true;
  readonly liveReadSync: boolean = true;
  /** True when elementwise kernels run as WebAssembly SIMD. */
  readonly simd: boolean;
  /** Threads used for large runs (2 while the helper thread is starting or running). */
  get threads(): 1 | 2 {
    return this.pool !== null || this.starting !== null ? 2 : 1;
  }
  /** Elements from which runs are split across two threads. */
  readonly threadThreshold: number;
  private readonly arena: WasmArena | null;
  private pool: ThreadPool | null = null;
  /** The thread pool's module while it loads (`threads: 2`), then null. */
  private starting: Promise<void> | null = null;
  private readonly registry: FinalizationRegistry<Block> | null;
  private readonly entries = new Map<ElementwiseKernel, KernelEntry>();
  /** Variants that are JavaScript loops (no SIMD form): they read whole storages, never runs. */
  private readonly jsVariants = new WeakSet<Exec>();
  private readonly loops = new Map<string, ElementwiseLoop>();
  private readonly reductions = new Map<string, ReductionLoop>();
  private scratch = new Float64Array(64);
  private nextModuleId = 0;
  private readonly counts = { simd: 0, threaded: 0, js: 0 };
  private readonly linalg: CpuLinalg;
  private readonly fma: boolean;

  constructor(options: CpuBackendOptions = {}) {
    const env = envFlag('TSOPTIM_CPU_SIMD');
    const envOff = env === '0' || env === 'false';
    const canSimd = simdAvailable();
    this.simd = (options.simd ?? !envOff) && canSimd;
    const wantThreads = (options.threads ?? (envFlag('TSOPTIM_CPU_THREADS') === '2' ? 2 : 1)) === 2;
    const threads = wantThreads && this.simd && threadsUnavailableReason() === null;
    if (wantThreads && !threads) warnOneThread(this.simd ? threadsUnavailableReason() : 'WebAssembly SIMD is off');
    this.threadThreshold = options.threadThreshold ?? 1 << 18;
    const shared = threads || (options.sharedMemory ?? sharedMemoryAvailable());
    this.arena =
      typeof WebAssembly === 'object'
        ? new WasmArena({
            shared,
            ...(options.initialMemoryBytes !== undefined ? { initialBytes: options.initialMemoryBytes } : {}),
            ...(options.maxMemoryBytes !== undefined ? { maximumBytes: options.maxMemoryBytes } : {}),
            detachViewsOnGrowth: options.detachViewsOnGrowth ?? false,
          })
        : null;
    const arena = this.arena;
    this.registry =
      arena !== null && typeof FinalizationRegistry === 'function'
        ? new FinalizationRegistry<Block>((b) => arena.release(b.ptr, b.bytes))
        : null;
    const fmaEnv = envFlag('TSOPTIM_CPU_FMA');
    this.fma = options.fma ?? !(fmaEnv === '0' || fmaEnv === 'false');
    this.linalg = new CpuLinalg(arena);
    if (options.gemm !== undefined) this.useGemm(options.gemm);
    // The thread pool is a module of its own, loaded only here: programs on one thread do not ship it. The
    // helper starts asynchronously anyway (see ready()); until it runs, large runs use one thread.
    if (threads && arena !== null) {
      const starting: Promise<void> = import('../wasm/thread-pool.js').then(
        ({ ThreadPool }) => {
          if (this.starting !== starting) return; // disposed meanwhile
          this.starting = null;
          try {
            this.pool = new ThreadPool(arena.memory, workerThreads());
          } catch {
            return;
          }
          // Variants compiled before the helper existed run on one thread: rebuild them on next use.
          for (const e of this.entries.values()) e.variants.length = 0;
        },
        () => {
          if (this.starting === starting) this.starting = null;
        },
      );
      this.starting = starting;
    }
  }

  /** Memory counters (live blocks and bytes, memory size, free holes). */
  memoryStats(): CpuMemoryStats {
    const a = this.arena;
    if (a === null) return { liveBlocks: 0, liveBytes: 0, capacity: 0, freeBlocks: 0, shared: false };
    // The GEMM's packing scratch is the backend's own, not a tensor's: left out of the live counts.
    const scratch = this.linalg.gemm?.scratchBytes ?? 0;
    const own = scratch > 0 ? 1 : 0;
    return {
      liveBlocks: a.liveBlocks - own,
      liveBytes: a.liveBytes - scratch,
      capacity: a.capacity,
      freeBlocks: a.freeBlocks,
      shared: a.shared,
    };
  }

  /**
   * Resolves once the helper thread (with `threads: 2`) is running; until then large runs use one thread.
   * Resolves at once on one thread.
   */
  async ready(): Promise<void> {
    if (this.starting !== null) await this.starting;
    for (let i = 0; i < 2000 && this.pool !== null && !this.pool.ready; i++) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * How many elementwise runs took each path so far: `simd` (WebAssembly, of which `threaded` had their
   * second half run by the helper thread) and `js` (JavaScript loops). A diagnostic for tests and benchmarks.
   */
  pathCounts(): { readonly simd: number; readonly threaded: number; readonly js: number } {
    return { ...this.counts };
  }

  /**
   * How many `matmul` calls ran the WebAssembly SIMD GEMM (`simd`, of which `threaded` were split across two
   * threads) or the JavaScript product (`js`), and
   * whether the GEMM uses relaxed SIMD's multiply-add (`fma`). A diagnostic for tests and benchmarks.
   */
  matmulPaths(): { readonly simd: number; readonly threaded: number; readonly js: number; readonly fma: boolean } {
    return { ...this.linalg.counts, fma: this.linalg.gemm?.usesFma ?? false };
  }

  /**
   * Runs `matmul` with `gemm` (`simdGemm`, the WebAssembly SIMD GEMM) from now on, for tensors in the
   * backend's memory. Nothing changes where the backend already has a GEMM, or where it runs without
   * WebAssembly SIMD (`simd: false`): products then stay JavaScript.
   */
  useGemm(gemm: CpuGemmFactory): void {
    const arena = this.arena;
    if (this.linalg.gemm !== null || !this.simd || arena === null) return;
    this.linalg.gemm = gemm({
      arena,
      fma: this.fma,
      counts: this.linalg.counts,
      pool: () => this.pool,
      nextId: () => this.nextModuleId++,
    });
  }

  /**
   * Stops the helper thread (if any); the backend keeps working on one thread. Tensors stay valid.
   */
  dispose(): void {
    this.starting = null;
    this.pool?.dispose();
    this.pool = null;
    // Compiled variants captured the pool: rebuild them on next use.
    for (const e of this.entries.values()) e.variants.length = 0;
  }

  allocate(size: number): CpuStorage {
    const arena = this.arena;
    if (arena === null) return new CpuStorage(new Float32Array(size));
    const bytes = size * 4;
    const ptr = arena.allocate(bytes);
    const s = new CpuStorage(null, arena, ptr, size);
    arena.zero(ptr, bytes);
    this.registry?.register(s, { ptr, bytes }, s);
    return s;
  }

  release(storage: unknown): void {
    const s = storage as CpuStorage;
    if (s.arena !== this.arena || s.arena === null || !s.live) return;
    this.registry?.unregister(s);
    s.arena.release(s.ptr, s.length * 4);
    s.markReleased();
  }

  write(tensor: Tensor, data: ArrayLike<number>): void {
    arr(tensor).set(data);
  }

  readSync(tensor: Tensor, transient = false): Float32Array {
    if (!transient) this.arena?.exposeViews();
    return arr(tensor);
  }

  read(tensor: Tensor): Promise<Float32Array> {
    return Promise.resolve(arr(tensor).slice());
  }

  copy(dst: Tensor, src: Tensor): void {
    arr(dst).set(arr(src));
  }

  fill(dst: Tensor, value: number): void {
    arr(dst).fill(value);
  }

  run(kernel: ElementwiseKernel, args: RunArgs): void {
    let entry = this.entries.get(kernel);
    if (entry === undefined) {
      entry = this.prepare(kernel);
      this.entries.set(kernel, entry);
    }
    if (entry.fast(args)) return;
    this.runGeneric(kernel, args, entry);
  }

  /**
   * Any binding: checks everything (throwing the documented errors), then runs broadcasts as SIMD runs where
   * they cut into long enough ones, and everything else as the JavaScript loop.
   */
  private runGeneric(kernel: ElementwiseKernel, args: RunArgs, entry: KernelEntry): void {
    const plan = planRun(kernel, args);
    if (!args.rows && entry.variant !== null && this.runBroadcastInRuns(plan, entry.variant)) return;
    const rank = args.rows ? -1 : plan.outShape.length;
    const key = `${kernel.id}|${plan.signature}`;
    let loop = this.loops.get(key);
    if (loop === undefined) {
      loop = compileElementwise(kernel, plan.names, plan.modes, rank);
      this.loops.set(key, loop);
    }
    const extra: LoopExtra = {
      dims: plan.outShape,
      strides: plan.strides,
      rows: args.rows?.indices ?? null,
      rowSize: args.rows?.rowSize ?? 0,
      scratch: null,
      outStrides: [],
      count: 0,
    };
    this.counts.js++;
    loop(plan.n, plan.tensors.map(arr), plan.scalars, extra);
  }

  /**
   * A broadcast run (`[N, C, H, W]` with `[1, C, 1, 1]`, rows with a `[C]` vector...) as SIMD calls over
   * contiguous runs: the trailing dimensions in which every tensor is either contiguous like the output or
   * constant (stride 0) make one run, a broadcast tensor taking the one-element (scalar) mode of the variant
   * where it is constant. Runs of at least {@link MIN_SIMD_RUN} elements with every tensor in the backend's
   * memory only; false otherwise (the JavaScript loop runs the call), or when the variant declines the scalars.
   */
  private runBroadcastInRuns(plan: RunPlan, variant: (code: number) => Exec): boolean {
    const shape = plan.outShape;
    const rank = shape.length;
    const count = plan.tensors.length;
    const storages: CpuStorage[] = [];
    for (const t of plan.tensors) {
      const st = t.storage as CpuStorage;
      if (st.arena !== this.arena || st.arena === null || st.ptr < 0) return false;
      storages.push(st);
    }
    // Each tensor's stride per output dimension: contiguous for full ones, as planned for broadcast ones.
    const contiguous = new Array<number>(rank);
    for (let d = rank - 1, acc = 1; d >= 0; d--) {
      contiguous[d] = acc;
      acc *= shape[d]!;
    }
    const strides = plan.modes.map((m, i) =>
      m === 'full' ? contiguous : m === 'scalar' ? contiguous.map(() => 0) : (plan.strides[i] as readonly number[]),
    );
    // The run: trailing dimensions [split, rank) in which each tensor is contiguous like the output, or constant
    // (dimensions of size 1 do not count). `code` marks the constant ones: the variant reads one element of them.
    let split = rank;
    let run = 1;
    let code = 0;
    for (let d = rank - 1; d >= 0; d--) {
      let c = 0;
      let ok = true;
      for (let i = 0; i < count && ok; i++) {
        const st = strides[i]!;
        let constant = true;
        let dense = true;
        for (let e = d; e < rank; e++) {
          if (shape[e] === 1) continue;
          if (st[e] !== 0) constant = false;
          if (st[e] !== contiguous[e]) dense = false;
        }
        if (dense) continue;
        if (constant) c |= 1 << i;
        else ok = false;
      }
      if (!ok) break;
      split = d;
      run *= shape[d]!;
      code = c;
    }
    if (run < MIN_SIMD_RUN) return false;
    const exec = variant(code);
    if (this.jsVariants.has(exec)) return false;
    const holders = storages.map((st) => ({ ptr: st.ptr }));
    // The variant's prelude depends on the scalars alone: it takes every run or none (the JS loop then runs).
    if (!exec(run, ...holders, ...plan.scalars)) return false;
    const idx = new Array<number>(split).fill(0);
    const offsets = new Array<number>(count).fill(0);
    for (let r = 1, runs = plan.n / run; r < runs; r++) {
      // Next outer index (an odometer over dimensions [0, split)), each tensor's offset with it.
      for (let d = split - 1; d >= 0; d--) {
        idx[d]!++;
        for (let i = 0; i < count; i++) offsets[i]! += strides[i]![d]!;
        if (idx[d]! < shape[d]!) break;
        for (let i = 0; i < count; i++) offsets[i]! -= strides[i]![d]! * shape[d]!;
        idx[d] = 0;
      }
      for (let i = 0; i < count; i++) holders[i]!.ptr = storages[i]!.ptr + offsets[i]! * 4;
      exec(run, ...holders, ...plan.scalars);
    }
    return true;
  }

  /**
   * Builds the per-kernel fast dispatcher: it reads the tensors and scalars by name, and when every tensor
   * is live storage of this backend, full-size or a one-element input, with every scalar present, it calls
   * the compiled variant for that binding. Anything else returns false (the generic path then checks and
   * reports it). No allocation per call on the SIMD path.
   */
  private prepare(kernel: ElementwiseKernel): KernelEntry {
    const names = [...kernel.inputs, ...kernel.outputs.filter((o) => !kernel.inputs.includes(o as never))];
    const first = names.indexOf(kernel.outputs[0]!);
    const isOutput = names.map((n) => kernel.outputs.includes(n as never));
    const st = names.map((_, i) => `st${i}`);
    const sc = kernel.scalars.map((_, j) => `c${j}`);
    const lines: string[] = [
      '"use strict";',
      'return function fast(A) {',
      'const T = A.tensors;',
      'if (T == null || A.rows) return false;',
    ];
    names.forEach((nm, i) => lines.push(`const t${i} = T[${JSON.stringify(nm)}];`));
    lines.push(`if (t${first} == null) return false;`, `const n = t${first}.size;`, 'let code = 0;');
    names.forEach((_, i) => {
      lines.push(
        `let st${i}; if (t${i} == null || (st${i} = t${i}.storage) == null || st${i}.arena !== arena || st${i}.ptr < 0) return false;`,
      );
      lines.push(
        isOutput[i]
          ? `if (t${i}.size !== n) return false;`
          : `if (t${i}.size !== n) { if (t${i}.size === 1) code |= ${1 << i}; else return false; }`,
      );
    });
    lines.push('const S = A.scalars;');
    kernel.scalars.forEach((s, j) => {
      lines.push(`const c${j} = S == null ? undefined : S[${JSON.stringify(s)}]; if (typeof c${j} !== 'number') return false;`);
    });
    lines.push(`const v = V[code];`, `return (v === undefined ? make(code) : v)(${['n', ...st, ...sc].join(', ')});`, '};');
    const variants: (Exec | undefined)[] = [];
    const make = (code: number): Exec => {
      const modes = names.map((_, i): SimdMode => ((code >> i) & 1 ? 'scalar' : 'full'));
      const exec = this.compileVariant(kernel, names, modes);
      variants[code] = exec;
      return exec;
    };
    if (this.arena === null || names.length > 30) return { fast: () => false, variants, variant: null };
    const fast = new Function('arena', 'V', 'make', lines.join('\n'))(this.arena, variants, make) as FastRun;
    return { fast, variants, variant: this.simd ? (code) => variants[code] ?? make(code) : null };
  }

  /** One binding of a kernel: WebAssembly SIMD where possible, else the JavaScript loop. */
  private compileVariant(kernel: ElementwiseKernel, names: readonly string[], modes: readonly SimdMode[]): Exec {
    const st = names.map((_, i) => `st${i}`);
    const sc = kernel.scalars.map((_, j) => `s${j}`);
    const params = ['n', ...st, ...sc];
    const simd = this.simd && this.arena !== null ? compileSimd(kernel, names, modes, { shared: this.arena.shared }) : null;
    if (simd === null) {
      const loop = compileElementwise(kernel, names, modes, 1);
      const src = `"use strict";\nreturn function exec(${params.join(', ')}) {\nC.js++;\nloop(n, [${st.map((s) => `${s}.array`).join(', ')}], [${sc.join(', ')}], X);\nreturn true;\n};`;
      const exec = new Function('loop', 'X', 'C', src)(loop, EMPTY_EXTRA, this.counts) as Exec;
      this.jsVariants.add(exec);
      return exec;
    }
    const module = new WebAssembly.Module(simd.bytes as BufferSource);
    const fn = new WebAssembly.Instance(module, { env: { memory: this.arena!.memory } }).exports[simd.name] as (...a: number[]) => void;
    const ptrs = st.map((s) => `${s}.ptr`);
    const call = ['n', ...ptrs, ...simd.uniformNames].join(', ');
    const pool = this.pool;
    let threaded = '';
    if (pool !== null) {
      const id = this.nextModuleId++;
      pool.register(id, module, simd.name);
      threaded = `if (n >= TH && pool.ready) { C.simd++; if (pool.split(${id}, fn, n, [${ptrs.join(', ')}], FULL, [${simd.uniformNames.join(', ')}])) C.threaded++; return true; }`;
    }
    const src = `"use strict";\nreturn function exec(${params.join(', ')}) {\n${simd.prelude}\n${threaded}\nC.simd++;\nfn(${call});\nreturn true;\n};`;
    return new Function('fn', 'pool', 'TH', 'FULL', 'C', src)(
      fn,
      pool,
      this.threadThreshold,
      modes.map((m) => m === 'full'),
      this.counts,
    ) as Exec;
  }

  reduce(kernel: ReductionKernel, args: ReduceArgs): void {
    const plan = planReduce(kernel, args);
    const key = `${kernel.id}|${plan.signature}`;
    let loop = this.reductions.get(key);
    if (loop === undefined) {
      loop = compileReduction(kernel, plan.modes, plan.inShape.length, plan.all);
      this.reductions.set(key, loop);
    }
    if (!plan.all && this.scratch.length < plan.outSize) this.scratch = new Float64Array(plan.outSize);
    const extra: LoopExtra = {
      dims: plan.inShape,
      strides: [],
      rows: null,
      rowSize: 0,
      scratch: this.scratch,
      outStrides: plan.outStrides,
      count: plan.count,
    };
    loop(plan.n, plan.tensors.map(arr), plan.scalars, extra, arr(args.out));
  }

  /**
   * `out = op(a)·op(b) (+ bias) (+ out)` (see {@link MatmulArgs}). Tensors in the backend's memory run the
   * WebAssembly SIMD GEMM once the backend has it ({@link CpuBackendOptions.gemm}, {@link CpuBackend.useGemm};
   * nn gives it): op(a) and op(b) packed into 4-row and 8-column panels, a 4×8 f32x4 register tile, k blocks
   * of at most 256; with `threads: 2`, products of at least 2^20 multiply-adds share their column panels with
   * the helper thread. Others run the JavaScript product.
   * @throws {ValueError} as `planMatmul`.
   */
  matmul(args: MatmulArgs): void {
    this.linalg.matmul(planMatmul(args));
  }

  /** `out` ← `src` with dimensions reordered. @throws {ValueError} as `planPermute`. */
  permute(args: PermuteArgs): void {
    this.linalg.permute(planPermute(args));
  }

  /** `out[r] = src[indices[r]]`. @throws {ValueError} as `planRows`. */
  gatherRows(args: RowsArgs): void {
    this.linalg.gatherRows(planRows(args, false));
  }

  /** `out[indices[r]] += src[r]`. @throws {ValueError} as `planRows`. */
  scatterAddRows(args: RowsArgs): void {
    this.linalg.scatterAddRows(planRows(args, true));
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
