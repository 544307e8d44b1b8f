/**
 * One helper thread (Node's worker_threads) that runs compiled kernels over the second half of large tensors
 * in the backend's shared WebAssembly.Memory. Synchronisation is one Atomics.notify to start and one
 * Atomics.wait for the result; the worker never keeps the process alive (unref) and is stopped by
 * {@link ThreadPool.dispose}.
 */

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
  return workerThreads() !== null && typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
}

/** A helper thread sharing `memory`. */
export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private worker: WorkerLike | null;
  private readonly port: { postMessage(m: unknown): void; close(): void };
  private seq = 0;
  private broken = false;

  constructor(memory: WebAssembly.Memory) {
    const wt = workerThreads();
    if (wt === null) throw new Error('worker_threads is not available');
    const control = new SharedArrayBuffer(ARGS_BYTE_OFFSET + MAX_ARGS * 8);
    this.ctl = new Int32Array(control, 0, ARGS_BYTE_OFFSET / 4);
    this.args = new Float64Array(control, ARGS_BYTE_OFFSET, MAX_ARGS);
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
   */
  split(
    id: number,
    main: (...a: number[]) => void,
    n: number,
    ptrs: readonly number[],
    full: readonly boolean[],
    uniforms: readonly number[],
  ): void {
    const h = (n >>> 1) & ~15;
    const a = this.args;
    const argc = 1 + ptrs.length + uniforms.length;
    a[0] = n - h;
    for (let k = 0; k < ptrs.length; k++) a[1 + k] = full[k] ? ptrs[k]! + 4 * h : ptrs[k]!;
    for (let j = 0; j < uniforms.length; j++) a[1 + ptrs.length + j] = uniforms[j]!;
    const ctl = this.ctl;
    ctl[FN] = id;
    ctl[ARGC] = argc;
    this.seq = (this.seq + 1) & 0x3fffffff;
    const seq = this.seq;
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    main(h, ...ptrs, ...uniforms);
    let ok = true;
    for (;;) {
      const d = Atomics.load(ctl, DONE);
      if (d === seq) break;
      if (this.broken) {
        ok = false;
        break;
      }
      Atomics.wait(ctl, DONE, d, 50);
    }
    if (Atomics.load(ctl, FAILED) !== 0) {
      Atomics.store(ctl, FAILED, 0);
      ok = false;
    }
    if (!ok) main(...Array.from(a.subarray(0, argc)));
  }

  /**
   * Runs `fn(...here)` on this thread and the worker's copy of function `id` (the same function) with `there`,
   * at the same time, and returns when both are done: for work split otherwise than by element ranges (the
   * GEMM splits by column panels). When the worker cannot run its part, that part runs here afterwards.
   */
  call(id: number, fn: (...a: number[]) => void, here: readonly number[], there: readonly number[]): void {
    const a = this.args;
    for (let i = 0; i < there.length; i++) a[i] = there[i]!;
    const ctl = this.ctl;
    ctl[FN] = id;
    ctl[ARGC] = there.length;
    this.seq = (this.seq + 1) & 0x3fffffff;
    const seq = this.seq;
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    fn(...here);
    let ok = true;
    for (;;) {
      const d = Atomics.load(ctl, DONE);
      if (d === seq) break;
      if (this.broken) {
        ok = false;
        break;
      }
      Atomics.wait(ctl, DONE, d, 50);
    }
    if (Atomics.load(ctl, FAILED) !== 0) {
      Atomics.store(ctl, FAILED, 0);
      ok = false;
    }
    if (!ok) fn(...there);
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
    void this.worker.terminate();
    this.port.close();
    this.worker = null;
  }
}
