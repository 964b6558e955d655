import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

// The studio's renderer. Built with relative paths ('./') so dist/renderer/ works from any
// static file server and from Electron's file:// or app:// origin; workers are ES modules.
// No COOP/COEP headers are assumed anywhere: nothing here needs SharedArrayBuffer.
const jsquash = ['@jsquash/jpeg', '@jsquash/png', '@jsquash/webp', '@jsquash/avif'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  // The sample photographs (assets/samples/) are served as ./samples/… for the welcome screen.
  publicDir: fileURLToPath(new URL('../assets', import.meta.url)),
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
  },
  worker: { format: 'es' },
  // Squoosh's codecs load their .wasm with new URL(…, import.meta.url): pre-bundling would break that.
  optimizeDeps: { exclude: jsquash },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
