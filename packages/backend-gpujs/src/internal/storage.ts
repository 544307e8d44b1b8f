import type { DeviceValue } from './gpujs-types.js';

/**
 * The handle a gpu.js-backed tensor holds. Kernels never write in place: each run produces new device values
 * and the handle is pointed at them (the replaced ones are deleted), so every tensor that shares the handle (a
 * `Parameter` made from a tensor shares its storage) sees the update.
 */
export class GpuJsStorage {
  /** The device value; null for a zero-element tensor or after release. */
  value: DeviceValue | null = null;
  released = false;

  constructor(readonly size: number) {}
}
