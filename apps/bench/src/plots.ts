import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';

/** One line of a line chart: a name and its points. */
export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** Logarithmic y axis (default false). */
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Renders a Vega-Lite specification to SVG text, headless (Vega's SVG string renderer: no canvas, no
 * browser).
 *
 * @example
 * const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { ... } });
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * A line chart of several series on one set of axes, as SVG (Vega-Lite).
 *
 * @param series - the lines; non-finite points are dropped.
 * @param options - titles, log scale, size.
 * @example
 * const svg = await lineChartSvg([{ name: 'Adam', x: [1, 2], y: [2.3, 1.1] }], { title: 'loss', xTitle: 'step', yTitle: 'loss' });
 */
export async function lineChartSvg(series: readonly Series[], options: LineChartOptions): Promise<string> {
  const values: { series: string; x: number; y: number }[] = [];
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const y = s.y[i]!;
      if (Number.isFinite(y) && (!options.logY || y > 0)) values.push({ series: s.name, x: s.x[i]!, y });
    }
  }
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: options.width ?? 640,
    height: options.height ?? 320,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle },
      y: { field: 'y', type: 'quantitative', title: options.yTitle, scale: options.logY ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name) },
    },
  };
  return renderSvg(spec);
}

/**
 * A moving average over `window` points, then every `stride`-th point (so a chart of thousands of noisy
 * batch losses stays readable and small).
 *
 * @example
 * const { x, y } = smooth(losses, 25, 5);
 */
export function smooth(values: readonly number[], window: number, stride: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    const n = Math.min(i + 1, window);
    if (i % stride === stride - 1 || i === values.length - 1) {
      x.push(i + 1);
      y.push(sum / n);
    }
  }
  return { x, y };
}
