// The page's charts, behind one function (drawLineChart), drawn with @tsoptim/plots.
import { lineChartSvg } from '@tsoptim/plots';

/** One line of a chart: the value at each step (1-based). */
export interface Series {
  readonly name: string;
  readonly values: readonly number[];
  readonly color: string;
}

/** What {@link drawLineChart} draws. */
export interface LineChartSpec {
  readonly title: string;
  readonly series: readonly Series[];
  /** Logarithmic y axis (non-positive values are left out). */
  readonly logY?: boolean;
  /** Size of the plotting area. */
  readonly width?: number;
  readonly height?: number;
}

/** Points drawn per line at most: longer runs are thinned to every k-th step. */
const MAX_POINTS = 800;

/**
 * Draws `spec` as an SVG line chart into `el` (replacing its content): x is the step, y the value. `el` gets
 * `data-points`: how many values of the first line are drawable (finite, and positive on a log axis), which
 * tests read.
 */
export function drawLineChart(el: HTMLElement, spec: LineChartSpec): void {
  const drawable = (v: number): boolean => Number.isFinite(v) && !(spec.logY && v <= 0);
  const series = spec.series.map((s) => {
    const stride = Math.max(1, Math.ceil(s.values.length / MAX_POINTS));
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < s.values.length; i += stride) {
      x.push(i + 1);
      y.push(s.values[i]!);
    }
    return { name: s.name, x, y, color: s.color };
  });
  // A log axis over no drawable value has no range: draw the empty chart on a linear axis.
  const any = spec.series.some((s) => s.values.some(drawable));
  el.innerHTML = lineChartSvg(series, {
    title: spec.title,
    xTitle: 'step',
    logY: (spec.logY ?? false) && any,
    width: spec.width ?? 480,
    height: spec.height ?? 180,
    legend: false,
  });
  el.dataset.points = String(spec.series[0]?.values.filter(drawable).length ?? 0);
}
