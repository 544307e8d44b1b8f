import { type Backend, type Tensor, createRng, tensor, zeros } from '@tsoptim/core';
import type { LRScheduler } from '@tsoptim/lr-scheduler';
import { Linear, type Module, ReLU, Sequential, crossEntropy, noGrad, tidy } from '@tsoptim/nn';
import type { Optimizer } from '@tsoptim/optim';
import { AveragedModel, getEmaMultiAvgFn } from '@tsoptim/swa-utils';
import { type Options, currentLr, makeScheduler, optimizerEntry, takesMetric } from './catalog.js';
import { type DigitSet, PIXELS } from './data.js';

/** Weight averaging beside the trained model. */
export type Averaging = 'none' | 'ema' | 'swa';

/** Everything that defines a run (saved in the state dict, so that a checkpoint resumes the same run). */
export interface RunConfig {
  /** An {@link OptimizerEntry} id (`@tsoptim/optim:adam`). */
  readonly optimizer: string;
  readonly optimizerOptions: Options;
  /** A scheduler name from {@link SCHEDULERS}; stepped once per training step. */
  readonly scheduler: string;
  readonly schedulerOptions: Options;
  readonly averaging: Averaging;
  /** EMA decay per step. */
  readonly emaDecay: number;
  /** First step averaged by SWA. */
  readonly swaStart: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Width of the hidden layer of the MLP 784 → hidden → 10. */
  readonly hidden: number;
  /** Seed of the initial weights and of the shuffling. */
  readonly seed: number;
  /** Training images used (a class-balanced prefix of the training split); all when absent. */
  readonly trainSize?: number;
}

/** A checkpoint: plain data (JSON), as a download holds it. */
export interface SessionState {
  readonly format: 'tsoptim-playground/1';
  readonly config: RunConfig;
  readonly step: number;
  readonly losses: number[];
  readonly lrs: number[];
  readonly model: unknown;
  readonly optimizer: unknown;
  readonly scheduler: unknown;
  readonly averaged: unknown;
}

/** Accuracy and mean cross-entropy on a data set. */
export interface Evaluation {
  readonly accuracy: number;
  readonly loss: number;
}

const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

/**
 * One training run of the MLP on a digit set: model, optimizer, scheduler, optional EMA/SWA copy. Batches of
 * epoch e come from a permutation seeded by (seed, e), so a run is a function of its config and its step: a
 * state dict taken at any step and loaded into a fresh session continues bit for bit.
 */
export class Session {
  readonly model: Module;
  readonly optimizer: Optimizer;
  readonly scheduler: LRScheduler | null;
  readonly averaged: AveragedModel | null;
  readonly totalSteps: number;
  readonly perEpoch: number;
  step = 0;
  readonly losses: number[] = [];
  readonly lrs: number[] = [];
  private readonly xb: Tensor;
  private readonly host: Float32Array;
  private readonly yb: Int32Array;
  private order: Int32Array | null = null;
  private orderEpoch = -1;

  constructor(
    readonly config: RunConfig,
    private readonly data: DigitSet,
    private readonly backend: Backend,
  ) {
    const b = { backend };
    this.model = new Sequential(
      new Linear(PIXELS, config.hidden, { seed: config.seed, ...b }),
      new ReLU(),
      new Linear(config.hidden, 10, { seed: config.seed + 1, ...b }),
    );
    this.optimizer = optimizerEntry(config.optimizer).make(this.model.namedParameters(), config.optimizerOptions);
    this.scheduler = makeScheduler(config.scheduler, this.optimizer, config.schedulerOptions);
    this.averaged =
      config.averaging === 'ema'
        ? new AveragedModel(this.model, { multiAvgFn: getEmaMultiAvgFn(config.emaDecay) })
        : config.averaging === 'swa'
          ? new AveragedModel(this.model)
          : null;
    this.perEpoch = Math.floor(data.size / config.batchSize);
    this.totalSteps = this.perEpoch * config.epochs;
    this.xb = zeros([config.batchSize, PIXELS], b);
    this.host = new Float32Array(config.batchSize * PIXELS);
    this.yb = new Int32Array(config.batchSize);
  }

  /** True once every step of the run has been taken. */
  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  private epochOrder(epoch: number): Int32Array {
    if (this.orderEpoch !== epoch || this.order === null) {
      const n = this.data.size;
      const order = Int32Array.from({ length: n }, (_, i) => i);
      const rng = createRng(this.config.seed * 7919 + epoch + 17);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      this.order = order;
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  /** Takes one training step; returns its batch loss and the learning rate it used. */
  trainStep(): { loss: number; lr: number } {
    const { batchSize } = this.config;
    const epoch = Math.floor(this.step / this.perEpoch);
    const start = (this.step % this.perEpoch) * batchSize;
    const order = this.epochOrder(epoch);
    const { x, y } = this.data;
    for (let b = 0; b < batchSize; b++) {
      const r = order[start + b]!;
      this.host.set(x.subarray(r * PIXELS, (r + 1) * PIXELS), b * PIXELS);
      this.yb[b] = y[r]!;
    }
    this.backend.write(this.xb, this.host);
    const lr = currentLr(this.optimizer);
    const opt = this.optimizer;
    const loss = tidy(() => {
      const value = opt.step(() => {
        opt.zeroGrad();
        const l = crossEntropy(this.model.forward(this.xb), this.yb);
        l.backward();
        return l.item();
      });
      return typeof value === 'number' ? value : Number.NaN;
    });
    if (this.averaged !== null && (this.config.averaging === 'ema' || this.step >= this.config.swaStart)) {
      this.averaged.updateParameters(this.model);
    }
    if (this.scheduler !== null) {
      if (takesMetric(this.config.scheduler)) (this.scheduler as unknown as { step(m: number): void }).step(loss);
      else this.scheduler.step();
    }
    this.step++;
    this.losses.push(loss);
    this.lrs.push(lr);
    return { loss, lr };
  }

  /** Accuracy and loss of the model (or of its EMA/SWA copy) on `data`, in chunks of 500 images. */
  evaluate(data: DigitSet, which: 'model' | 'averaged' = 'model'): Evaluation {
    const net: Module = which === 'averaged' && this.averaged !== null ? this.averaged : this.model;
    const was = net.training;
    net.eval();
    let hits = 0;
    let lossSum = 0;
    for (let start = 0; start < data.size; start += 500) {
      const n = Math.min(500, data.size - start);
      const xs = tensor(data.x.subarray(start * PIXELS, (start + n) * PIXELS), { shape: [n, PIXELS], backend: this.backend });
      const ys = data.y.subarray(start, start + n);
      tidy(() =>
        noGrad(() => {
          const logits = net.forward(xs);
          lossSum += crossEntropy(logits, ys, { reduction: 'sum' }).item();
          const v = logits.data;
          for (let i = 0; i < n; i++) {
            let best = 0;
            for (let c = 1; c < 10; c++) if (v[i * 10 + c]! > v[i * 10 + best]!) best = c;
            if (best === ys[i]) hits++;
          }
        }),
      );
      xs.dispose();
    }
    net.train(was);
    return { accuracy: hits / data.size, loss: lossSum / data.size };
  }

  /** A checkpoint of the whole run as plain data (`JSON.stringify` it to save; `postMessage` carries it). */
  stateDict(): SessionState {
    return {
      format: 'tsoptim-playground/1',
      config: this.config,
      step: this.step,
      losses: [...this.losses],
      lrs: [...this.lrs],
      model: plain(this.model.stateDict()),
      optimizer: plain(this.optimizer.stateDict()),
      scheduler: this.scheduler === null ? null : plain(this.scheduler.stateDict()),
      averaged: this.averaged === null ? null : plain(this.averaged.stateDict()),
    };
  }

  /** Loads a checkpoint of a run with the same config (make the session from `state.config`). */
  loadStateDict(state: SessionState): void {
    if (state.format !== 'tsoptim-playground/1') throw new Error('not a tsoptim playground checkpoint');
    this.model.loadStateDict(state.model as never);
    this.optimizer.loadStateDict(state.optimizer as never);
    if (this.scheduler !== null) this.scheduler.loadStateDict(state.scheduler as never);
    if (this.averaged !== null) this.averaged.loadStateDict(state.averaged as never);
    this.step = state.step;
    this.losses.splice(0, this.losses.length, ...state.losses);
    this.lrs.splice(0, this.lrs.length, ...state.lrs);
  }

  /** Every parameter's values, concatenated (for bit-for-bit comparisons). */
  parameterBytes(): Float32Array {
    const ps = this.model.parameters();
    const out = new Float32Array(ps.reduce((s, p) => s + p.size, 0));
    let o = 0;
    for (const p of ps) {
      out.set(p.data, o);
      o += p.size;
    }
    return out;
  }

  /** Frees the batch buffer. */
  dispose(): void {
    this.xb.dispose();
  }
}
