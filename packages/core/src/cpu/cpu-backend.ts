import type { Backend, ReduceArgs, RunArgs } from '../backend.js';
import type { ElementwiseKernel, ReductionKernel } from '../kernel/define.js';
import { planReduce, planRun } from '../kernel/plan.js';
import type { Tensor } from '../tensor.js';
import { type ElementwiseLoop, type LoopExtra, type ReductionLoop, compileElementwise, compileReduction } from './compile-js.js';

/** CPU storage: a Float32Array (re-derived by the backend if it ever moves). */
export class CpuStorage {
  constructor(public array: Float32Array) {}
}

function arr(t: Tensor): Float32Array {
  return (t.storage as CpuStorage).array;
}

/**
 * The default backend: tensors in Float32Arrays, kernels compiled once to JavaScript loops.
 * Synchronous; `read()` resolves at once.
 */
export class CpuBackend implements Backend {
  readonly name: string = 'cpu';
  readonly syncRead = true;
  private readonly loops = new Map<string, ElementwiseLoop>();
  private readonly reductions = new Map<string, ReductionLoop>();
  private scratch = new Float64Array(64);

  allocate(size: number): CpuStorage {
    return new CpuStorage(new Float32Array(size));
  }

  release(_storage: unknown): void {
    // Garbage-collected.
  }

  write(tensor: Tensor, data: ArrayLike<number>): void {
    arr(tensor).set(data);
  }

  readSync(tensor: Tensor): Float32Array {
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
    const plan = planRun(kernel, args);
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
    loop(plan.n, plan.tensors.map(arr), plan.scalars, extra);
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

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
