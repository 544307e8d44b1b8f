/**
 * torch's `repr` of a tensor: `tensor([[1., 2.], [3., 4.]])`, `tensor([0.1000, 0.2000])`,
 * `tensor([1.0000e-05, 1.0000e+03])`; large tensors summarised with `...` (and their size).
 */
import type { Shape } from './shape.js';

/** Print options (torch's `set_printoptions` defaults). */
const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;

/** Python's `'{:.4e}'`: a mantissa with 4 decimals and a signed exponent of at least two digits. */
function sci(v: number): string {
  const [m, e] = v.toExponential(PRECISION).split('e') as [string, string];
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return null;
}

/** Chooses the format for a set of values as torch's `_Formatter` does. */
function formatter(values: Iterable<number>): (v: number) => string {
  let intMode = true;
  let maxAbs = 0;
  let minAbs = Number.POSITIVE_INFINITY;
  let any = false;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    any = true;
    if (v !== Math.trunc(v)) intMode = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  if (!any) return (v) => special(v) ?? String(v);
  const ratio = minAbs === Number.POSITIVE_INFINITY ? 1 : maxAbs / minAbs;
  if (intMode) {
    if (ratio > 1000 || maxAbs > 1e8) return (v) => special(v) ?? sci(v);
    return (v) => special(v) ?? `${v === 0 && 1 / v < 0 ? '-0' : v.toFixed(0)}.`;
  }
  const useSci = ratio > 1000 || maxAbs > 1e8 || minAbs < 1e-4;
  return (v) => special(v) ?? (useSci ? sci(v) : v.toFixed(PRECISION));
}

/**
 * Formats values of the given shape (row-major) as torch prints them, without the `tensor(` prefix; `indent`
 * is the column at which the opening bracket stands.
 */
export function formatValues(data: ArrayLike<number>, shape: Shape, indent: number): { text: string; summarised: boolean } {
  const summarised = data.length > THRESHOLD;
  const nd = shape.length;
  const strides: number[] = [];
  for (let d = nd - 1, s = 1; d >= 0; s *= shape[d--]!) strides[d] = s;
  // walks the shown elements: at each level, the indices shown (null stands for the `...`)
  const walk = <T>(d: number, offset: number, leaf: (v: number) => T, join: (items: (T | null)[], d: number) => T): T => {
    if (d === nd) return leaf(data[offset]!);
    const n = shape[d]!;
    const idx: (number | null)[] = [];
    for (let i = 0; i < n; i++) {
      if (summarised && n > 2 * EDGE_ITEMS && i >= EDGE_ITEMS && i < n - EDGE_ITEMS) {
        if (i === EDGE_ITEMS) idx.push(null);
      } else idx.push(i);
    }
    return join(
      idx.map((i) => (i === null ? null : walk(d + 1, offset + i * strides[d]!, leaf, join))),
      d,
    );
  };
  if (nd === 0) return { text: formatter([data[0]!])(data[0]!), summarised: false };
  // the elements actually printed decide the format and the width
  const printed: number[] = [];
  walk(0, 0, (v) => printed.push(v), () => 0);
  const fmt = formatter(printed);
  // as torch: the width comes from the non-zero finite values (nan and inf may stick out)
  const width = Math.max(1, ...printed.filter((v) => v !== 0 && Number.isFinite(v)).map((v) => fmt(v).length));
  const text = walk<string>(
    0,
    0,
    (v) => fmt(v).padStart(width),
    (items, d) => {
      const col = indent + d;
      if (d === nd - 1) {
        // the last dimension: as many elements per line as fit in the line width
        const cells = items.map((c) => c ?? ' ...');
        const perLine = Math.max(1, Math.floor((LINE_WIDTH - col) / (width + 2)));
        const lines: string[] = [];
        for (let i = 0; i < cells.length; i += perLine) lines.push(cells.slice(i, i + perLine).join(', '));
        return `[${lines.join(`,\n${' '.repeat(col + 1)}`)}]`;
      }
      return `[${items.map((c) => c ?? '...').join(`,${'\n'.repeat(nd - d - 1)}${' '.repeat(col + 1)}`)}]`;
    },
  );
  return { text, summarised };
}

/**
 * torch's repr of a tensor with these values (or `null` when they cannot be read synchronously).
 *
 * @example
 * formatTensor(Float32Array.of(1, 2, 3, 4), [2, 2]); // 'tensor([[1., 2.],\n        [3., 4.]])'
 */
export function formatTensor(
  data: ArrayLike<number> | null,
  shape: Shape,
  extras: { backend?: string | undefined; note?: string | undefined; prefix?: string; trailing?: readonly string[] } = {},
): string {
  const prefix = extras.prefix ?? 'tensor';
  const tail: string[] = [];
  let body: string;
  if (data === null) {
    body = `<${extras.note ?? 'not readable synchronously'}>`;
    tail.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
  } else if (data.length === 0) {
    body = '[]';
    if (shape.length !== 1) tail.push(`size=(${shape.join(', ')})`);
  } else {
    const { text, summarised } = formatValues(data, shape, prefix.length + 1);
    body = text;
    if (summarised) tail.push(`size=(${shape.join(', ')})`);
  }
  if (extras.backend !== undefined) tail.push(`backend='${extras.backend}'`);
  if (extras.trailing) tail.push(...extras.trailing);
  return `${prefix}(${[body, ...tail].join(', ')})`;
}
