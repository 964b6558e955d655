import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// Builds the worker harness the way the renderer will be built: relative paths, ES module worker.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../dist/e2e-harness', import.meta.url)),
    emptyOutDir: true,
  },
  worker: { format: 'es' },
});
