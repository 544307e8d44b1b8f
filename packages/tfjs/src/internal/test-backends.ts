import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/** Test helper: makes a tfjs backend active in Node (cpu, or wasm with the .wasm files read from the installed package). */
export async function useTfjsBackend(name: 'cpu' | 'wasm'): Promise<void> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    if (name === 'cpu') {
      await import('@tensorflow/tfjs-backend-cpu');
    } else {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    }
    if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
    await tf.ready();
  } finally {
    console.warn = warn;
  }
}
