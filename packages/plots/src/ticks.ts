/** Axis arithmetic: domains, "nice" tick values and their labels. */

/** A linear or logarithmic mapping from data values to pixels. */
export interface Scale {
  readonly domain: readonly [number, number];
  readonly log: boolean;
  /** The pixel position of a value. */
  at(value: number): number;
  /** The tick values inside the domain. */
  readonly ticks: readonly number[];
}

const round = (v: number) => Number(v.toPrecision(12));

/**
 * Tick values at steps of 1, 2 or 5 × 10ᵏ covering `[lo, hi]`, about `count` of them.
 *
 * @example
 * niceTicks(0, 1, 5); // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const err = raw / mag;
  const step = (err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1) * mag;
  const ticks: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) ticks.push(round(i * step));
  return ticks;
}

/**
 * A short label for a tick: plain decimals for ordinary magnitudes, `1e-4` style for tiny or huge ones.
 *
 * @example
 * formatTick(0.0001); // '1e-4'
 */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential().split('e') as [string, string];
    return `${round(Number(m))}e${Number(e)}`;
  }
  return String(round(v));
}

/** Widens an empty or degenerate range so that a flat line still gets an axis. */
function widen(lo: number, hi: number, log: boolean): [number, number] {
  if (hi > lo) return [lo, hi];
  if (log) return [lo / 2, hi * 2];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - pad, hi + pad];
}

/**
 * A scale over `[lo, hi]` drawn from pixel `from` to pixel `to` (`to < from` for a y axis). A linear scale
 * extends its domain to the outer ticks; a log scale puts its ticks at powers of ten when the data spans
 * at least one, else at nice values.
 */
export function makeScale(
  lo: number,
  hi: number,
  from: number,
  to: number,
  options: { log?: boolean; zero?: boolean; ticks?: number } = {},
): Scale {
  const log = options.log === true;
  if (!log && options.zero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  [lo, hi] = widen(lo, hi, log);
  let ticks: number[];
  let d0: number;
  let d1: number;
  if (log) {
    const e0 = Math.floor(Math.log10(lo) + 1e-9);
    const e1 = Math.ceil(Math.log10(hi) - 1e-9);
    if (e1 - e0 >= 2 || (e1 - e0 === 1 && lo <= 10 ** e0 * 1.0001 && hi >= 10 ** e1 * 0.9999)) {
      const stride = Math.max(1, Math.ceil((e1 - e0) / (options.ticks ?? 6)));
      ticks = [];
      for (let e = e0; e <= e1; e += stride) ticks.push(round(10 ** e));
      d0 = 10 ** e0;
      d1 = 10 ** e1;
    } else {
      ticks = niceTicks(lo, hi, options.ticks ?? 5).filter((t) => t > 0);
      d0 = lo;
      d1 = hi;
    }
    const l0 = Math.log10(d0);
    const span = Math.log10(d1) - l0;
    return { domain: [d0, d1], log, ticks, at: (v) => from + ((Math.log10(v) - l0) / span) * (to - from) };
  }
  ticks = niceTicks(lo, hi, options.ticks ?? 5);
  d0 = Math.min(lo, ticks[0]!);
  d1 = Math.max(hi, ticks[ticks.length - 1]!);
  const span = d1 - d0;
  return { domain: [d0, d1], log, ticks, at: (v) => from + ((v - d0) / span) * (to - from) };
}
