import { type ElementwiseKernel, type Expr, type JsDialect, type ReductionKernel, type RunPlan, emitJs } from '@tsoptim/core';
import { lowerForGpu, substituteInputs } from './lower.js';

/**
 * Source generation for gpu.js: one kernel body (an expression tree from core) becomes the JavaScript-subset
 * function gpu.js compiles to GLSL, WGSL or JS. The source is plain text (no closures), so it is built once per
 * kernel variant and cached by the backend.
 *
 * Layout: every tensor is one gpu.js output of `[size]` elements. gpu.js lays a 1-d output onto a near-square
 * 2-d texture (`w × h ≥ size`, the tail of the last row unused) and maps the flat index `i` to the texel
 * `(i mod w, ⌊i / w⌋)` itself, so sizes that are not a multiple of the texture width need nothing here.
 * Index arithmetic that this module generates (broadcasting, sparse rows, reductions) runs in float32, which
 * is exact for integers below 2^24; {@link MAX_INDEXED_ELEMENTS} is enforced by the backend.
 */

/** Largest tensor the generated index arithmetic addresses exactly (float32 integers). */
export const MAX_INDEXED_ELEMENTS = 2 ** 24;

/** One argument of a generated kernel, in parameter order. */
export type ArgSource =
  | { readonly kind: 'tensor'; readonly slot: number }
  /** The current value of a full output that is not an input (kept where rows are not selected). */
  | { readonly kind: 'old'; readonly slot: number }
  | { readonly kind: 'scalar'; readonly index: number }
  /** A uniform sub-expression of the kernel's scalars, evaluated on the host in float64 at each run. */
  | { readonly kind: 'hoisted'; readonly expr: Expr }
  /** Sparse runs: per selected row, its row in the full tensors. */
  | { readonly kind: 'rowIndex' }
  /** Sparse runs: per full row, its position among the selected rows, or -1. */
  | { readonly kind: 'rowPosition' };

/** How the threads of one generated kernel map to elements. */
export type Iteration =
  /** One thread per element of the run (dense runs, or the compact tensors of a sparse run). */
  | { readonly kind: 'flat'; readonly size: number }
  /** Sparse run: one thread per element of the full outputs; unselected rows keep their value. */
  | { readonly kind: 'rowsFull'; readonly size: number; readonly rowSize: number }
  /** Sparse run: one thread per element of the compact outputs. */
  | { readonly kind: 'rowsCompact'; readonly size: number; readonly rowSize: number };

/** A generated gpu.js kernel: the root function's source, the sub-kernel sources, and what to pass. */
export interface Program {
  /** Root function: returns the value of `outputs[0]`. */
  readonly source: string;
  /** Kernel-map sub-functions (`o1`, `o2`...), one per further output; empty without a kernel map. */
  readonly subKernels: Readonly<Record<string, string>>;
  /** Slots (into the plan's names) of the outputs, root first, then the sub-kernels in order. */
  readonly outputs: readonly number[];
  readonly args: readonly ArgSource[];
  readonly size: number;
}

const dialect = (leaf: JsDialect['leaf']): JsDialect => ({ leaf });

/** `x ↦ (⌊x / d⌋, x mod d)` for non-negative integer-valued floats, robust to division rounding. */
function divmod(q: string, c: string, x: string, d: number): string {
  return `const ${q} = Math.floor((${x} + 0.5) / ${d}); const ${c} = ${x} - ${q} * ${d};`;
}

/**
 * Code that decomposes the flat index `x` over `dims` (row-major, last fastest) and sums
 * `coordinate × stride` for each stride list; returns the statements and one offset expression per list.
 */
function offsets(
  x: string,
  dims: readonly number[],
  strideLists: readonly (readonly number[])[],
  tag: string,
): { code: string[]; exprs: string[] } {
  const code: string[] = [];
  const coord: string[] = new Array<string>(dims.length);
  let rest = x;
  for (let d = dims.length - 1; d >= 0; d--) {
    const size = dims[d]!;
    if (size === 1) {
      coord[d] = '0';
      continue;
    }
    const used = strideLists.some((s) => s[d] !== 0);
    const earlier = dims.slice(0, d).some((v) => v !== 1);
    if (!earlier) {
      coord[d] = rest;
      break;
    }
    const q = `${tag}q${d}`;
    const c = `${tag}c${d}`;
    code.push(divmod(q, c, rest, size));
    coord[d] = used ? c : '0';
    rest = q;
  }
  const exprs = strideLists.map((s) => {
    const terms: string[] = [];
    s.forEach((st, d) => {
      const cd = coord[d];
      if (st !== 0 && cd !== undefined && cd !== '0') terms.push(st === 1 ? cd : `${cd} * ${st}`);
    });
    return terms.length === 0 ? '0' : terms.join(' + ');
  });
  return { code, exprs };
}

/**
 * The gpu.js programs of one elementwise run: one per group of outputs that share an iteration space (a kernel
 * map), or one per output when `kernelMap` is false (every program reads the values from before the run).
 */
export function elementwisePrograms(kernel: ElementwiseKernel, plan: RunPlan, rowSize: number | null, kernelMap: boolean): Program[] {
  const slot = new Map(plan.names.map((n, i) => [n, i]));
  const outSlots = kernel.outputs.map((o) => slot.get(o)!);
  const rows = rowSize !== null;
  // Iteration groups.
  const groups: { iter: Iteration; outputs: number[] }[] = [];
  for (const s of outSlots) {
    let iter: Iteration;
    if (!rows) iter = { kind: 'flat', size: plan.n };
    else if (plan.modes[s] === 'compact') iter = { kind: 'rowsCompact', size: plan.n, rowSize: rowSize! };
    else iter = { kind: 'rowsFull', size: plan.tensors[s]!.size, rowSize: rowSize! };
    const g = kernelMap ? groups.find((x) => x.iter.kind === iter.kind && x.iter.size === iter.size) : undefined;
    if (g) g.outputs.push(s);
    else groups.push({ iter, outputs: [s] });
  }
  return groups.map((g) => program(kernel, plan, g.iter, g.outputs));
}

function program(kernel: ElementwiseKernel, plan: RunPlan, iter: Iteration, outputs: readonly number[]): Program {
  const slot = new Map(plan.names.map((n, i) => [n, i]));
  const inputSlots = kernel.inputs.map((n) => slot.get(n)!);
  const lowered = lowerForGpu(outputs.map((s) => kernel.body[plan.names[s] as never] as Expr));
  const scalarIndex = new Map(kernel.scalars.map((s, i) => [s, i]));
  const hoistedIndex = new Map(lowered.hoisted.map((_, i) => [lowered.hoistedName(i), i]));
  const args: ArgSource[] = [];
  const params: string[] = [];
  for (const k of inputSlots) {
    args.push({ kind: 'tensor', slot: k });
    params.push(`a${k}`);
  }
  kernel.scalars.forEach((_, i) => {
    args.push({ kind: 'scalar', index: i });
    params.push(`s${i}`);
  });
  lowered.hoisted.forEach((expr, i) => {
    args.push({ kind: 'hoisted', expr });
    params.push(`x${i}`);
  });
  const code: string[] = ['const i = this.thread.x;'];
  // Index of each input slot.
  const index = new Map<number, string>();
  if (iter.kind === 'flat') {
    const bc = inputSlots.filter((k) => plan.modes[k] === 'broadcast');
    const { code: oc, exprs } = offsets(
      'i',
      plan.outShape,
      bc.map((k) => plan.strides[k]!),
      'b',
    );
    code.push(...oc);
    bc.forEach((k, j) => index.set(k, exprs[j]!));
    for (const k of inputSlots) {
      if (plan.modes[k] === 'full' || plan.modes[k] === 'compact') index.set(k, 'i');
      else if (plan.modes[k] === 'scalar') index.set(k, '0');
    }
  } else {
    code.push(divmod('r', 'j', 'i', iter.rowSize));
    if (iter.kind === 'rowsFull') {
      args.push({ kind: 'rowPosition' });
      params.push('rp');
      code.push('const kr = rp[r];', `const ci = Math.max(kr, 0) * ${iter.rowSize} + j;`);
      for (const k of inputSlots) index.set(k, plan.modes[k] === 'compact' ? 'ci' : 'i');
    } else {
      args.push({ kind: 'rowIndex' });
      params.push('ri');
      code.push(`const fi = ri[r] * ${iter.rowSize} + j;`);
      for (const k of inputSlots) index.set(k, plan.modes[k] === 'compact' ? 'i' : 'fi');
    }
  }
  for (const k of inputSlots) code.push(`const v${k} = a${k}[${index.get(k)}];`);
  const { lines, values } = emitJs(
    lowered.roots,
    dialect((node) => {
      if (node.kind === 'input') return `v${slot.get(node.name)}`;
      const si = scalarIndex.get(node.name);
      return si !== undefined ? `s${si}` : `x${hoistedIndex.get(node.name)}`;
    }),
    'e',
  );
  code.push(...lines);
  // Final values; a sparse run keeps unselected rows of full outputs.
  const finals = outputs.map((s, j) => {
    if (iter.kind !== 'rowsFull') return values[j]!;
    let old: string;
    if (inputSlots.includes(s)) old = `v${s}`;
    else {
      args.push({ kind: 'old', slot: s });
      params.push(`p${s}`);
      old = `p${s}[i]`;
    }
    return `(kr < 0 ? ${old} : ${values[j]})`;
  });
  const subKernels: Record<string, string> = {};
  for (let j = 1; j < outputs.length; j++) {
    subKernels[`o${j}`] = `function o${j}(v) { return v; }`;
    code.push(`o${j}(${finals[j]});`);
  }
  code.push(`return ${finals[0]};`);
  const source = `function ${safeName(kernel.name)}(${params.join(', ')}) {\n  ${code.join('\n  ')}\n}`;
  return { source, subKernels, outputs, args, size: iter.size };
}

function safeName(name: string): string {
  return `k_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** One pass of a reduction. */
export interface ReducePass {
  readonly source: string;
  /** Arguments: the reduction's inputs (first pass) or the previous partials (later passes). */
  readonly args: readonly ArgSource[];
  readonly size: number;
}

/** What a reduction reduces, resolved from core's plan. */
export interface ReduceShape {
  readonly inShape: readonly number[];
  /** Dimensions reduced (ascending). */
  readonly axes: readonly number[];
  readonly outSize: number;
  readonly count: number;
  /** 'full' or 'scalar' per input. */
  readonly modes: readonly string[];
}

/** Elements combined by one thread of a pass. */
export const REDUCE_BLOCK = 128;

/**
 * A reduction as a sequence of passes. Pass 1 evaluates the body and combines blocks of up to
 * {@link REDUCE_BLOCK} reduced elements per thread; each further pass combines blocks of partials; the last
 * applies `finalize`. Every pass is a plain gpu.js kernel (no atomics, no shared memory), so every mode runs it.
 */
export function reductionPasses(kernel: ReductionKernel, shape: ReduceShape): ReducePass[] {
  const { inShape, axes, outSize, count } = shape;
  const rank = inShape.length;
  const inStrides: number[] = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) inStrides[d] = inStrides[d + 1]! * inShape[d + 1]!;
  const kept = inShape.map((_, d) => d).filter((d) => !axes.includes(d));
  const finalizeExpr = kernel.finalize ? substituteInputs(kernel.finalize, { count }) : null;
  const lowered = lowerForGpu(finalizeExpr ? [kernel.body, finalizeExpr] : [kernel.body]);
  const scalarIndex = new Map(kernel.scalars.map((s, i) => [s, i]));
  const hoistedIndex = new Map(lowered.hoisted.map((_, i) => [lowered.hoistedName(i), i]));
  const scalarArgs: ArgSource[] = [
    ...kernel.scalars.map((_, i): ArgSource => ({ kind: 'scalar', index: i })),
    ...lowered.hoisted.map((expr): ArgSource => ({ kind: 'hoisted', expr })),
  ];
  const scalarParams = [...kernel.scalars.map((_, i) => `s${i}`), ...lowered.hoisted.map((_, i) => `x${i}`)];
  const scalarLeaf = (name: string): string => {
    const si = scalarIndex.get(name);
    return si !== undefined ? `s${si}` : `x${hoistedIndex.get(name)}`;
  };
  const combine = (w: string): string => {
    // Compensated (Kahan) summation: float32 partial sums keep about the accuracy of a float64 accumulator.
    if (kernel.combine === 'sum') return `const ky = ${w} - kc; const kt = acc + ky; kc = (kt - acc) - ky; acc = kt;`;
    const cmp = kernel.combine === 'max' ? '>' : '<';
    return `if (j === 0) { acc = ${w}; } else { if (${w} ${cmp} acc || ${w} !== ${w}) { acc = ${w}; } }`;
  };
  const finalize = (): string[] => {
    if (lowered.roots.length < 2) return ['return acc;'];
    const { lines, values } = emitJs(
      [lowered.roots[1]!],
      dialect((node) => (node.kind === 'input' ? 'acc' : scalarLeaf(node.name))),
      'f',
    );
    return [...lines, `return ${values[0]};`];
  };
  const passes: ReducePass[] = [];
  // Pass 1.
  let chunks = Math.max(1, Math.ceil(count / REDUCE_BLOCK));
  {
    const code: string[] = ['const i = this.thread.x;'];
    code.push(chunks === 1 ? 'const o = i; const ch = 0;' : divmod('o', 'ch', 'i', chunks));
    const keptOff = offsets(
      'o',
      kept.map((d) => inShape[d]!),
      [kept.map((d) => inStrides[d]!)],
      'k',
    );
    code.push(...keptOff.code, `const base = ${keptOff.exprs[0]};`);
    const redOff = offsets(
      'r',
      axes.map((d) => inShape[d]!),
      [axes.map((d) => inStrides[d]!)],
      'm',
    );
    const { lines, values } = emitJs(
      [lowered.roots[0]!],
      dialect((node) => (node.kind === 'input' ? `v${kernel.inputs.indexOf(node.name)}` : scalarLeaf(node.name))),
      'e',
    );
    const reads = kernel.inputs.map((_, k) => `const v${k} = a${k}[${shape.modes[k] === 'scalar' ? '0' : 'idx'}];`);
    code.push(
      'let acc = 0;',
      'let kc = 0;',
      `for (let j = 0; j < ${REDUCE_BLOCK}; j++) {`,
      `  const r = ch * ${REDUCE_BLOCK} + j;`,
      `  if (r < ${count}) {`,
      ...redOff.code.map((l) => `    ${l}`),
      `    const idx = base + ${redOff.exprs[0]};`,
      ...reads.map((l) => `    ${l}`),
      ...lines.map((l) => `    ${l}`),
      `    const w = ${values[0]};`,
      `    ${combine('w')}`,
      '  }',
      '}',
    );
    if (chunks === 1) code.push(...finalize());
    else code.push('return acc;');
    const params = [...kernel.inputs.map((_, k) => `a${k}`), ...scalarParams];
    passes.push({
      source: `function r_${kernel.name.replace(/[^A-Za-z0-9_]/g, '_')}(${params.join(', ')}) {\n  ${code.join('\n  ')}\n}`,
      args: [...kernel.inputs.map((_, k): ArgSource => ({ kind: 'tensor', slot: k })), ...scalarArgs],
      size: outSize * chunks,
    });
  }
  // Combining passes.
  while (chunks > 1) {
    const prev = chunks;
    chunks = Math.ceil(prev / REDUCE_BLOCK);
    const code: string[] = ['const i = this.thread.x;'];
    code.push(chunks === 1 ? 'const o = i; const ch = 0;' : divmod('o', 'ch', 'i', chunks));
    code.push(
      'let acc = 0;',
      'let kc = 0;',
      `for (let j = 0; j < ${REDUCE_BLOCK}; j++) {`,
      `  const r = ch * ${REDUCE_BLOCK} + j;`,
      `  if (r < ${prev}) {`,
      `    const w = a0[o * ${prev} + r];`,
      `    ${combine('w')}`,
      '  }',
      '}',
    );
    const last = chunks === 1;
    if (last) code.push(...finalize());
    else code.push('return acc;');
    const params = ['a0', ...(last ? scalarParams : [])];
    passes.push({
      source: `function c_${kernel.name.replace(/[^A-Za-z0-9_]/g, '_')}(${params.join(', ')}) {\n  ${code.join('\n  ')}\n}`,
      args: [{ kind: 'tensor', slot: 0 }, ...(last ? scalarArgs : [])],
      size: outSize * chunks,
    });
  }
  return passes;
}
