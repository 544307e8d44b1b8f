/**
 * Renders a schedule as an SVG picture with Vega-Lite (headless: no canvas, no browser). A separate entry
 * (`@tsoptim/lr-scheduler/svg`) so that the library itself does not load the plotting library.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { type ScheduleConfig, type ScheduleTrace, traceSchedule } from './from-config.js';

/** Options of {@link renderScheduleSvg}. */
export interface RenderOptions {
  /** Plot width in pixels (default 480). */
  width?: number;
  /** Height of each panel in pixels (default 200 for lr, 120 for momentum). */
  height?: number;
}

function rows(series: number[][], steps: number[]): { step: number; value: number; group: string }[] {
  return series.flatMap((values, g) => values.map((value, i) => ({ step: steps[i]!, value, group: `group ${g}` })));
}

function panel(title: string, values: ReturnType<typeof rows>, width: number, height: number, groups: number) {
  return {
    width,
    height,
    data: { values },
    mark: { type: 'line' as const, interpolate: 'linear' as const, strokeWidth: 2 },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'step' },
      y: { field: 'value', type: 'quantitative' as const, title, scale: { zero: false } },
      ...(groups > 1 ? { color: { field: 'group', type: 'nominal' as const, title: null } } : {}),
    },
  };
}

/**
 * The Vega-Lite spec of a trace: the lr over the steps (one line per group), and a momentum panel below when
 * the schedule cycles momentum.
 */
export function scheduleSpec(trace: ScheduleTrace, options: RenderOptions = {}): TopLevelSpec {
  const width = options.width ?? 480;
  const groups = trace.lr.length;
  const lr = panel('learning rate', rows(trace.lr, trace.steps), width, options.height ?? 200, groups);
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: trace.title, background: 'white' };
  if (trace.momentum === undefined) return { ...base, ...lr } as TopLevelSpec;
  const mom = panel('momentum', rows(trace.momentum, trace.steps), width, Math.round((options.height ?? 200) * 0.6), groups);
  return { ...base, vconcat: [lr, mom] } as TopLevelSpec;
}

/**
 * Renders a trace as SVG markup.
 *
 * @example
 * const svg = await renderScheduleSvg(traceSchedule({ scheduler: 'OneCycleLR', options: { maxLr: 0.1, totalSteps: 100 }, steps: 100 }));
 */
export async function renderScheduleSvg(trace: ScheduleTrace, options: RenderOptions = {}): Promise<string> {
  const view = new View(parse(compile(scheduleSpec(trace, options)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Traces a config ({@link traceSchedule}) and renders it.
 *
 * @throws ValueError on a malformed config.
 */
export async function renderConfigSvg(config: ScheduleConfig, options: RenderOptions = {}): Promise<string> {
  return renderScheduleSvg(traceSchedule(config), options);
}
