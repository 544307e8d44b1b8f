/**
 * Line charts as SVG markup, built as a string: no DOM, no canvas, no dependencies, so the same call serves
 * a command-line tool, a report written by Node and a page or a Web Worker in a browser.
 */
import { formatTick, makeScale } from './ticks.js';

/** One line of a chart: a name (shown in the legend) and its points. */
export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** A CSS colour; by default the next of ten distinguishable colours (Tableau 10). */
  readonly color?: string;
}

/** Options of one panel of axes ({@link lineChartSvg}, {@link stackedChartsSvg}). */
export interface AxesOptions {
  /** Title under the x axis. */
  readonly xTitle?: string;
  /** Title beside the y axis. */
  readonly yTitle?: string;
  /** Width of the plotting area in pixels (default 480). */
  readonly width?: number;
  /** Height of the plotting area in pixels (default 240). */
  readonly height?: number;
  /** Logarithmic y axis; points with y ≤ 0 are left out (default false). */
  readonly logY?: boolean;
  /** Include 0 in a linear y axis (default false: the axis fits the data). */
  readonly zeroY?: boolean;
  /** Fixed x range (for a chart that fills up as data arrives); points outside it are left out. */
  readonly xDomain?: readonly [number, number];
  /** Fixed y range; points outside it are left out. */
  readonly yDomain?: readonly [number, number];
  /** Show a legend beside the plot (default: when there is more than one series). */
  readonly legend?: boolean;
  /** Line width in pixels (default 2). */
  readonly strokeWidth?: number;
}

/** Options of a whole picture. */
export interface FigureOptions {
  /** Title above the chart. */
  readonly title?: string;
  /** Background fill (default `white`; `none` for transparent). */
  readonly background?: string;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions extends AxesOptions, FigureOptions {}

/** One panel of {@link stackedChartsSvg}. */
export interface Panel {
  readonly series: readonly Series[];
  readonly options?: AxesOptions;
}

/** Tableau 10, the default colours in order. */
export const PALETTE: readonly string[] = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];

const FONT = 11;
const CHAR = 6.2; // average advance of an 11 px sans-serif character, for layout
const TITLE = 14;

/** Escapes text for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as const)[c as '&']};`);
}

const px = (v: number) => String(Math.round(v * 100) / 100);

interface Block {
  readonly width: number;
  readonly height: number;
  /** Markup drawn with (0, 0) at the block's top-left corner. */
  readonly body: string;
}

function extent(values: Iterable<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** The panel: axes, grid, lines and legend. */
function axes(series: readonly Series[], o: AxesOptions): Block {
  const W = o.width ?? 480;
  const H = o.height ?? 240;
  const logY = o.logY === true;
  const [xd0, xd1] = o.xDomain ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const [yd0, yd1] = o.yDomain ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const keep = (x: number, y: number) =>
    Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0) && x >= xd0 && x <= xd1 && y >= yd0 && y <= yd1;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      if (keep(s.x[i]!, s.y[i]!)) {
        xs.push(s.x[i]!);
        ys.push(s.y[i]!);
      }
    }
  }
  const [x0, x1] = o.xDomain ?? extent(xs);
  const [y0, y1] = o.yDomain ?? extent(ys);
  const sx = makeScale(x0, x1, 0, W, { ticks: Math.max(2, Math.round(W / 80)) });
  const sy = makeScale(y0, y1, H, 0, { log: logY, zero: o.zeroY, ticks: Math.max(2, Math.round(H / 40)) });
  const yLabels = sy.ticks.map(formatTick);
  const yLabelWidth = Math.max(0, ...yLabels.map((l) => l.length * CHAR));
  const left = Math.ceil(yLabelWidth + 8 + (o.yTitle ? FONT + 10 : 0));
  const top = 6;
  const out: string[] = [];
  out.push(`<rect class="frame" x="0" y="0" width="${W}" height="${H}" fill="none" stroke="#ddd"/>`);
  const grid = sy.ticks.map((t) => `M0,${px(sy.at(t))}H${W}`).join('');
  const xgrid = sx.ticks.map((t) => `M${px(sx.at(t))},0V${H}`).join('');
  out.push(`<path class="grid" d="${xgrid}${grid}" stroke="#eee" fill="none"/>`);
  const xTicks = sx.ticks.map((t) => `M${px(sx.at(t))},${H}v5`).join('');
  const yTicks = sy.ticks.map((t) => `M0,${px(sy.at(t))}h-5`).join('');
  out.push(`<path class="ticks" d="${xTicks}${yTicks}" stroke="#888" fill="none"/>`);
  for (const t of sx.ticks) {
    out.push(`<text class="tick" x="${px(sx.at(t))}" y="${H + 7 + FONT}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`);
  }
  sy.ticks.forEach((t, i) => {
    out.push(`<text class="tick" x="-7" y="${px(sy.at(t) + FONT / 3)}" text-anchor="end">${escapeXml(yLabels[i]!)}</text>`);
  });
  let bottom = H + 7 + FONT + 4;
  if (o.xTitle) {
    bottom += FONT + 6;
    out.push(
      `<text class="axis-title" x="${px(W / 2)}" y="${bottom - 4}" text-anchor="middle" font-weight="bold">${escapeXml(o.xTitle)}</text>`,
    );
  }
  if (o.yTitle) {
    const x = -(yLabelWidth + 8 + 4);
    out.push(
      `<text class="axis-title" transform="translate(${px(x)},${px(H / 2)}) rotate(-90)" text-anchor="middle" font-weight="bold">${escapeXml(o.yTitle)}</text>`,
    );
  }
  const sw = o.strokeWidth ?? 2;
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    let d = '';
    let pen = false;
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const x = s.x[i]!;
      const y = s.y[i]!;
      if (!keep(x, y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(sx.at(x))},${px(sy.at(y))}`;
      pen = true;
    }
    out.push(
      `<path class="line" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${escapeXml(color)}" stroke-width="${sw}" stroke-linejoin="round"/>`,
    );
  });
  let right = 8;
  if (o.legend ?? series.length > 1) {
    const lx = W + 14;
    series.forEach((s, k) => {
      const color = s.color ?? PALETTE[k % PALETTE.length]!;
      const y = 8 + k * (FONT + 7);
      out.push(`<path class="swatch" d="M${lx},${y}h14" stroke="${escapeXml(color)}" stroke-width="${sw + 1}"/>`);
      out.push(`<text class="legend" x="${lx + 19}" y="${px(y + FONT / 3)}">${escapeXml(s.name)}</text>`);
    });
    right = 14 + 19 + Math.max(...series.map((s) => s.name.length * CHAR)) + 8;
  }
  const body = `<g transform="translate(${left},${top})">${out.join('')}</g>`;
  return { width: Math.ceil(left + W + right), height: Math.ceil(top + bottom), body };
}

function figure(blocks: readonly Block[], options: FigureOptions): string {
  const titleHeight = options.title ? TITLE + 14 : 0;
  const width = Math.max(...blocks.map((b) => b.width), options.title ? options.title.length * TITLE * 0.6 + 16 : 0);
  let y = titleHeight;
  const parts: string[] = [];
  for (const b of blocks) {
    parts.push(`<g transform="translate(0,${y})">${b.body}</g>`);
    y += b.height + 6;
  }
  const height = y + 4;
  const w = Math.ceil(width);
  const bg = options.background ?? 'white';
  const title = options.title
    ? `<text class="title" x="${px(w / 2)}" y="${TITLE + 4}" text-anchor="middle" font-size="${TITLE}" font-weight="bold">${escapeXml(options.title)}</text>`
    : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${height}" viewBox="0 0 ${w} ${height}" font-family="sans-serif" font-size="${FONT}" fill="#333">` +
    (bg === 'none' ? '' : `<rect width="${w}" height="${height}" fill="${escapeXml(bg)}"/>`) +
    title +
    parts.join('') +
    '</svg>'
  );
}

/**
 * A line chart of several series on one set of axes, as an SVG document (a string). Non-finite points
 * (and, on a log axis, points ≤ 0) are left out and break their line.
 *
 * @param series - the lines, drawn in order.
 * @param options - titles, size, log scale, fixed ranges, legend.
 * @returns `<svg …>…</svg>`, to write to a file, put in `innerHTML` or turn into a Blob URL.
 * @example
 * const svg = lineChartSvg([{ name: 'Adam', x: [1, 2, 3], y: [2.3, 1.1, 0.7] }], { title: 'loss', xTitle: 'step', yTitle: 'loss' });
 */
export function lineChartSvg(series: readonly Series[], options: LineChartOptions = {}): string {
  return figure([axes(series, options)], options);
}

/**
 * Several panels stacked vertically under one title (for example a learning rate above a momentum), as one
 * SVG document. Each panel colours its series from the first colour, so the same series index has the same
 * colour in every panel.
 *
 * @example
 * const svg = stackedChartsSvg(
 *   [{ series: [{ name: 'lr', x: steps, y: lr }], options: { yTitle: 'learning rate' } },
 *    { series: [{ name: 'momentum', x: steps, y: mom }], options: { yTitle: 'momentum', height: 120 } }],
 *   { title: 'OneCycleLR' },
 * );
 */
export function stackedChartsSvg(panels: readonly Panel[], options: FigureOptions = {}): string {
  return figure(
    panels.map((p) => axes(p.series, p.options ?? {})),
    options,
  );
}
