/**
 * The slice of gpu.js this package uses, typed narrowly: gpu.js's own typings describe the kernel functions'
 * JS subset, not the runtime objects (kernels, textures, buffer results) a backend manages.
 */

/** A device-resident result: a gpu.js `Texture` (GL modes), a `WebGPUBufferResult`, or a Float32Array (cpu mode). */
export type DeviceValue = DeviceHandle | Float32Array;

export interface DeviceHandle {
  toArray(): Float32Array | number[] | Promise<Float32Array | number[]>;
  clone(): DeviceHandle;
  delete(): void;
  /** GL textures: the texture's texel dimensions. */
  readonly size?: ArrayLike<number>;
  /** WebGPU buffer results. */
  readonly buffer?: { readonly size?: number };
}

/** The kernel object behind a run shortcut (replaced by gpu.js when it falls back or switches). */
export interface GpuJsKernelObject {
  readonly constructor: Function;
  readonly fallbackReason?: string | null;
  readonly textureCache?: readonly unknown[];
  readonly context?: unknown;
}

/** A callable gpu.js kernel (`createKernel` / `createKernelMap` result). */
export interface GpuJsKernel {
  (...args: unknown[]): unknown;
  readonly kernel: GpuJsKernelObject;
  destroy?(removeCanvasReferences?: boolean): void;
}

export interface GpuJsInstance {
  readonly Kernel: Function;
  readonly mode: string;
  createKernel(source: string, settings: object): GpuJsKernel;
  createKernelMap(subKernels: Record<string, string>, root: string, settings: object): GpuJsKernel;
  destroy(): Promise<void>;
}

export interface GpuJsModule {
  GPU: {
    new (settings: object): GpuJsInstance;
    readonly isHeadlessGLSupported: boolean;
    readonly isWebGLSupported: boolean;
    readonly isWebGL2Supported: boolean;
    readonly isWebGPUSupported: boolean;
    isWebGPUAvailable(): Promise<boolean>;
  };
  CPUKernel: Function;
  HeadlessGLKernel: Function;
  WebGLKernel: Function;
  WebGL2Kernel: Function;
  WebGPUKernel: Function;
}

let loading: Promise<GpuJsModule> | null = null;

/** Loads gpu.js on first use (never at import time of this package). */
export function loadGpuJs(): Promise<GpuJsModule> {
  if (loading === null) {
    loading = import('gpu.js').then((m: unknown) => {
      const mod = m as Partial<GpuJsModule> & { default?: GpuJsModule };
      return (mod.GPU ? mod : mod.default) as GpuJsModule;
    });
  }
  return loading;
}

export function isDeviceHandle(v: DeviceValue): v is DeviceHandle {
  return !(v instanceof Float32Array);
}
