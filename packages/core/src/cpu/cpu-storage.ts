import { RuntimeError } from '../errors.js';
import type { WasmArena } from '../wasm/arena.js';

const EMPTY = new Float32Array(0);

/**
 * The CPU backend's handle for a tensor's values.
 *
 * Storage normally lives in the backend's WebAssembly memory (see the CPU backend's notes on memory), where
 * compiled kernels update it in place; {@link CpuStorage.array} is then a Float32Array view re-derived
 * whenever the memory has grown. A storage made with `new CpuStorage(array)` wraps a plain Float32Array
 * instead (kernels on it run on the JavaScript path).
 *
 * In a shared memory (the default where available) an `array` view stays valid while the memory grows; a
 * non-shared memory refuses to grow once `tensor.data` has handed out a view (see `WasmArena`). Do not keep a
 * view after its tensor is released: the block is reused.
 */
export class CpuStorage {
  /** The arena holding the values, or null for a plain Float32Array. */
  readonly arena: WasmArena | null;
  /** Byte offset in the arena (-1 once released). */
  ptr: number;
  /** Number of float32 elements. */
  readonly length: number;
  private view: Float32Array;
  private generation: number;

  /** Wraps a plain Float32Array (not in a WebAssembly memory). */
  constructor(array: Float32Array);
  /** Storage for `length` elements at byte offset `ptr` of `arena` (made by the backend). */
  constructor(array: null, arena: WasmArena, ptr: number, length: number);
  constructor(array: Float32Array | null, arena?: WasmArena, ptr = 0, length = 0) {
    if (array !== null) {
      this.arena = null;
      this.ptr = 0;
      this.length = array.length;
      this.view = array;
      this.generation = 0;
    } else {
      this.arena = arena!;
      this.ptr = ptr;
      this.length = length;
      this.generation = -1;
      this.view = EMPTY;
    }
  }

  /** True until the backend releases the storage. */
  get live(): boolean {
    return this.ptr >= 0;
  }

  /** The live values (a view into the backend's memory: writes change the tensor). */
  get array(): Float32Array {
    const a = this.arena;
    if (a === null || this.generation === a.generation) return this.view;
    if (this.ptr < 0) throw new RuntimeError('this tensor storage has been released');
    this.view = new Float32Array(a.bytes, this.ptr, this.length);
    this.generation = a.generation;
    return this.view;
  }

  /** Marks the storage released and drops its view. */
  markReleased(): void {
    this.ptr = -1;
    this.view = EMPTY;
    this.generation = -1;
  }
}
