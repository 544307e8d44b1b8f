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

/** The Web Worker's source; `layout` gives the control-word indices shared with thread-pool.ts. */
export function webWorkerSource(layout: {
  SEQ: number;
  DONE: number;
  FN: number;
  ARGC: number;
  READY: number;
  FAILED: number;
  ARGS_BYTE_OFFSET: number;
  MAX_ARGS: number;
}): string {
  const { SEQ, DONE, FN, ARGC, READY, FAILED, ARGS_BYTE_OFFSET, MAX_ARGS } = layout;
  return `
'use strict';
let memory = null, ctl = null, args = null, seen = 0, looping = false, stopped = false;
const fns = [];
function pump() {
  const s = Atomics.load(ctl, ${SEQ});
  if (s === -1) { stopped = true; self.close(); return false; }
  if (s === seen) return true;
  const f = fns[ctl[${FN}]];
  if (f === undefined) return false;
  seen = s;
  const c = Atomics.load(ctl, ${CLAIM});
  if (c === s || Atomics.compareExchange(ctl, ${CLAIM}, c, s) !== c) return true;
  try {
    const argc = ctl[${ARGC}];
    const a = new Array(argc);
    for (let i = 0; i < argc; i++) a[i] = args[i];
    f.apply(null, a);
  } catch (e) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, s);
  Atomics.notify(ctl, ${DONE});
  return true;
}
async function loop() {
  if (looping) return;
  looping = true;
  while (!stopped && pump()) {
    const r = Atomics.waitAsync(ctl, ${SEQ}, seen);
    if (r.async) await r.value;
  }
  looping = false;
}
self.onmessage = (e) => {
  const m = e.data;
  if (m.control !== undefined) {
    memory = m.memory;
    ctl = new Int32Array(m.control, 0, ${ARGS_BYTE_OFFSET / 4});
    args = new Float64Array(m.control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
    seen = Atomics.load(ctl, ${SEQ});
    Atomics.store(ctl, ${READY}, 1);
  } else {
    fns[m.id] = new WebAssembly.Instance(m.module, { env: { memory } }).exports[m.name];
  }
  void loop();
};
`;
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
    return 'Web Workers are not available in this context';
  }
  if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function') {
    return (
      'the page is not cross-origin isolated (globalThis.crossOriginIsolated is false), so a shared WebAssembly.Memory ' +
      'is not available; serve it with the headers "Cross-Origin-Opener-Policy: same-origin" and ' +
      '"Cross-Origin-Embedder-Policy: require-corp"'
    );
  }
  if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== 'function') {
    return 'this browser lacks Atomics.waitAsync, which the helper worker needs to receive kernels between runs';
  }
  return null;
}

/** True where `Atomics.wait` may block: inside a worker (a page's main thread may not block). */
export function webCanBlock(): boolean {
  return typeof (globalThis as WebGlobals).WorkerGlobalScope === 'function';
}
