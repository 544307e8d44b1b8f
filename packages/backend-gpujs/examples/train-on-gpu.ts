// Fits 10 000 weights with Adam, parameters and optimizer state on the GPU.
// Run from packages/backend-gpujs (inside this repository):
//   xvfb-run -a node --conditions=@tsoptim/source --import tsx examples/train-on-gpu.ts
import { createGpuJsBackend, isGpuJsModeAvailable } from '@tsoptim/backend-gpujs';
import { defineKernel, defineReduction, k, parameter, tensor, zeros } from '@tsoptim/core';
import { Adam } from '@tsoptim/optim';

// 1. Choose a backend (headless WebGL in Node; 'webgl2' or 'webgpu' in a browser; gpu.js's 'cpu' otherwise).
const mode = process.argv[2] ?? ((await isGpuJsModeAvailable('headlessgl')) ? 'headlessgl' : 'cpu');
const gpu = await createGpuJsBackend({ mode: mode as 'headlessgl' | 'cpu' });

// 2. Create the data and the parameters on it: they are uploaded once and stay there.
const n = 10_000;
const target = tensor(
  Float32Array.from({ length: n }, (_, i) => Math.sin(i / 100)),
  { backend: gpu },
);
const w = parameter(new Float32Array(n), { backend: gpu });
w.grad = zeros([n], { backend: gpu });

// The model's gradient, ∇ ½‖w − y‖² = w − y, as a kernel: it runs on the device too.
const gradient = defineKernel({ name: 'lsq_grad', inputs: ['w', 'y'], outputs: ['g'], body: ({ w, y }) => ({ g: k.sub(w, y) }) });
const halfSumSquares = defineReduction({ name: 'half_sumsq', inputs: ['g'], body: ({ g }) => k.mul(0.5, k.mul(g, g)), combine: 'sum' });

// 3. The training loop is the CPU loop: the same optimizer class, the same step().
const opt = new Adam([w], { lr: 0.02 });
const loss = zeros([], { backend: gpu });
let last = Number.NaN;
for (let step = 1; step <= 300; step++) {
  gpu.run(gradient, { tensors: { w, y: target, g: w.grad } }); // or w.setGrad(hostArray) for CPU gradients
  opt.step(); // queues one fused kernel per parameter; reads nothing back
  if (step % 100 === 0) {
    gpu.reduce(halfSumSquares, { tensors: { g: w.grad }, out: loss });
    last = (await loss.read())[0]!; // 4. reading values is an explicit, awaited read
    console.log(`step ${step}: loss ${last.toFixed(6)}`);
  }
}

// 5. Free the device: awaited, and the process exits.
await gpu.destroy();
console.log(`done on ${gpu.name}: final loss ${last.toExponential(2)}`);
