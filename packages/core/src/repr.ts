/**
 * torch's `repr` of a tensor: `tensor([[1., 2.], [3., 4.]])`, `tensor([0.1000, 0.2000])`,
 * `tensor([1.0000e-05, 1.0000e+03])`; more than 1000 elements summarised with `...` (and the size).
 * torch's `set_printoptions` defaults: precision 4, threshold 1000, 3 edge items, line width 80.
 */
import type { Shape } from './shape.js';

/**
 * The format torch's `_Formatter` picks for the printed values: `1.` when all are integral, `0.1000`, or
 * Python's `{:.4e}` (`1.0000e-05`) when they span more than 1000× or reach 1e8 (or, not integral, go below
 * 1e-4). The width is that of the widest non-zero finite value.
 */
function formatter(values: number[]): [(v: number) => string, number] {
  const nonzero = values.filter((v) => v !== 0 && Number.isFinite(v));
  const max = Math.max(0, ...nonzero.map(Math.abs));
  const min = Math.min(Number.POSITIVE_INFINITY, ...nonzero.map(Math.abs));
  const int = values.every((v) => !Number.isFinite(v) || v === Math.trunc(v));
  const sci = max / min > 1000 || max > 1e8 || (!int && min < 1e-4);
  const fmt = (v: number): string => {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
    return int ? `${Object.is(v, -0) ? '-0' : v.toFixed(0)}.` : v.toFixed(4);
  };
  return [fmt, Math.max(1, ...nonzero.map((v) => fmt(v).length))];
}

/**
 * torch's repr of a tensor with these values, or of its size with `note` where the values cannot be read.
 *
 * @example
 * formatTensor(Float32Array.of(1, 2, 3, 4), [2, 2]); // 'tensor([[1., 2.],\n        [3., 4.]])'
 */
export function formatTensor(data: ArrayLike<number> | null, shape: Shape, note: string, tail: string[]): string {
  const nd = shape.length;
  const size = `size=(${shape.join(', ')}${nd === 1 ? ',' : ''})`;
  if (data === null) return `tensor(${[`<${note}>`, size, ...tail].join(', ')})`;
  const long = data.length > 1000;
  if (long || (data.length === 0 && nd !== 1)) tail.unshift(size.replace(',)', ')'));
  // walks the shown elements of each dimension (null stands for the `...`)
  const walk = <T>(d: number, at: number, leaf: (v: number) => T, join: (items: (T | null)[], d: number) => T): T => {
    if (d === nd) return leaf(data[at]!);
    const n = shape[d]!;
    let stride = 1;
    for (let i = d + 1; i < nd; i++) stride *= shape[i]!;
    const items: (T | null)[] = [];
    for (let i = 0; i < n; i++) {
      if (long && n > 6 && i > 2 && i < n - 3) i === 3 && items.push(null);
      else items.push(walk(d + 1, at + i * stride, leaf, join));
    }
    return join(items, d);
  };
  const shown: number[] = [];
  walk(
    0,
    0,
    (v) => shown.push(v),
    () => 0,
  );
  const [fmt, width] = formatter(shown);
  const body =
    data.length === 0
      ? '[]'
      : walk(
          0,
          0,
          (v) => fmt(v).padStart(width),
          (items, d) => {
            const pad = ' '.repeat(d + 8);
            if (d < nd - 1) return `[${items.map((c) => c ?? '...').join(`,${'\n'.repeat(nd - d - 1)}${pad}`)}]`;
            // the last dimension: as many elements per line as fit in 80 columns
            const per = Math.max(1, Math.floor((73 - d) / (width + 2)));
            const lines: string[] = [];
            for (let i = 0; i < items.length; i += per)
              lines.push(
                items
                  .slice(i, i + per)
                  .map((c) => c ?? ' ...')
                  .join(', '),
              );
            return `[${lines.join(`,\n${pad}`)}]`;
          },
        );
  return `tensor(${[body, ...tail].join(', ')})`;
}
