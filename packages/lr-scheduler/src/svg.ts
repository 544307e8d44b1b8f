/**
 * Renders a schedule as an SVG picture with `@tsoptim/plots` (a string: no DOM, no canvas, no browser). A
 * separate entry (`@tsoptim/lr-scheduler/svg`) so that the library itself does not load the renderer.
 */
import { type Panel, type Series, stackedChartsSvg } from '@tsoptim/plots';
import { type ScheduleConfig, type ScheduleTrace, traceSchedule } from './from-config.js';

/** Options of {@link renderScheduleSvg}. */
export interface RenderOptions {
  /** Plot width in pixels (default 480). */
  width?: number;
  /** Height of the lr panel in pixels (default 200; the momentum panel is 0.6 of it). */
  height?: number;
}

function lines(series: number[][], steps: number[]): Series[] {
  return series.map((y, g) => ({ name: `group ${g}`, x: steps, y }));
}

/**
 * The panels of a trace: the lr over the steps (one line per group), and a momentum panel below when the
 * schedule cycles momentum.
 */
export function schedulePanels(trace: ScheduleTrace, options: RenderOptions = {}): Panel[] {
  const width = options.width ?? 480;
  const height = options.height ?? 200;
  const panels: Panel[] = [{ series: lines(trace.lr, trace.steps), options: { width, height, xTitle: 'step', yTitle: 'learning rate' } }];
  if (trace.momentum !== undefined) {
    panels.push({
      series: lines(trace.momentum, trace.steps),
      options: { width, height: Math.round(height * 0.6), xTitle: 'step', yTitle: 'momentum' },
    });
  }
  return panels;
}

/**
 * Renders a trace as SVG markup.
 *
 * @example
 * const svg = renderScheduleSvg(traceSchedule({ scheduler: 'OneCycleLR', options: { maxLr: 0.1, totalSteps: 100 }, steps: 100 }));
 */
export function renderScheduleSvg(trace: ScheduleTrace, options: RenderOptions = {}): string {
  return stackedChartsSvg(schedulePanels(trace, options), { title: trace.title });
}

/**
 * Traces a config ({@link traceSchedule}) and renders it.
 *
 * @throws ValueError on a malformed config.
 */
export function renderConfigSvg(config: ScheduleConfig, options: RenderOptions = {}): string {
  return renderScheduleSvg(traceSchedule(config), options);
}
