import { RuntimeError } from '../errors.js';
import { FuncBuilder, I32, encodeModule } from './encoder.js';

/** Bytes per WebAssembly page. */
export const PAGE = 65536;
/** The largest memory a 32-bit WebAssembly module can address, in pages (4 GiB). */
export const MAX_PAGES = 65536;
/** Alignment of every block, in bytes (one f32x4 vector). */
export const ALIGN = 16;
/** Blocks at least this large are placed at staggered offsets modulo 4 KiB (see {@link WasmArena.allocate}). */
export const STAGGER_MIN = 64 * 1024;
/** Bytes kept free at address 0, so that no tensor ever sits at the null address. */
const RESERVED = 64;

/** Options of {@link WasmArena}. */
export interface WasmArenaOptions {
  /** A shared memory: growing it keeps old views valid (and a helper thread can share it). Default false. */
  readonly shared?: boolean;
  /** Initial size in bytes (rounded up to pages; default 1 MiB). */
  readonly initialBytes?: number;
  /** Largest size in bytes (rounded up to pages; default and at most 4 GiB). */
  readonly maximumBytes?: number;
  /**
   * Non-shared memory only: allow growth after {@link WasmArena.exposeViews} although growth detaches the
   * views handed out (default false: such a growth throws instead of leaving those views silently empty).
   */
  readonly detachViewsOnGrowth?: boolean;
}

function mib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

interface FreeBlock {
  off: number;
  size: number;
}

/**
 * `zero(off, bytes)` over `memory` with WebAssembly's `memory.fill` (V8 fills a Float32Array over a
 * SharedArrayBuffer element by element, about 7× slower), or a byte fill where bulk memory is missing.
 */
function zeroer(memory: WebAssembly.Memory, shared: boolean): (off: number, bytes: number) => void {
  const f = new FuncBuilder([I32, I32], 'f');
  f.get(0).i32c(0).get(1).code.bytes([0xfc, 0x0b, 0x00]); // memory.fill
  try {
    const m = new WebAssembly.Module(encodeModule([f], { initialPages: 0, maximumPages: MAX_PAGES, shared }) as BufferSource);
    return new WebAssembly.Instance(m, { env: { memory } }).exports.f as (off: number, bytes: number) => void;
  } catch {
    return (off, bytes) => new Uint8Array(memory.buffer, off, bytes).fill(0);
  }
}

/** `off` moved up to the next offset ≡ `residue` (mod 4096); `off` itself when `residue` < 0. */
function place(off: number, residue: number): number {
  return residue < 0 ? off : off + ((residue - (off & 4095) + 4096) & 4095);
}

/**
 * Tensor storage inside one WebAssembly.Memory, so that compiled kernels address parameters, gradients and
 * state in place, with no copy per step.
 *
 * Allocation is first-fit over an address-ordered free list with coalescing of neighbours; freeing the block
 * at the top lowers the top. Blocks are 16-byte aligned. Blocks of 64 KiB or more start at one of eight
 * offsets modulo 4 KiB, in turn, so that the arrays one kernel reads and writes do not alias in the CPU's
 * store-to-load forwarding (loads and stores 4 KiB apart cost up to 1.6× on large Adam steps).
 *
 * Blocks never move (kernels and views address them by offset), so fragmentation is contained by first fit
 * and coalescing, not by compaction; the memory never shrinks, but freed space is reused.
 *
 * The memory grows (by at least half its size) when no free block fits. Growing a shared memory keeps every
 * view valid (a SharedArrayBuffer is never detached; old views keep their length and address the same bytes).
 * Growing a non-shared memory detaches its old ArrayBuffer: the arena's own holders re-derive their views
 * ({@link generation}), but a view handed to user code would silently read as empty and lose writes, so once
 * views have been handed out ({@link exposeViews}) such a growth throws unless `detachViewsOnGrowth` is set.
 *
 * Out of memory is an error naming the live bytes and blocks, never a silent fallback.
 */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  /** Incremented each time the memory grows; views taken before are stale (detached when not shared). */
  generation = 0;
  /** Bytes handed out and not yet freed. */
  liveBytes = 0;
  /** Blocks handed out and not yet freed. */
  liveBlocks = 0;
  /** Largest size of the memory in bytes. */
  readonly maximumBytes: number;
  private buffer: ArrayBuffer | SharedArrayBuffer;
  private top = RESERVED;
  private readonly free: FreeBlock[] = [];
  private staggerTurn = 0;
  private exposed = false;
  private readonly detachViewsOnGrowth: boolean;
  private zeroFn: ((off: number, bytes: number) => void) | null = null;

  constructor(options: WasmArenaOptions = {}) {
    this.shared = options.shared ?? false;
    const maximum = Math.min(MAX_PAGES, Math.max(1, Math.ceil((options.maximumBytes ?? MAX_PAGES * PAGE) / PAGE)));
    const initial = Math.min(maximum, Math.max(1, Math.ceil((options.initialBytes ?? 1 << 20) / PAGE)));
    this.memory = new WebAssembly.Memory({ initial, maximum, shared: this.shared } as WebAssembly.MemoryDescriptor);
    this.maximumBytes = maximum * PAGE;
    this.buffer = this.memory.buffer;
    this.detachViewsOnGrowth = options.detachViewsOnGrowth ?? false;
  }

  /**
   * Records that a view into the memory was handed to code outside the backend (`tensor.data`). On a
   * non-shared memory, a later growth then throws rather than detach it (see the class notes).
   */
  exposeViews(): void {
    this.exposed = true;
  }

  /** The memory's current buffer (replaced after growth). */
  get bytes(): ArrayBuffer | SharedArrayBuffer {
    return this.buffer;
  }

  /** Zeroes `bytes` bytes at `off` (with `memory.fill`, see `zeroer`). */
  zero(off: number, bytes: number): void {
    this.zeroFn ??= zeroer(this.memory, this.shared);
    this.zeroFn(off, bytes);
  }

  /** Current size of the memory in bytes. */
  get capacity(): number {
    return this.buffer.byteLength;
  }

  /** Number of blocks in the free list (a fragmentation measure). */
  get freeBlocks(): number {
    return this.free.length;
  }

  /**
   * Reserves `bytes` (rounded up to 16) and returns the block's byte offset. The block is not zeroed.
   * @throws {RuntimeError} when the memory cannot grow that far.
   */
  allocate(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const residue = size >= STAGGER_MIN ? (this.staggerTurn & 7) * 512 + 64 : -1;
    if (residue >= 0) this.staggerTurn++;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      const start = place(b.off, residue);
      const end = start + size;
      if (end > b.off + b.size) continue;
      const tail = b.off + b.size - end;
      if (start > b.off) {
        b.size = start - b.off;
        if (tail > 0) this.free.splice(i + 1, 0, { off: end, size: tail });
      } else if (tail > 0) {
        b.off = end;
        b.size = tail;
      } else {
        this.free.splice(i, 1);
      }
      return this.taken(start, size);
    }
    // From the top; a gap left by stagger alignment becomes a free block.
    const start = place(this.top, residue);
    const end = start + size;
    try {
      if (end > this.maximumBytes) throw this.outOfMemory(bytes);
      this.ensure(end, bytes);
    } catch (e) {
      if (residue >= 0) this.staggerTurn--;
      throw e;
    }
    if (start > this.top) this.insertFree(this.top, start - this.top);
    this.top = end;
    return this.taken(start, size);
  }

  /** Returns a block to the arena (its offset and the size it was allocated with). */
  release(off: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    this.liveBytes -= size;
    this.liveBlocks--;
    this.insertFree(off, size);
  }

  private taken(off: number, size: number): number {
    this.liveBytes += size;
    this.liveBlocks++;
    return off;
  }

  private insertFree(off: number, size: number): void {
    const list = this.free;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.off < off) lo = mid + 1;
      else hi = mid;
    }
    const prev = lo > 0 ? list[lo - 1]! : null;
    const next = lo < list.length ? list[lo]! : null;
    if (prev !== null && prev.off + prev.size === off) {
      prev.size += size;
      if (next !== null && prev.off + prev.size === next.off) {
        prev.size += next.size;
        list.splice(lo, 1);
      }
    } else if (next !== null && off + size === next.off) {
      next.off = off;
      next.size += size;
    } else {
      list.splice(lo, 0, { off, size });
    }
    // A free block that reaches the top lowers the top.
    const last = list[list.length - 1];
    if (last !== undefined && last.off + last.size === this.top) {
      this.top = last.off;
      list.pop();
    }
  }

  /** Free bytes below the top (holes too small or misplaced for the request that failed). */
  private freeBytes(): number {
    let n = 0;
    for (const b of this.free) n += b.size;
    return n;
  }

  private outOfMemory(bytes: number): RuntimeError {
    return new RuntimeError(
      `CPU backend out of memory. Tried to allocate ${mib(bytes)} (WebAssembly memory limit ${mib(this.maximumBytes)}; ` +
        `${mib(this.liveBytes)} live in ${this.liveBlocks} blocks; ${mib(this.freeBytes())} free in ${this.free.length} holes). ` +
        'Likely cause: tensors made every step and never released (input batches, results kept from step to step): ' +
        "release them with dispose(), a 'using' declaration or tidy(); memoryStats() shows whether live bytes grow from step to step.",
    );
  }

  private ensure(end: number, bytes: number): void {
    if (end <= this.buffer.byteLength) return;
    if (!this.shared && this.exposed && !this.detachViewsOnGrowth) {
      throw new RuntimeError(
        `CPU backend: the WebAssembly memory must grow to hold ${mib(bytes)} more, but it is not shared (this page is ` +
          'not cross-origin isolated) and growing would detach the Float32Array views tensor.data has handed out: ' +
          'they would read as empty and drop writes. Serve the page cross-origin isolated (COOP/COEP headers) so the memory ' +
          'is shared, reserve memory up front with new CpuBackend({ initialMemoryBytes }), or pass ' +
          '{ detachViewsOnGrowth: true } if no view is kept across allocations.',
      );
    }
    const current = this.buffer.byteLength / PAGE;
    const limit = this.maximumBytes / PAGE;
    const needed = Math.ceil(end / PAGE) - current;
    const pages = Math.min(limit - current, Math.max(needed, current >> 1));
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(needed);
      } catch {
        throw this.outOfMemory(bytes);
      }
    }
    this.buffer = this.memory.buffer;
    this.generation++;
  }
}
