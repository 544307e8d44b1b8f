// The page's charts, behind one function (drawLineChart) so that another renderer can replace it.

/** One line of a chart. */
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
  readonly width?: number;
  readonly height?: number;
}

const NS = 'http://www.w3.org/2000/svg';
const MAX_POINTS = 800;

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

/**
 * Draws `spec` as an SVG line chart into `el` (replacing its content): x is the step, y the value. Each line's
 * `<path>` carries `data-points` (how many of its values are drawable), which tests read.
 */
export function drawLineChart(el: HTMLElement, spec: LineChartSpec): void {
  const W = spec.width ?? 560;
  const H = spec.height ?? 240;
  const m = { l: 56, r: 12, t: 26, b: 28 };
  const ty = (v: number): number => (spec.logY ? Math.log10(v) : v);
  let n = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of spec.series) {
    n = Math.max(n, s.values.length);
    for (const v of s.values) {
      if (!Number.isFinite(v) || (spec.logY && v <= 0)) continue;
      lo = Math.min(lo, ty(v));
      hi = Math.max(hi, ty(v));
    }
  }
  if (!(hi >= lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi === lo) {
    hi += 0.5;
    lo -= 0.5;
  }
  const x = (i: number): number => m.l + ((W - m.l - m.r) * i) / Math.max(1, n - 1);
  const y = (v: number): number => m.t + ((H - m.t - m.b) * (hi - ty(v))) / (hi - lo);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  const add = (tag: string, attrs: Record<string, string>, text?: string): SVGElement => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  add('rect', { x: '0', y: '0', width: String(W), height: String(H), fill: '#fff' });
  add('text', { x: String(m.l), y: '16', 'font-size': '13', 'font-weight': '600' }, spec.title);
  for (let k = 0; k <= 4; k++) {
    const tv = lo + ((hi - lo) * k) / 4;
    const py = m.t + ((H - m.t - m.b) * (4 - k)) / 4;
    add('line', { x1: String(m.l), x2: String(W - m.r), y1: String(py), y2: String(py), stroke: '#e5e5e5' });
    add('text', { x: String(m.l - 4), y: String(py + 4), 'font-size': '10', 'text-anchor': 'end' }, fmt(spec.logY ? 10 ** tv : tv));
  }
  add('text', { x: String(W - m.r), y: String(H - 8), 'font-size': '10', 'text-anchor': 'end' }, `step ${n}`);
  add('text', { x: String(m.l), y: String(H - 8), 'font-size': '10' }, '0');
  spec.series.forEach((s, si) => {
    const stride = Math.max(1, Math.ceil(s.values.length / MAX_POINTS));
    let d = '';
    const shown = s.values.filter((v) => Number.isFinite(v) && !(spec.logY && v <= 0)).length;
    for (let i = 0; i < s.values.length; i += stride) {
      const v = s.values[i]!;
      if (!Number.isFinite(v) || (spec.logY && v <= 0)) continue;
      d += `${d === '' ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    }
    add('path', { d: d === '' ? 'M0,0' : d, fill: 'none', stroke: s.color, 'stroke-width': '1.5', 'data-points': String(shown), 'data-series': s.name });
    add('text', { x: String(W - m.r), y: String(16 + 12 * si), 'font-size': '11', 'text-anchor': 'end', fill: s.color }, s.name);
  });
  el.replaceChildren(svg);
}
