/**
 * The helper thread in browsers: a Web Worker (from a Blob URL) sharing the backend's WebAssembly.Memory,
 * possible only in a cross-origin-isolated page (SharedArrayBuffer and shared memories need it).
 *
 * Differences from Node's worker_threads helper, and why:
 * - A Web Worker cannot take messages synchronously (Node's `receiveMessageOnPort` has no browser
 *   equivalent), so the helper does not block in `Atomics.wait`: it waits with `Atomics.waitAsync` and
 *   returns to its event loop between runs, where compiled modules arrive by `postMessage`.
 * - A page's main thread may not block (`Atomics.wait` throws there). A split called from the main thread
 *   does its own half, then spins on the done word; a split called from a worker blocks in `Atomics.wait`
 *   as in Node.
 * - Either side takes the second half by claiming the run (a compare-and-swap of the claim word to the
 *   run's sequence number). The helper claims it when it wakes; the caller claims it when the helper has
 *   not within {@link TAKEOVER_MS} (helper busy receiving a module, not yet scheduled, or gone). Exactly
 *   one side runs each half, with the same compiled code, so results are bit-identical to one thread.
 */

/** Control word holding the sequence number of the last run whose second half someone claimed. */
export const CLAIM = 6;

/** Milliseconds a caller waits for the helper to claim a run before running the second half itself. */
export const TAKEOVER_MS = 20;

/**
 * The Web Worker's source (kept compact: it ships as a string in every bundle that has the CPU backend).
 * `pump` runs the pending run if its module has arrived and the claim succeeds; `loop` waits for the next
 * run with Atomics.waitAsync and stops while a module is awaited (its message restarts it). `c` is the
 * control words, `a` the arguments, `f` the instantiated kernels, `s` the last run seen.
 */
export function webWorkerSource(l: {
  SEQ: number;
  DONE: number;
  FN: number;
  ARGC: number;
  READY: number;
  FAILED: number;
  ARGS_BYTE_OFFSET: number;
  MAX_ARGS: number;
}): string {
  return `let m,c,a,s=0,L=0,X=0;const f=[];
function p(){const q=Atomics.load(c,${l.SEQ});if(q===-1){X=1;close();return 0}if(q===s)return 1;const g=f[c[${l.FN}]];if(!g)return 0;s=q;const k=Atomics.load(c,${CLAIM});if(k===q||Atomics.compareExchange(c,${CLAIM},k,q)!==k)return 1;try{g(...a.subarray(0,c[${l.ARGC}]))}catch{Atomics.store(c,${l.FAILED},1)}Atomics.store(c,${l.DONE},q);Atomics.notify(c,${l.DONE});return 1}
async function w(){if(L)return;L=1;while(!X&&p()){const r=Atomics.waitAsync(c,${l.SEQ},s);if(r.async)await r.value}L=0}
onmessage=(e)=>{const d=e.data;if(d.control){m=d.memory;c=new Int32Array(d.control,0,${l.ARGS_BYTE_OFFSET / 4});a=new Float64Array(d.control,${l.ARGS_BYTE_OFFSET},${l.MAX_ARGS});s=Atomics.load(c,${l.SEQ});Atomics.store(c,${l.READY},1)}else f[d.id]=new WebAssembly.Instance(d.module,{env:{memory:m}}).exports[d.name];w()};`;
}

interface WebGlobals {
  Worker?: unknown;
  crossOriginIsolated?: boolean;
  URL?: { createObjectURL?: unknown };
  Blob?: unknown;
  WorkerGlobalScope?: unknown;
}

/**
 * Why a helper Web Worker cannot run here, or null when it can: it needs Web Workers, a cross-origin-isolated
 * context (for SharedArrayBuffer and a shared WebAssembly.Memory) and `Atomics.waitAsync`.
 */
export function webThreadsUnavailableReason(): string | null {
  const g = globalThis as WebGlobals;
  if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') {
    return 'no Web Workers here';
  }
  if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function') {
    return 'the page is not cross-origin isolated (no shared memory); serve it with "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"';
  }
  return typeof (Atomics as { waitAsync?: unknown }).waitAsync === 'function' ? null : 'no Atomics.waitAsync here';
}

/** True where `Atomics.wait` may block: inside a worker (a page's main thread may not block). */
export function webCanBlock(): boolean {
  return typeof (globalThis as WebGlobals).WorkerGlobalScope === 'function';
}
