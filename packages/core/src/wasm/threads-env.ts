/**
 * Whether a helper thread can run here, asked before the thread pool (thread-pool.ts, loaded only with
 * `threads: 2`) is.
 */
import type { WorkerLike } from './thread-pool.js';
import { webThreadsUnavailableReason } from './web-threads.js';

export interface WorkerThreadsModule {
  Worker: new (src: string, opts: Record<string, unknown>) => WorkerLike;
  MessageChannel: new () => { port1: { postMessage(m: unknown): void; close(): void }; port2: unknown };
}

/** Node's worker_threads when this runtime has it (Node ≥ 20.16), else null. */
export function workerThreads(): WorkerThreadsModule | null {
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
  if (workerThreads() === null) return webThreadsUnavailableReason();
  return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' ? null : 'no SharedArrayBuffer';
}

/** True in Node (worker_threads); false in browsers and other runtimes. */
export function isNodeThreads(): boolean {
  return workerThreads() !== null;
}
