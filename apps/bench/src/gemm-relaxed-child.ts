/**
 * Measures tsoptim's GEMM and the MLP step in a Node started with `--experimental-wasm-relaxed-simd` (see
 * `measureGemm`): `node --experimental-wasm-relaxed-simd gemm-relaxed-child.ts <timing JSON>` prints one JSON line.
 */
import { type Timing, measureTsoptimGemm } from './bench-gemm.js';

const timing = JSON.parse(process.argv[2] ?? '{"repeats":15,"minSeconds":0.6}') as Timing;
console.log(JSON.stringify(measureTsoptimGemm(timing)));
