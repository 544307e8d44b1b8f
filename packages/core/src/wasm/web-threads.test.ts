import { afterEach, describe, expect, it, vi } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { webCanBlock } from './thread-pool.js';
import { webThreadsUnavailableReason } from './web-threads.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the browser helper thread: what it needs', () => {
  it('names the missing piece: Web Workers, then cross-origin isolation (with the two headers)', () => {
    vi.stubGlobal('Worker', undefined);
    expect(webThreadsUnavailableReason()).toBe('no Web Workers here');
    vi.stubGlobal('Worker', function Worker() {});
    vi.stubGlobal('crossOriginIsolated', false);
    const why = webThreadsUnavailableReason()!;
    expect(why).toContain('not cross-origin isolated');
    expect(why).toContain('"Cross-Origin-Opener-Policy: same-origin"');
    expect(why).toContain('"Cross-Origin-Embedder-Policy: require-corp"');
    vi.stubGlobal('crossOriginIsolated', true);
    expect(webThreadsUnavailableReason()).toBeNull();
  });

  it('blocks only inside a worker', () => {
    expect(webCanBlock()).toBe(false);
    vi.stubGlobal('WorkerGlobalScope', function WorkerGlobalScope() {});
    expect(webCanBlock()).toBe(true);
  });

  it('prints nothing in Node, where threads need only SIMD (behaviour as before)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    new CpuBackend({ threads: 2, simd: false }).dispose();
    expect(warn).not.toHaveBeenCalled();
  });
});
