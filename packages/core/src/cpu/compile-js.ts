import type { ElementwiseKernel, ReductionKernel } from '../kernel/define.js';
import { emitJs } from '../kernel/emit-js.js';
import type { Expr } from '../kernel/expr.js';
import type { BindingMode } from '../kernel/plan.js';

/** Extra per-call data of a compiled loop: dims and strides for broadcasting, rows for sparse runs. */
export interface LoopExtra {
  dims: readonly number[];
  strides: readonly (readonly number[] | null)[];
  rows: Int32Array | null;
  rowSize: number;
  scratch: Float64Array | null;
  outStrides: readonly number[];
  count: number;
}

export type ElementwiseLoop = (n: number, arrays: Float32Array[], scalars: readonly number[], extra: LoopExtra) => void;
export type ReductionLoop = (n: number, arrays: Float32Array[], scalars: readonly number[], extra: LoopExtra, out: Float32Array) => void;

/**
 * Compiles an elementwise kernel to a JavaScript loop (source text → `new Function`), specialised for how
 * each tensor is indexed. One pass; every input read into a local before any output is written.
 */
export function compileElementwise(
  kernel: ElementwiseKernel,
  names: readonly string[],
  modes: readonly BindingMode[],
  rank: number,
): ElementwiseLoop {
  const slot = new Map(names.map((n, i) => [n, i]));
  const roots = kernel.outputs.map((o) => kernel.body[o] as Expr);
  const scalarSlot = new Map(kernel.scalars.map((s, i) => [s, i]));
  const { lines, values } = emitJs(roots, {
    leaf: (node) => (node.kind === 'input' ? `v${slot.get(node.name)}` : `s${scalarSlot.get(node.name)}`),
  });
  const head: string[] = [];
  names.forEach((_, i) => head.push(`const a${i} = T[${i}];`));
  kernel.scalars.forEach((_, i) => head.push(`const s${i} = S[${i}];`));
  const inputSlots = kernel.inputs.map((n) => slot.get(n)!);
  const outputSlots = kernel.outputs.map((n) => slot.get(n)!);
  const rowsMode = modes.includes('compact') || rank === -1;
  const indexOf = (k: number): string => {
    switch (modes[k]) {
      case 'full':
        return rowsMode ? 'f' : 'i';
      case 'compact':
        return 'i';
      case 'broadcast':
        return `o${k}_${rank - 1}`;
      default:
        return '0';
    }
  };
  const reads: string[] = [];
  for (const k of inputSlots) {
    if (modes[k] === 'scalar') head.push(`const v${k} = a${k}[0];`);
    else reads.push(`const v${k} = a${k}[${indexOf(k)}];`);
  }
  const writes = outputSlots.map((k, j) => `a${k}[${indexOf(k)}] = ${values[j]};`);
  const inner = [...reads, ...lines, ...writes];
  let loop: string;
  if (rowsMode) {
    loop = `const R = X.rows, rs = X.rowSize; let i = 0;
for (let r = 0; r < R.length; r++) { const base = R[r] * rs;
  for (let j = 0; j < rs; j++, i++) { const f = base + j;
    ${inner.join('\n    ')}
  }
}`;
  } else if (!modes.includes('broadcast')) {
    loop = `for (let i = 0; i < n; i++) {\n  ${inner.join('\n  ')}\n}`;
  } else {
    const bc = modes.flatMap((m, k) => (m === 'broadcast' ? [k] : []));
    const pre: string[] = [];
    for (let d = 0; d < rank; d++) pre.push(`const D${d} = X.dims[${d}];`);
    for (const k of bc) for (let d = 0; d < rank; d++) pre.push(`const st${k}_${d} = X.strides[${k}][${d}];`);
    let body = `${inner.join('\n')}\ni++;`;
    for (let d = rank - 1; d >= 0; d--) {
      const offs = bc.map((k) => `const o${k}_${d} = ${d === 0 ? '' : `o${k}_${d - 1} + `}d${d} * st${k}_${d};`).join(' ');
      body = `for (let d${d} = 0; d${d} < D${d}; d${d}++) { ${offs}\n${body}\n}`;
    }
    loop = `${pre.join('\n')}\nlet i = 0;\n${body}`;
  }
  const src = `"use strict";\n${head.join('\n')}\n${loop}`;
  return new Function('n', 'T', 'S', 'X', src) as ElementwiseLoop;
}

/** Compiles a reduction to a JavaScript loop: over everything, or along axes into a float64 scratch. */
export function compileReduction(kernel: ReductionKernel, modes: readonly BindingMode[], rank: number, all: boolean): ReductionLoop {
  const slot = new Map(kernel.inputs.map((n, i) => [n, i]));
  const scalarSlot = new Map(kernel.scalars.map((s, i) => [s, i]));
  const leaf = (node: Expr & { kind: 'input' | 'scalar' }): string =>
    node.kind === 'input' ? `v${slot.get(node.name)}` : `s${scalarSlot.get(node.name)}`;
  const { lines, values } = emitJs([kernel.body], { leaf });
  const fin = kernel.finalize
    ? emitJs(
        [kernel.finalize],
        {
          leaf: (node) => (node.kind === 'input' ? (node.name === 'acc' ? 'accv' : 'cnt') : `s${scalarSlot.get(node.name)}`),
        },
        'f',
      )
    : { lines: [], values: ['accv'] };
  const head: string[] = [];
  kernel.inputs.forEach((_, i) => head.push(`const a${i} = T[${i}];`));
  kernel.scalars.forEach((_, i) => head.push(`const s${i} = S[${i}];`));
  const reads: string[] = [];
  kernel.inputs.forEach((_, k) => {
    if (modes[k] === 'scalar') head.push(`const v${k} = a${k}[0];`);
    else reads.push(`const v${k} = a${k}[i];`);
  });
  const init = kernel.combine === 'sum' ? '0' : kernel.combine === 'max' ? '-Infinity' : 'Infinity';
  const combine = (acc: string, v: string): string =>
    kernel.combine === 'sum'
      ? `${acc} += ${v};`
      : `{ const w = ${v}; if (w ${kernel.combine === 'max' ? '>' : '<'} ${acc} || w !== w) ${acc} = w; }`;
  const finalize = `{ const cnt = X.count; ${fin.lines.join(' ')} out[o] = ${fin.values[0]}; }`;
  let src: string;
  if (all) {
    src = `${head.join('\n')}
let acc = ${init};
for (let i = 0; i < n; i++) { ${reads.join(' ')} ${lines.join(' ')} ${combine('acc', values[0]!)} }
{ const o = 0; const accv = acc; ${finalize} }`;
  } else {
    const pre: string[] = [];
    for (let d = 0; d < rank; d++) pre.push(`const D${d} = X.dims[${d}]; const os${d} = X.outStrides[${d}];`);
    let body = `${reads.join(' ')} ${lines.join(' ')} ${combine(`acc[o${rank - 1}]`, values[0]!)} i++;`;
    for (let d = rank - 1; d >= 0; d--) {
      body = `for (let d${d} = 0; d${d} < D${d}; d${d}++) { const o${d} = ${d === 0 ? '' : `o${d - 1} + `}d${d} * os${d};\n${body}\n}`;
    }
    src = `${head.join('\n')}
${pre.join('\n')}
const acc = X.scratch; const m = out.length;
acc.fill(${init}, 0, m);
let i = 0;
${body}
for (let o = 0; o < m; o++) { const accv = acc[o]; ${finalize} }`;
  }
  return new Function('n', 'T', 'S', 'X', 'out', `"use strict";\n${src}`) as ReductionLoop;
}
