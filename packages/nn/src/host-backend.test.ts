import { CpuBackend, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { gatherRows, matmul, transpose } from './index.js';

/** A backend whose synchronous reads are copies (as gpu.js's headlessgl mode): nn must never write into them. */
class CopyingBackend extends CpuBackend {
  override readonly liveReadSync: boolean = false;
  override readonly name = 'copying';
}

describe('matrix and row ops on a backend without in-place host memory', () => {
  it('run as backend operations, so no value passes through a host copy', async () => {
    const backend = new CopyingBackend();
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { backend },
    );
    expect(Array.from(await matmul(a, a).value.read())).toEqual([7, 10, 15, 22]);
    expect(Array.from(await transpose(a, 0, 1).value.read())).toEqual([1, 3, 2, 4]);
    expect(Array.from(await gatherRows(a, [1, 1, 0]).value.read())).toEqual([3, 4, 3, 4, 1, 2]);
  });
});
