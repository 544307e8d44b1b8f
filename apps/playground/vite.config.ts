import { defaultClientConditions, defineConfig } from 'vite';

/**
 * The headers that make the page cross-origin isolated, so that the CPU backend's helper thread (a Web Worker
 * sharing a WebAssembly.Memory) can run: without them `threads: 2` runs on one thread.
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Workspace packages resolve from their sources (no prior build).
  resolve: { conditions: ['@tsoptim/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
