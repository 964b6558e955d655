import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// Builds the image-codec harness the way the renderer will be built: relative paths, an ES
// module worker, and the @jsquash codecs left out of dependency pre-bundling so that each one's
// `new URL('….wasm', import.meta.url)` keeps pointing at its .wasm file.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../dist/e2e-codec-harness', import.meta.url)),
    emptyOutDir: true,
  },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@jsquash/jpeg', '@jsquash/png', '@jsquash/webp', '@jsquash/avif'] },
});
