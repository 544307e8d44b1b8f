import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';

let current: Backend | null = null;

/**
 * The backend new tensors use when none is named: the CPU backend, created on first use (importing the
 * package registers nothing).
 */
export function defaultBackend(): Backend {
  if (current === null) current = new CpuBackend();
  return current;
}

/** Makes `backend` the default for tensors created without one; returns the previous default. */
export function setDefaultBackend(backend: Backend): Backend {
  const prev = defaultBackend();
  current = backend;
  return prev;
}
