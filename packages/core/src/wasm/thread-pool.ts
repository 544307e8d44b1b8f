/**
 * One helper thread that runs compiled kernels over the second half of large tensors in the backend's shared
 * WebAssembly.Memory: Node's worker_threads in Node, a Web Worker in a cross-origin-isolated page (see
 * web-threads.ts for what differs there). In Node, synchronisation is one Atomics.notify to start and one
 * Atomics.wait for the result; the worker never keeps the process alive (unref) and is stopped by
 * {@link ThreadPool.dispose}.
 */

import { CLAIM, TAKEOVER_MS, webCanBlock, webThreadsUnavailableReason, webWorkerSource } from './web-threads.js';

/** Control words (Int32 indices into the shared control buffer). */
const SEQ = 0;
const DONE = 1;
const FN = 2;
const ARGC = 3;
const READY = 4;
const FAILED = 5;
const ARGS_BYTE_OFFSET = 64;
const MAX_ARGS = 256;

const WORKER_SOURCE = `
'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, control, port } = workerData;
const ctl = new Int32Array(control);
const args = new Float64Array(control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
const fns = [];
const drain = () => {
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m === undefined) return;
    const { id, module, name } = m.message;
    fns[id] = new WebAssembly.Instance(module, { env: { memory } }).exports[name];
  }
};
drain();
Atomics.store(ctl, ${READY}, 1);
let seen = Atomics.load(ctl, ${SEQ});
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === -1) break;
  if (seq === seen) continue;
  seen = seq;
  drain();
  const id = ctl[${FN}];
  const argc = ctl[${ARGC}];
  let f = fns[id];
  for (let tries = 0; f === undefined && tries < 10000; tries++) { Atomics.wait(ctl, ${FAILED}, 0, 1); drain(); f = fns[id]; }
  try {
    if (f === undefined) throw new Error('unknown kernel');
    const a = new Array(argc);
    for (let i = 0; i < argc; i++) a[i] = args[i];
    f.apply(null, a);
  } catch (e) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, seq);
  Atomics.notify(ctl, ${DONE});
}
`;

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: string, fn: (...a: unknown[]) => void): void;
}
interface WorkerThreadsModule {
  Worker: new (src: string, opts: Record<string, unknown>) => WorkerLike;
  MessageChannel: new () => { port1: { postMessage(m: unknown): void; close(): void }; port2: unknown };
}

/** Node's worker_threads when this runtime has it (Node ≥ 20.16), else null. */
function workerThreads(): WorkerThreadsModule | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreadsModule | undefined) ?? null;
  } catch {
    return null;
  }
}

/** True when helper threads can run here. */
export function threadsAvailable(): boolean {
  return threadsUnavailableReason() === null;
}

/** Why a helper thread cannot run here (a sentence for a warning), or null when it can. */
export function threadsUnavailableReason(): string | null {
  if (workerThreads() !== null) {
    return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' ? null : 'SharedArrayBuffer is not available';
  }
  return webThreadsUnavailableReason();
}

/** True in Node (worker_threads); false in browsers and other runtimes. */
export function isNodeThreads(): boolean {
  return workerThreads() !== null;
}

interface WebWorkerLike {
  postMessage(m: unknown): void;
  terminate(): void;
  addEventListener(type: string, fn: () => void): void;
}

const LAYOUT = { SEQ, DONE, FN, ARGC, READY, FAILED, ARGS_BYTE_OFFSET, MAX_ARGS };
let webSourceUrl: string | null = null;

/** Starts the helper as a Web Worker from a Blob URL (made once), handing it the memory and control words. */
function startWebWorker(memory: WebAssembly.Memory, control: SharedArrayBuffer, onBroken: () => void): WebWorkerLike {
  const g = globalThis as unknown as { Worker: new (url: string) => WebWorkerLike; Blob: typeof Blob };
  if (webSourceUrl === null) {
    webSourceUrl = URL.createObjectURL(new g.Blob([webWorkerSource(LAYOUT)], { type: 'text/javascript' }));
  }
  const worker = new g.Worker(webSourceUrl);
  worker.addEventListener('error', onBroken);
  worker.addEventListener('messageerror', onBroken);
  worker.postMessage({ memory, control });
  return worker;
}

/** A helper thread sharing `memory`. */
export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private worker: WorkerLike | null;
  private readonly port: { postMessage(m: unknown): void; close(): void };
  private seq = 0;
  private broken = false;
  /** The Web Worker helper (browsers); null in Node. */
  private web: WebWorkerLike | null = null;
  /** Whether this thread may block in Atomics.wait (false on a page's main thread). */
  private readonly canBlock: boolean = true;

  constructor(memory: WebAssembly.Memory) {
    const control = new SharedArrayBuffer(ARGS_BYTE_OFFSET + MAX_ARGS * 8);
    this.ctl = new Int32Array(control, 0, ARGS_BYTE_OFFSET / 4);
    this.args = new Float64Array(control, ARGS_BYTE_OFFSET, MAX_ARGS);
    const wt = workerThreads();
    if (wt === null) {
      const reason = webThreadsUnavailableReason();
      if (reason !== null) throw new Error(reason);
      const web = startWebWorker(memory, control, () => {
        this.broken = true;
      });
      this.web = web;
      this.canBlock = webCanBlock();
      this.port = { postMessage: (m) => web.postMessage(m), close: () => {} };
      this.worker = {
        unref: () => {},
        terminate: async () => {
          web.terminate();
          return 0;
        },
        on: () => {},
      };
      return;
    }
    const { port1, port2 } = new wt.MessageChannel();
    this.port = port1;
    const worker = new wt.Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { memory, control, port: port2 },
      transferList: [port2],
    });
    worker.unref();
    worker.on('error', () => {
      this.broken = true;
    });
    worker.on('exit', () => {
      this.broken = true;
    });
    this.worker = worker;
  }

  /** True once the worker is running and able to take work. */
  get ready(): boolean {
    return this.worker !== null && !this.broken && Atomics.load(this.ctl, READY) === 1;
  }

  /** Makes a compiled module available to the worker under `id` (instantiated there against the memory). */
  register(id: number, module: WebAssembly.Module, name: string): void {
    this.port.postMessage({ id, module, name });
  }

  /**
   * Runs `main(h, ...)` here over the first `h` elements and the worker's copy of kernel `id` over the rest,
   * and returns when both are done. `full[k]` tells whether pointer `k` advances with the element index.
   * When the worker cannot run the call (it failed or stopped before starting), the second half runs here.
   * @returns true when the helper thread ran the second half.
   */
  split(
    id: number,
    main: (...a: number[]) => void,
    n: number,
    ptrs: readonly number[],
    full: readonly boolean[],
    uniforms: readonly number[],
  ): boolean {
    const h = (n >>> 1) & ~15;
    const a = this.args;
    const argc = 1 + ptrs.length + uniforms.length;
    a[0] = n - h;
    for (let k = 0; k < ptrs.length; k++) a[1 + k] = full[k] ? ptrs[k]! + 4 * h : ptrs[k]!;
    for (let j = 0; j < uniforms.length; j++) a[1 + ptrs.length + j] = uniforms[j]!;
    const ctl = this.ctl;
    ctl[FN] = id;
    ctl[ARGC] = argc;
    // 1 … 2^30, never 0 (the claim word's initial value).
    this.seq = (this.seq & 0x3fffffff) + 1;
    const seq = this.seq;
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    main(h, ...ptrs, ...uniforms);
    const ok0 = this.web !== null ? this.awaitWeb(seq) : this.awaitNode(seq);
    let ok = ok0;
    if (Atomics.load(ctl, FAILED) !== 0) {
      Atomics.store(ctl, FAILED, 0);
      ok = false;
    }
    if (!ok) main(...Array.from(a.subarray(0, argc)));
    return ok;
  }

  /** Node: waits until the worker has run the second half of run `seq`; false when the worker stopped. */
  private awaitNode(seq: number): boolean {
    const ctl = this.ctl;
    for (;;) {
      const d = Atomics.load(ctl, DONE);
      if (d === seq) return true;
      if (this.broken) return false;
      Atomics.wait(ctl, DONE, d, 50);
    }
  }

  /**
   * Browsers: waits until the helper has run the second half of run `seq`, or claims the run and returns
   * false (the caller then runs it) when the helper has not claimed it within {@link TAKEOVER_MS}. Blocks in
   * Atomics.wait only where that is allowed (a worker); a page's main thread spins.
   */
  private awaitWeb(seq: number): boolean {
    const ctl = this.ctl;
    const start = performance.now();
    let claimed = false;
    for (;;) {
      const d = Atomics.load(ctl, DONE);
      if (d === seq) return true;
      if (!claimed) {
        const c = Atomics.load(ctl, CLAIM);
        if (c === seq) claimed = true;
        else if (this.broken || performance.now() - start > TAKEOVER_MS) {
          if (Atomics.compareExchange(ctl, CLAIM, c, seq) === c) return false;
          claimed = true;
        }
      } else if (this.broken) return false;
      if (this.canBlock) Atomics.wait(ctl, DONE, d, 1);
    }
  }

  /** Arguments limit of one call. */
  static get maxArgs(): number {
    return MAX_ARGS;
  }

  /** Stops the worker. */
  dispose(): void {
    if (this.worker === null) return;
    Atomics.store(this.ctl, SEQ, -1);
    Atomics.notify(this.ctl, SEQ);
    if (this.web !== null) {
      this.web.terminate();
      this.web = null;
      this.worker = null;
      return;
    }
    void this.worker.terminate();
    this.port.close();
    this.worker = null;
  }
}
