export {
  type AxesOptions,
  escapeXml,
  type FigureOptions,
  type LineChartOptions,
  lineChartSvg,
  PALETTE,
  type Panel,
  type Series,
  stackedChartsSvg,
} from './line-chart.js';
export { smooth } from './smooth.js';
export { formatTick, makeScale, niceTicks, type Scale } from './ticks.js';
