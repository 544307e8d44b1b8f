import { CpuBackend, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { gatherRows, matmul, transpose } from './index.js';

/** A backend whose synchronous reads are copies (as gpu.js's headlessgl mode): host ops must refuse it. */
class CopyingBackend extends CpuBackend {
  override readonly liveReadSync: boolean = false;
  override readonly name = 'copying';
}

describe('host-side ops on a backend without in-place host memory', () => {
  it('fail with a clear error instead of writing into a copy', () => {
    const backend = new CopyingBackend();
    const a = tensor([[1, 2], [3, 4]], { backend });
    expect(() => matmul(a, a)).toThrow('matmul runs on the host and needs a backend whose memory it can read and write in place (the CPU backend), not copying');
    expect(() => transpose(a, 0, 1)).toThrow(/needs a backend whose memory it can read and write in place/);
    expect(() => gatherRows(a, [0])).toThrow(/needs a backend whose memory it can read and write in place/);
  });
});
