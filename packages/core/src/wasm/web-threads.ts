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
 *   run's sequence number, thread-pool.ts). The helper claims it when it wakes; in a browser the caller
 *   claims it when the helper has not within 20 ms (helper busy receiving a module, not yet scheduled, or
 *   gone). Exactly one side runs each half, with the same compiled code, so results are bit-identical to one
 *   thread.
 */

interface WebGlobals {
  Worker?: unknown;
  crossOriginIsolated?: boolean;
}

/**
 * Why a helper Web Worker cannot run here, or null when it can: it needs Web Workers, a cross-origin-isolated
 * context (for SharedArrayBuffer and a shared WebAssembly.Memory) and `Atomics.waitAsync`.
 */
export function webThreadsUnavailableReason(): string | null {
  const g = globalThis as WebGlobals;
  if (typeof g.Worker !== 'function') return 'no Web Workers here';
  if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function') {
    return 'the page is not cross-origin isolated (no shared memory); serve it with "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"';
  }
  return typeof (Atomics as { waitAsync?: unknown }).waitAsync === 'function' ? null : 'no Atomics.waitAsync here';
}
