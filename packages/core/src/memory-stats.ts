import type { Backend, MemoryStats } from './backend.js';
import { defaultBackend } from './default-backend.js';

/**
 * What a backend holds now (tfjs's `tf.memory()`): live bytes and blocks of tensor storage, and the bytes the
 * backend has reserved. Sample it every few hundred steps of a training loop: live bytes that keep growing
 * after the first steps mean tensors are made per step and never released (release them with `dispose()`, a
 * `using` declaration or `tidy()`). On the CPU backend `capacity` is the WebAssembly memory's size, which
 * never shrinks: freed blocks are reused, not returned to the system.
 *
 * @param backend - defaults to the default (CPU) backend.
 * @example
 * const { liveBytes, liveBlocks, capacity } = memoryStats();
 */
export function memoryStats(backend: Backend = defaultBackend()): MemoryStats {
  const s = backend.memoryStats?.();
  return s ?? { liveBytes: 0, liveBlocks: 0, capacity: 0 };
}
