import type { Evaluation, RunConfig, SessionState } from './session.js';

/** Messages from the page to the training worker. */
export type ToWorker =
  | { readonly type: 'init'; readonly threads: 1 | 2 }
  | {
      readonly type: 'train';
      readonly config: RunConfig /** Pause once this step is done (none when absent). */;
      readonly pauseAt?: number;
    }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'save' }
  | { readonly type: 'load'; readonly state: SessionState }
  | { readonly type: 'verify' };

/** What the worker's backend reports. */
export interface BackendReport {
  /** Threads the CPU backend runs large kernels on (2 only while its helper worker runs). */
  readonly threads: 1 | 2;
  /** Whether the worker's context is cross-origin isolated. */
  readonly isolated: boolean;
  /** Kernel runs whose second half the helper thread ran. */
  readonly threadedRuns: number;
  /** Kernel runs in WebAssembly SIMD. */
  readonly simdRuns: number;
}

/** Messages from the training worker to the page. */
export type FromWorker =
  | { readonly type: 'ready'; readonly backend: BackendReport; readonly trainImages: number; readonly testImages: number }
  | {
      readonly type: 'progress';
      readonly step: number;
      readonly total: number;
      /** Losses and learning rates of the steps since the last message. */
      readonly losses: number[];
      readonly lrs: number[];
      readonly backend: BackendReport;
    }
  | { readonly type: 'done'; readonly model: Evaluation; readonly averaged: Evaluation | null; readonly backend: BackendReport }
  | { readonly type: 'paused'; readonly step: number }
  | { readonly type: 'saved'; readonly state: SessionState }
  | {
      readonly type: 'loaded';
      readonly step: number;
      readonly total: number;
      readonly losses: number[];
      readonly lrs: number[];
      readonly config: RunConfig;
    }
  | {
      readonly type: 'verified';
      readonly identical: boolean;
      readonly steps: number;
      readonly threadedRuns: number;
      readonly threads: 1 | 2;
    }
  | { readonly type: 'error'; readonly message: string };
