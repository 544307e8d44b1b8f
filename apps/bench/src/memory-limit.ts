import { type Backend, CpuBackend, type ElementwiseKernel, Parameter, type Tensor, defineKernel, k, zeros } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';

/** Per-element memory traffic of one optimizer step, read from the kernels it runs. */
export interface Traffic {
  /** Tensor reads per element (all kernels of one step). */
  readonly loads: number;
  /** In-place writes per element (an output that is also an input). */
  readonly stores: number;
  /** Writes to outputs that are not inputs. */
  readonly fresh: number;
  /** Elementwise kernels per parameter per step. */
  readonly kernels: number;
  /** Reductions per parameter per step (their reads are counted in `loads`). */
  readonly reductions: number;
  /** Bytes per element moved (float32): 4 × (loads + stores + fresh). */
  readonly bytes: number;
}

/**
 * The kernel that bounds an algorithm by memory: `loads` reads, `stores` in-place writes and `fresh`
 * write-only outputs per element, with trivial arithmetic (one add per output). Run on the same tensors and
 * backend as the algorithm, its speed is the algorithm's "limit".
 *
 * @example
 * const adamLimit = ceilingKernel(4, 3); // param, grad, exp_avg, exp_avg_sq in; three of them out (28 B)
 */
export function ceilingKernel(loads: number, stores: number, fresh = 0): ElementwiseKernel {
  const ins = Array.from({ length: Math.max(1, loads) }, (_, i) => `a${i}`);
  const outs = Array.from({ length: fresh }, (_, i) => `o${i}`);
  const last = ins[ins.length - 1]!;
  const inPlace = ins.slice(0, Math.min(stores, ins.length));
  return defineKernel({
    name: `bench_ceiling_${loads}_${stores}_${fresh}`,
    inputs: ins,
    outputs: [...inPlace, ...outs],
    body: (t) =>
      Object.fromEntries([
        ...inPlace.map((n) => [n, k.add(t[n]!, t[last]!)]),
        ...outs.map((n, i) => [n, k.add(t[ins[i % ins.length]!]!, t[last]!)]),
      ]) as never,
  });
}

/** A STREAM-style copy (`dst ← src`, 8 B per element) as an elementwise kernel. */
export const copyKernel: ElementwiseKernel = defineKernel({
  name: 'bench_stream_copy',
  inputs: ['src'],
  outputs: ['dst'],
  body: ({ src }) => ({ dst: src }),
});

/** The tensors and arguments of a ceiling kernel over `count` tensors of `size` elements. */
export function ceilingWorkload(backend: Backend, t: Traffic, count: number, size: number): { step(): void; dispose(): void } {
  const kernel = ceilingKernel(t.loads, t.stores, t.fresh);
  const names = [...kernel.inputs, ...kernel.outputs.filter((o) => !kernel.inputs.includes(o))];
  const sets = Array.from({ length: count }, () =>
    Object.fromEntries(names.map((n, j) => [n, filled(backend, size, j === 0 ? 0.5 : 1e-3)])),
  );
  return {
    step: () => {
      for (const tensors of sets) backend.run(kernel, { tensors });
    },
    dispose: () => {
      for (const s of sets) for (const x of Object.values(s)) x.dispose();
    },
  };
}

/** A tensor of `size` elements, all `v`. */
export function filled(backend: Backend, size: number, v: number): Tensor {
  const t = zeros([size], { backend });
  backend.fill(t, v);
  return t;
}

/**
 * Counts the loads and stores per element of one step of an optimizer by watching the kernels it hands a
 * CPU backend (on a 64-element parameter, after one step so that state exists). Null when it cannot run on
 * a plain dense gradient.
 *
 * @param make - builds the optimizer over the given parameters.
 * @example
 * probeTraffic((ps) => new Adam(ps, { lr: 1e-3 })); // { loads: 4, stores: 3, fresh: 0, bytes: 28, ... }
 */
export function probeTraffic(make: (params: Parameter[]) => Optimizer): Traffic | null {
  const b = new CpuBackend({ simd: true });
  const q = new Parameter(filled(b, 64, 0.5));
  q.grad = filled(b, 64, 0.01);
  try {
    const opt = make([q]);
    opt.step();
    let loads = 0;
    let stores = 0;
    let fresh = 0;
    let kernels = 0;
    let reductions = 0;
    const run = b.run.bind(b);
    b.run = (kernel, args) => {
      loads += kernel.inputs.length;
      stores += kernel.outputs.filter((o) => kernel.inputs.includes(o)).length;
      fresh += kernel.outputs.filter((o) => !kernel.inputs.includes(o)).length;
      kernels++;
      run(kernel, args);
    };
    const reduce = b.reduce.bind(b);
    b.reduce = (kernel, args) => {
      loads += kernel.inputs.length;
      reductions++;
      reduce(kernel, args);
    };
    opt.step();
    if (kernels + reductions === 0) return null;
    return { loads, stores, fresh, kernels, reductions, bytes: 4 * (loads + stores + fresh) };
  } catch {
    return null;
  } finally {
    b.dispose();
  }
}

/**
 * Node's own memory copy (`Float32Array.prototype.set`, a memcpy) over `elements` float32 values: returns the
 * seconds of one copy. Counted as 8 B per element (one read, one write), as STREAM's copy.
 */
export function memcpyWorkload(elements: number): { step(): number; dispose(): void } {
  let src: Float32Array | null = new Float32Array(elements).fill(1);
  let dst: Float32Array | null = new Float32Array(elements);
  return {
    step: () => {
      const t0 = performance.now();
      dst!.set(src!);
      return (performance.now() - t0) / 1000;
    },
    dispose: () => {
      src = null;
      dst = null;
    },
  };
}
