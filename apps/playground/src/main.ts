// The page: the form, the schedule preview, the live charts, checkpoints. Training runs in ./worker.ts.
import { CpuBackend, parameter } from '@tsoptim/core';
import {
  OPTIMIZERS,
  type Options,
  SCHEDULERS,
  currentLr,
  makeScheduler,
  optimizerEntry,
  schedulerDefaults,
  takesMetric,
} from './catalog.js';
import { drawLineChart } from './plot.js';
import type { BackendReport, FromWorker, ToWorker } from './protocol.js';
import type { Averaging, Evaluation, RunConfig, SessionState } from './session.js';

/** What the page knows, on `window.playground` for tests and the console. */
interface PageState {
  ready: boolean;
  backend: BackendReport | null;
  trainImages: number;
  step: number;
  total: number;
  training: boolean;
  /** The step at which training paused last (by the Pause button or the "pause at step" field). */
  pausedAt: number | null;
  done: boolean;
  losses: number[];
  lrs: number[];
  preview: number[];
  evaluation: { model: Evaluation; averaged: Evaluation | null } | null;
  verify: { identical: boolean; steps: number; threadedRuns: number; threads: 1 | 2 } | null;
  /** The step of the last checkpoint loaded. */
  loadedStep: number | null;
  error: string | null;
}

const state: PageState = {
  ready: false,
  backend: null,
  trainImages: 0,
  step: 0,
  total: 0,
  training: false,
  pausedAt: null,
  done: false,
  losses: [],
  lrs: [],
  preview: [],
  evaluation: null,
  verify: null,
  loadedStep: null,
  error: null,
};
(globalThis as { playground?: PageState }).playground = state;

/**
 * Runs 5 Adam steps on a 300,000-element parameter on the page's main thread, with two threads (the main
 * thread never blocks: it spins after its half) and with one, and compares the results bit for bit.
 */
async function mainThreadCheck(): Promise<{ threads: 1 | 2; threadedRuns: number; identical: boolean }> {
  const two = new CpuBackend({ threads: 2 });
  await two.ready();
  const one = new CpuBackend({ threads: 1 });
  const n = 300_000;
  const init = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  const grad = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
  const [a, b] = [two, one].map((backend) => {
    const p = parameter(init, { backend });
    const opt = optimizerEntry('@tsoptim/optim:adam').make([['p', p]], { lr: 0.01 });
    for (let s = 0; s < 5; s++) {
      p.setGrad(grad);
      opt.step();
    }
    return new Uint32Array(p.data.slice().buffer);
  });
  const result = { threads: two.threads, threadedRuns: two.pathCounts().threaded, identical: a!.every((v, i) => v === b![i]) };
  two.dispose();
  return result;
}
(globalThis as { playgroundMainThreadCheck?: typeof mainThreadCheck }).playgroundMainThreadCheck = mainThreadCheck;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const num = (id: string): number => Number($<HTMLInputElement>(id).value);
const optimizerSel = $<HTMLSelectElement>('optimizer');
const schedulerSel = $<HTMLSelectElement>('scheduler');
const optimizerOpts = $<HTMLTextAreaElement>('optimizer-options');
const schedulerOpts = $<HTMLTextAreaElement>('scheduler-options');
const statusEl = $('status');
const buttons = {
  train: $<HTMLButtonElement>('train'),
  pause: $<HTMLButtonElement>('pause'),
  resume: $<HTMLButtonElement>('resume'),
  verify: $<HTMLButtonElement>('verify'),
  save: $<HTMLButtonElement>('save'),
  load: $<HTMLInputElement>('load'),
};

// Optimizers grouped by package; schedulers by name.
for (const from of [...new Set(OPTIMIZERS.map((o) => o.from))]) {
  const group = document.createElement('optgroup');
  group.label = from;
  for (const o of OPTIMIZERS.filter((e) => e.from === from)) {
    const option = new Option(o.name, o.id);
    option.title = o.summary;
    group.appendChild(option);
  }
  optimizerSel.appendChild(group);
}
for (const s of SCHEDULERS) schedulerSel.appendChild(new Option(s, s));
optimizerSel.value = '@tsoptim/optim:adam';
schedulerSel.value = 'one_cycle_lr';

function parseJson(text: string, what: string): Options {
  const v = JSON.parse(text === '' ? '{}' : text) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} options must be a JSON object`);
  return v as Options;
}

function totalSteps(): number {
  const images = Math.min(num('train-size'), state.trainImages || num('train-size'));
  return Math.floor(images / Math.max(1, num('batch'))) * Math.max(1, num('epochs'));
}

function peakLr(): number {
  try {
    const lr = parseJson(optimizerOpts.value, 'optimizer').lr;
    return typeof lr === 'number' ? lr : 0.01;
  } catch {
    return 0.01;
  }
}

function fillOptimizerOptions(): void {
  optimizerOpts.value = JSON.stringify(optimizerEntry(optimizerSel.value).options);
}

function fillSchedulerOptions(): void {
  schedulerOpts.value = JSON.stringify(schedulerDefaults(schedulerSel.value, totalSteps(), peakLr()));
}

function config(): RunConfig {
  return {
    optimizer: optimizerSel.value,
    optimizerOptions: parseJson(optimizerOpts.value, 'optimizer'),
    scheduler: schedulerSel.value,
    schedulerOptions: parseJson(schedulerOpts.value, 'scheduler'),
    averaging: $<HTMLSelectElement>('averaging').value as Averaging,
    emaDecay: num('ema-decay'),
    swaStart: num('swa-start'),
    epochs: num('epochs'),
    batchSize: num('batch'),
    hidden: num('hidden'),
    seed: num('seed'),
    trainSize: num('train-size'),
  };
}

// The schedule preview: the chosen optimizer and scheduler on a dummy parameter, stepped as training would.
const previewBackend = new CpuBackend({ threads: 1 });

function preview(): void {
  try {
    const c = config();
    const p = parameter([0, 0, 0, 0], { shape: [2, 2], backend: previewBackend });
    const opt = optimizerEntry(c.optimizer).make([['w', p]], c.optimizerOptions);
    const sched = makeScheduler(c.scheduler, opt, c.schedulerOptions);
    const lrs: number[] = [];
    const total = totalSteps();
    for (let i = 0; i < total; i++) {
      lrs.push(currentLr(opt));
      p.setGrad([0, 0, 0, 0]);
      opt.step(() => 0);
      if (sched !== null) {
        if (takesMetric(c.scheduler)) (sched as unknown as { step(m: number): void }).step(1);
        else sched.step();
      }
    }
    state.preview = lrs;
    drawLineChart($('preview-chart'), {
      title: `schedule preview: learning rate over ${total} steps`,
      series: [{ name: c.scheduler, values: lrs, color: '#7b3294' }],
    });
    state.error = null;
  } catch (e) {
    state.preview = [];
    $('preview-chart').innerHTML = `<p class="error">preview: ${String((e as Error).message)}</p>`;
  }
  showStatus();
}

function showStatus(): void {
  const b = state.backend;
  const lines = [
    b === null
      ? 'starting the worker…'
      : `backend: ${b.threads} thread${b.threads === 2 ? 's' : ''} · cross-origin isolated: ${b.isolated} · threaded runs: ${b.threadedRuns} / SIMD runs: ${b.simdRuns}`,
    `step ${state.step} / ${state.total}${state.training ? ' · training' : ''}${state.done ? ' · done' : ''}` +
      (state.losses.length > 0 ? ` · loss ${state.losses.at(-1)!.toFixed(4)}` : ''),
  ];
  if (state.evaluation !== null) {
    const { model, averaged } = state.evaluation;
    lines.push(
      `test accuracy: model ${(100 * model.accuracy).toFixed(1)} %${averaged ? ` · averaged ${(100 * averaged.accuracy).toFixed(1)} %` : ''}`,
    );
  }
  if (state.verify !== null) {
    const v = state.verify;
    lines.push(
      `one-thread replay of ${v.steps} steps: ${v.identical ? 'bit-identical' : 'DIFFERENT'} (${v.threads} threads, ${v.threadedRuns} threaded runs)`,
    );
  }
  statusEl.textContent = lines.join('\n');
  if (state.error !== null) {
    const e = document.createElement('div');
    e.className = 'error';
    e.textContent = state.error;
    statusEl.appendChild(e);
  }
}

let drawPending = false;
function drawCharts(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawLineChart($('loss-chart'), {
      title: 'training loss (batch cross-entropy)',
      series: [{ name: 'loss', values: state.losses, color: '#1f77b4' }],
      logY: true,
    });
    drawLineChart($('lr-chart'), { title: 'learning rate (group 0)', series: [{ name: 'lr', values: state.lrs, color: '#d95f02' }] });
    showStatus();
  });
}

function download(st: SessionState): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(st)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `tsoptim-playground-step-${st.step}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function applyConfig(c: RunConfig): void {
  optimizerSel.value = c.optimizer;
  optimizerOpts.value = JSON.stringify(c.optimizerOptions);
  schedulerSel.value = c.scheduler;
  schedulerOpts.value = JSON.stringify(c.schedulerOptions);
  $<HTMLSelectElement>('averaging').value = c.averaging;
  const set = (id: string, v: number | undefined) => {
    if (v !== undefined) $<HTMLInputElement>(id).value = String(v);
  };
  set('ema-decay', c.emaDecay);
  set('swa-start', c.swaStart);
  set('epochs', c.epochs);
  set('batch', c.batchSize);
  set('hidden', c.hidden);
  set('seed', c.seed);
  set('train-size', c.trainSize);
}

let worker: Worker | null = null;
const send = (m: ToWorker): void => worker?.postMessage(m);

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready':
      state.ready = true;
      state.backend = m.backend;
      state.trainImages = m.trainImages;
      buttons.train.disabled = false;
      buttons.load.disabled = false;
      fillSchedulerOptions();
      preview();
      break;
    case 'progress':
      state.step = m.step;
      state.total = m.total;
      state.backend = m.backend;
      state.losses.push(...m.losses);
      state.lrs.push(...m.lrs);
      drawCharts();
      break;
    case 'done':
      state.training = false;
      state.done = true;
      state.backend = m.backend;
      state.evaluation = { model: m.model, averaged: m.averaged };
      buttons.pause.disabled = true;
      buttons.resume.disabled = true;
      break;
    case 'paused':
      state.training = false;
      state.pausedAt = m.step;
      buttons.resume.disabled = false;
      break;
    case 'saved':
      download(m.state);
      break;
    case 'loaded':
      applyConfig(m.config);
      state.loadedStep = m.step;
      state.step = m.step;
      state.total = m.total;
      state.losses = m.losses;
      state.lrs = m.lrs;
      state.done = m.step >= m.total;
      state.training = false;
      state.evaluation = null;
      buttons.resume.disabled = state.done;
      buttons.save.disabled = false;
      buttons.verify.disabled = false;
      drawCharts();
      break;
    case 'verified':
      state.verify = { identical: m.identical, steps: m.steps, threadedRuns: m.threadedRuns, threads: m.threads };
      break;
    case 'error':
      state.error = m.message;
      state.training = false;
      break;
  }
  showStatus();
}

function startWorker(): void {
  worker?.terminate();
  state.ready = false;
  state.backend = null;
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker = w;
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e) => {
    state.error = `worker: ${e.message}`;
    showStatus();
  };
  send({ type: 'init', threads: $<HTMLSelectElement>('threads').value === '1' ? 1 : 2 });
}

optimizerSel.addEventListener('change', () => {
  fillOptimizerOptions();
  fillSchedulerOptions();
  preview();
});
schedulerSel.addEventListener('change', () => {
  fillSchedulerOptions();
  preview();
});
for (const id of ['epochs', 'batch', 'train-size']) {
  $(id).addEventListener('change', () => {
    fillSchedulerOptions();
    preview();
  });
}
optimizerOpts.addEventListener('change', preview);
schedulerOpts.addEventListener('change', preview);
$('threads').addEventListener('change', startWorker);

buttons.train.addEventListener('click', () => {
  let c: RunConfig;
  try {
    c = config();
  } catch (e) {
    state.error = String((e as Error).message);
    showStatus();
    return;
  }
  Object.assign(state, {
    step: 0,
    total: totalSteps(),
    losses: [],
    lrs: [],
    done: false,
    training: true,
    pausedAt: null,
    evaluation: null,
    verify: null,
    error: null,
  });
  for (const b of [buttons.pause, buttons.verify, buttons.save]) b.disabled = false;
  buttons.resume.disabled = true;
  const pauseAt = $<HTMLInputElement>('pause-at').value;
  send(pauseAt === '' ? { type: 'train', config: c } : { type: 'train', config: c, pauseAt: Number(pauseAt) });
  drawCharts();
});
buttons.pause.addEventListener('click', () => {
  state.training = false;
  buttons.resume.disabled = false;
  send({ type: 'pause' });
});
buttons.resume.addEventListener('click', () => {
  state.training = true;
  state.pausedAt = null;
  buttons.resume.disabled = true;
  buttons.pause.disabled = false;
  send({ type: 'resume' });
});
buttons.verify.addEventListener('click', () => send({ type: 'verify' }));
buttons.save.addEventListener('click', () => send({ type: 'save' }));
buttons.load.addEventListener('change', async () => {
  const file = buttons.load.files?.[0];
  if (file === undefined) return;
  try {
    send({ type: 'load', state: JSON.parse(await file.text()) as SessionState });
  } catch (e) {
    state.error = `not a checkpoint: ${String((e as Error).message)}`;
    showStatus();
  }
});

fillOptimizerOptions();
startWorker();
drawCharts();
