import { type Backend, type Tensor, createRng, tensor, zeros } from '@tsoptim/core';
import { CosineAnnealingLR, LinearLR, type LRScheduler, OneCycleLR, SequentialLR } from '@tsoptim/lr-scheduler';
import {
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  type Variable,
  crossEntropy,
  noGrad,
  reshape,
  tidy,
} from '@tsoptim/nn';
import { AveragedModel, getEmaMultiAvgFn } from '@tsoptim/swa-utils';
import type { Optimizer } from '@tsoptim/optim';
import type { DemoOptimizer } from './demo-optimizers.js';
import { type DigitSet, type MnistSplit, PIXELS } from './mnist-data.js';

/** The demo's models: the MLP 784-hidden-10, or a LeNet-style CNN. */
export type ModelName = 'mlp' | 'cnn';

/** The learning-rate schedules the demo offers. */
export type ScheduleName = 'onecycle' | 'warmup-cosine' | 'constant';

/** Settings of one training run. */
export interface TrainSettings {
  /** Passes over the training set. */
  readonly epochs: number;
  /** Images per step. */
  readonly batchSize: number;
  /** Width of the hidden layer of the MLP 784-hidden-10. */
  readonly hidden: number;
  /** The model (default 'mlp'). */
  readonly model?: ModelName;
  /** Seed of the initial weights and of the shuffling (the same for every optimizer). */
  readonly seed: number;
  /** The learning-rate schedule (per step). */
  readonly schedule: ScheduleName;
  /** Decay of the EMA copy (AveragedModel with getEmaMultiAvgFn), per step. */
  readonly emaDecay: number;
  /** Where tensors live (the default backend when omitted). */
  readonly backend?: Backend;
  /** Scale every optimizer's peak learning rate by this factor (default 1). */
  readonly lrScale?: number;
}

/** Accuracy and loss of a model on a data set. */
export interface Evaluation {
  readonly accuracy: number;
  readonly loss: number;
}

/** What one training run produced. */
export interface RunResult {
  readonly id: string;
  readonly label: string;
  readonly from: string;
  readonly options: string;
  readonly peakLr: number;
  /** Batch loss of every step. */
  readonly losses: number[];
  /** Learning rate used at every step. */
  readonly lrs: number[];
  /** Mean batch loss over the last 10 % of steps. */
  readonly finalTrainLoss: number;
  readonly model: Evaluation;
  readonly ema: Evaluation;
  /** Seconds of training (the steps, not the evaluation). */
  readonly seconds: number;
  readonly steps: number;
  readonly stepsPerSecond: number;
}

/** Called after each step: step number (1-based), total steps, the batch loss. */
export type StepCallback = (step: number, total: number, loss: number) => void;

/**
 * The demo's model: an MLP 784 → hidden → 10 with ReLU, initialised from `seed` (torch's init rule).
 *
 * @example
 * const model = createMlp(128, 0);
 */
export function createMlp(hidden: number, seed: number, backend?: Backend): Module {
  const b = backend === undefined ? {} : { backend };
  return new Sequential(new Linear(PIXELS, hidden, { seed, ...b }), new ReLU(), new Linear(hidden, 10, { seed: seed + 1, ...b }));
}

/** `[N, 784]` → `[N, 1, 28, 28]`. */
class ToImage extends Module {
  forward(input: Variable | Tensor): Variable {
    return reshape(input, [-1, 1, 28, 28]);
  }
}

/**
 * The demo's CNN, LeNet-style with batch normalisation: conv 5×5 (6, padding 2) → BatchNorm2d → ReLU → max-pool
 * 2 → conv 5×5 (16) → BatchNorm2d → ReLU → max-pool 2 → 400 → 120 → 84 → 10, initialised from `seed`.
 *
 * @example
 * const model = createCnn(0);
 */
export function createCnn(seed: number, backend?: Backend): Module {
  const b = backend === undefined ? {} : { backend };
  return new Sequential(
    new ToImage(),
    new Conv2d(1, 6, 5, { padding: 2, seed, ...b }),
    new BatchNorm2d(6, b),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(6, 16, 5, { seed: seed + 1, ...b }),
    new BatchNorm2d(16, b),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(400, 120, { seed: seed + 2, ...b }),
    new ReLU(),
    new Linear(120, 84, { seed: seed + 3, ...b }),
    new ReLU(),
    new Linear(84, 10, { seed: seed + 4, ...b }),
  );
}

/**
 * Test accuracy and mean cross-entropy of `model` on `data`, in chunks of 1,000 images (200 for the CNN, whose
 * unfolded inputs are 25 times larger).
 *
 * @example
 * const { accuracy, loss } = evaluate(model, split.test);
 */
export function evaluate(model: Module, data: DigitSet, backend?: Backend, chunk = 1000): Evaluation {
  const wasTraining = model.training;
  model.eval();
  let hits = 0;
  let lossSum = 0;
  for (let start = 0; start < data.size; start += chunk) {
    const n = Math.min(chunk, data.size - start);
    const x = tensor(data.x.subarray(start * PIXELS, (start + n) * PIXELS), { shape: [n, PIXELS], ...(backend ? { backend } : {}) });
    const y = data.y.subarray(start, start + n);
    tidy(() =>
      noGrad(() => {
        const logits = model.forward(x);
        lossSum += crossEntropy(logits, y, { reduction: 'sum' }).item();
        const v = logits.data;
        for (let i = 0; i < n; i++) {
          let best = 0;
          for (let c = 1; c < 10; c++) if (v[i * 10 + c]! > v[i * 10 + best]!) best = c;
          if (best === y[i]) hits++;
        }
      }),
    );
    x.dispose();
  }
  model.train(wasTraining);
  return { accuracy: hits / data.size, loss: lossSum / data.size };
}

function supportsMomentum(opt: Optimizer): boolean {
  const d = opt.defaults as Record<string, unknown>;
  return 'momentum' in d || 'betas' in d;
}

/**
 * The per-step schedule: one-cycle (torch's OneCycleLR, 25 % warm-up, cosine down, momentum cycled where the
 * optimizer has one), or a linear warm-up over 5 % of the steps then cosine annealing to 0 (LinearLR then
 * CosineAnnealingLR in a SequentialLR), or a constant learning rate.
 */
export function createSchedule(opt: Optimizer, name: ScheduleName, peakLr: number, totalSteps: number): LRScheduler | null {
  if (name === 'onecycle') {
    return new OneCycleLR(opt, { maxLr: peakLr, totalSteps, pctStart: 0.25, cycleMomentum: supportsMomentum(opt) });
  }
  if (name === 'warmup-cosine') {
    const warm = Math.max(1, Math.round(totalSteps * 0.05));
    const warmup = new LinearLR(opt, { startFactor: 0.1, endFactor: 1, totalIters: warm });
    const cosine = new CosineAnnealingLR(opt, { tMax: Math.max(1, totalSteps - warm) });
    return new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [warm] });
  }
  return null;
}

/** Largest shift, in pixels, of the CNN's training images (augmentation). */
const SHIFT = 2;

/** A 28×28 image moved by (dx, dy) pixels into `dst` at `at`, zeros where it moved in from outside. */
function shiftInto(src: Float32Array, dst: Float32Array, at: number, dx: number, dy: number): void {
  dst.fill(0, at, at + PIXELS);
  for (let y = Math.max(0, dy); y < Math.min(28, 28 + dy); y++) {
    const from = (y - dy) * 28;
    const x0 = Math.max(0, dx);
    const x1 = Math.min(28, 28 + dx);
    dst.set(src.subarray(from + x0 - dx, from + x1 - dx), at + y * 28 + x0);
  }
}

/**
 * Trains the demo's model (the MLP, or the CNN on training images shifted at random by up to 2 pixels) on
 * `data.train` with one optimizer, a schedule and an EMA copy, then evaluates both on
 * `data.test`. Every run starts from the same weights and sees the batches in the same order.
 *
 * @param spec - the optimizer.
 * @param data - training and test sets.
 * @param settings - epochs, batch size, width, seed, schedule, EMA decay, backend.
 * @param onStep - progress callback.
 * @example
 * const r = trainRun(pickOptimizers(['adam'])[0], loadMnist(), { epochs: 1, batchSize: 64, hidden: 128, seed: 0, schedule: 'onecycle', emaDecay: 0.99 });
 */
export function trainRun(spec: DemoOptimizer, data: MnistSplit, settings: TrainSettings, onStep?: StepCallback): RunResult {
  const { epochs, batchSize, backend } = settings;
  const cnn = settings.model === 'cnn';
  const model = cnn ? createCnn(settings.seed, backend) : createMlp(settings.hidden, settings.seed, backend);
  const ema = new AveragedModel(model, { multiAvgFn: getEmaMultiAvgFn(settings.emaDecay) });
  const peakLr = spec.lr * (settings.lrScale ?? 1);
  // The schedule's lr overrides the optimizer's from the first step.
  const opt = spec.make(model.parameters(), peakLr);
  const n = data.train.size;
  const perEpoch = Math.floor(n / batchSize);
  const total = perEpoch * epochs;
  const sched = createSchedule(opt, settings.schedule, peakLr, total);
  const rng = createRng(settings.seed + 17);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const factory = backend === undefined ? {} : { backend };
  const xb: Tensor = zeros([batchSize, PIXELS], factory);
  const host = new Float32Array(batchSize * PIXELS);
  const yb = new Int32Array(batchSize);
  const losses: number[] = [];
  const lrs: number[] = [];
  const t0 = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let s = 0; s + batchSize <= n; s += batchSize) {
      for (let b = 0; b < batchSize; b++) {
        const r = order[s + b]!;
        const img = data.train.x.subarray(r * PIXELS, (r + 1) * PIXELS);
        if (cnn) shiftInto(img, host, b * PIXELS, rng.int(2 * SHIFT + 1) - SHIFT, rng.int(2 * SHIFT + 1) - SHIFT);
        else host.set(img, b * PIXELS);
        yb[b] = data.train.y[r]!;
      }
      xb.backend.write(xb, host);
      lrs.push(opt.paramGroups[0]!.lr as number);
      const loss = tidy(() => {
        opt.zeroGrad();
        const l = crossEntropy(model.forward(xb), yb);
        l.backward();
        opt.step();
        return l.item();
      });
      ema.updateParameters(model);
      sched?.step();
      losses.push(loss);
      step++;
      onStep?.(step, total, loss);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  xb.dispose();
  const tail = losses.slice(-Math.max(1, Math.ceil(losses.length / 10)));
  return {
    id: spec.id,
    label: spec.label,
    from: spec.from,
    options: spec.options,
    peakLr,
    losses,
    lrs,
    finalTrainLoss: tail.reduce((a, b) => a + b, 0) / tail.length,
    model: evaluate(model, data.test, backend, cnn ? 200 : 1000),
    ema: evaluate(ema.module, data.test, backend, cnn ? 200 : 1000),
    seconds,
    steps: step,
    stepsPerSecond: step / seconds,
  };
}
