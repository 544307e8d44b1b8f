/**
 * One helper thread that runs compiled kernels over the second half of large tensors in the backend's shared
 * WebAssembly.Memory: Node's worker_threads in Node, a Web Worker in a cross-origin-isolated page (see
 * web-threads.ts for what differs there). In Node, synchronisation is one Atomics.notify to start and one
 * Atomics.wait for the result; the worker never keeps the process alive (unref) and is stopped by
 * {@link ThreadPool.dispose}.
 */

// Nothing here is imported from modules the backend loads up front (threads-env.ts, web-threads.ts): this
// module is a chunk of its own, loaded only with `threads: 2`, and sharing a module would split it into a third.
import type { WorkerThreadsModule } from './threads-env.js';

/** True where `Atomics.wait` may block: inside a worker (a page's main thread may not block). */
export function webCanBlock(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function';
}

/** Control words (Int32 indices into the shared control buffer). */
const SEQ = 0;
const DONE = 1;
const FN = 2;
const ARGC = 3;
const READY = 4;
const FAILED = 5;
/** Sequence number of the last run whose second half a thread claimed. */
const CLAIM = 6;
const ARGS_BYTE_OFFSET = 64;
const MAX_ARGS = 256;

/**
 * The helper's body, shared by Node and browsers (compact: it ships as a string). `S` takes the memory and
 * control words, `I` instantiates a module, `p` runs the pending run: 1 when there is nothing (more) to do
 * now, 0 when stopped or when the run's module has not arrived. A run is claimed by a compare-and-swap of
 * CLAIM to its sequence number, so that exactly one thread runs its second half.
 */
const BODY =
  'let m,c,a,s=0,L=0,X=0;const f=[];' +
  'const I=(d)=>{f[d.id]=new WebAssembly.Instance(d.module,{env:{memory:m}}).exports[d.name]};' +
  `const S=(d)=>{m=d.memory;c=new Int32Array(d.control,0,16);a=new Float64Array(d.control,${ARGS_BYTE_OFFSET},${MAX_ARGS});s=Atomics.load(c,0)};` +
  'function p(){const q=Atomics.load(c,0);if(q===-1){X=1;return 0}if(q===s)return 1;const g=f[c[2]];if(!g)return 0;s=q;' +
  'const k=Atomics.load(c,6);if(k===q||Atomics.compareExchange(c,6,k,q)!==k)return 1;' +
  'try{g(...a.subarray(0,c[3]))}catch{Atomics.store(c,5,1)}Atomics.store(c,1,q);Atomics.notify(c,1);return 1}';

/**
 * Node's loop: block until the next run, take the modules sent so far, run it; a module still missing after
 * ~10 s fails the run (FAILED, then DONE) so that the caller runs it.
 */
const NODE_LOOP =
  "const{workerData:W,receiveMessageOnPort:R}=require('node:worker_threads');S(W);" +
  'const D=()=>{for(let x;(x=R(W.port));)I(x.message)};D();Atomics.store(c,4,1);' +
  'while(!X){Atomics.wait(c,0,s);D();let t=0;for(;t<1e4&&!p()&&!X;t++){Atomics.wait(c,5,0,1);D()}' +
  'if(t===1e4){s=Atomics.load(c,0);Atomics.store(c,5,1);Atomics.store(c,1,s);Atomics.notify(c,1)}}';

/**
 * The Web Worker's event loop, appended to the shared worker body above (`p` runs the pending run,
 * `S` and `I` take the control words and the modules): it waits for the next run with Atomics.waitAsync and
 * stops while a module is awaited (that module's message restarts it).
 */
const WEB_LOOP =
  'async function w(){if(L)return;L=1;while(!X&&p()){const r=Atomics.waitAsync(c,0,s);if(r.async)await r.value}L=0;if(X)close()}' +
  'onmessage=(e)=>{const d=e.data;if(d.control){S(d);Atomics.store(c,4,1)}else I(d);w()};';

export interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: string, fn: (...a: unknown[]) => void): void;
  /** Browsers: the Web Worker's postMessage (Node sends modules through a MessagePort). */
  postMessage?(m: unknown): void;
}
interface WebWorkerLike {
  postMessage(m: unknown): void;
  terminate(): void;
  onerror: unknown;
}

let webSourceUrl: string | null = null;

/** Starts the helper as a Web Worker from a Blob URL (made once), handing it the memory and control words. */
function startWebWorker(memory: WebAssembly.Memory, control: SharedArrayBuffer, onBroken: () => void): WorkerLike {
  webSourceUrl ??= URL.createObjectURL(new Blob([BODY + WEB_LOOP], { type: 'text/javascript' }));
  const web = new (globalThis as unknown as { Worker: new (url: string) => WebWorkerLike }).Worker(webSourceUrl);
  web.onerror = onBroken;
  web.postMessage({ memory, control });
  return {
    unref() {},
    async terminate() {
      web.terminate();
      return 0;
    },
    on() {},
    postMessage: (m) => web.postMessage(m),
  };
}

/** A helper thread sharing `memory`. */
export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private worker: WorkerLike | null;
  private readonly port: { postMessage(m: unknown): void; close(): void };
  private seq = 0;
  private broken = false;
  /** In a browser (a Web Worker helper): the caller takes a run over when the helper has not claimed it in 20 ms. */
  private readonly web: boolean;
  /** Whether this thread may block in Atomics.wait (false on a page's main thread). */
  private readonly canBlock: boolean;

  /**
   * @param wt Node's worker_threads (`workerThreads()`), or null in a browser. The caller has checked that a
   *   helper can run here (`threadsUnavailableReason()` is null).
   */
  constructor(memory: WebAssembly.Memory, wt: WorkerThreadsModule | null) {
    const control = new SharedArrayBuffer(ARGS_BYTE_OFFSET + MAX_ARGS * 8);
    this.ctl = new Int32Array(control, 0, ARGS_BYTE_OFFSET / 4);
    this.args = new Float64Array(control, ARGS_BYTE_OFFSET, MAX_ARGS);
    this.web = wt === null;
    this.canBlock = wt !== null || webCanBlock();
    const broken = () => {
      this.broken = true;
    };
    if (wt === null) {
      const web = startWebWorker(memory, control, broken);
      this.port = { postMessage: web.postMessage!, close() {} };
      this.worker = web;
      return;
    }
    const { port1, port2 } = new wt.MessageChannel();
    this.port = port1;
    const worker = new wt.Worker(BODY + NODE_LOOP, {
      eval: true,
      workerData: { memory, control, port: port2 },
      transferList: [port2],
    });
    worker.unref();
    worker.on('error', broken);
    worker.on('exit', broken);
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
   * When the worker cannot run the call (it failed, stopped, or — in a browser — did not claim it in time),
   * the second half runs here.
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
    let ok = this.wait(seq);
    if (Atomics.load(ctl, FAILED) !== 0) {
      Atomics.store(ctl, FAILED, 0);
      ok = false;
    }
    if (!ok) main(...Array.from(a.subarray(0, argc)));
    return ok;
  }

  /**
   * Waits until the helper has run the second half of run `seq` (true), or claims the run (false: the caller
   * runs it) when the helper stopped or, in a browser, has not claimed it within 20 ms. Blocks in
   * Atomics.wait only where that is allowed; a page's main thread spins.
   */
  private wait(seq: number): boolean {
    const ctl = this.ctl;
    const t0 = this.web ? performance.now() : 0;
    for (;;) {
      const d = Atomics.load(ctl, DONE);
      if (d === seq) return true;
      const k = Atomics.load(ctl, CLAIM);
      if (
        k !== seq
          ? (this.broken || (this.web && performance.now() - t0 > 20)) && Atomics.compareExchange(ctl, CLAIM, k, seq) === k
          : this.broken
      ) {
        return false;
      }
      if (this.canBlock) Atomics.wait(ctl, DONE, d, this.web ? 1 : 50);
    }
  }

  /**
   * Runs `fn(...here)` on this thread and the worker's copy of function `id` (the same function) with `there`,
   * at the same time, and returns when both are done: for work split otherwise than by element ranges (the
   * GEMM splits by column panels). When the worker cannot run its part, that part runs here afterwards.
   * @returns true when the helper thread ran its part.
   */
  call(id: number, fn: (...a: number[]) => void, here: readonly number[], there: readonly number[]): boolean {
    const a = this.args;
    for (let i = 0; i < there.length; i++) a[i] = there[i]!;
    const ctl = this.ctl;
    ctl[FN] = id;
    ctl[ARGC] = there.length;
    // The same run protocol as split: 1 … 2^30, never 0, and the claim word decides who runs `there`.
    this.seq = (this.seq & 0x3fffffff) + 1;
    const seq = this.seq;
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    fn(...here);
    let ok = this.wait(seq);
    if (Atomics.load(ctl, FAILED) !== 0) {
      Atomics.store(ctl, FAILED, 0);
      ok = false;
    }
    if (!ok) fn(...there);
    return ok;
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
