import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createReadStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The studio's renderer. Built with relative paths ('./') so dist/renderer/ works from any
// static file server and from Electron's file:// or app:// origin; workers are ES modules.
// No COOP/COEP headers are assumed anywhere: nothing here needs SharedArrayBuffer.
const jsquash = ['@jsquash/jpeg', '@jsquash/png', '@jsquash/webp', '@jsquash/avif'];

const samplesDir = fileURLToPath(new URL('../assets/samples/', import.meta.url));
const manifest = JSON.parse(readFileSync(samplesDir + 'samples.json', 'utf8')) as { samples: { file: string }[] };
const sampleFiles = new Set(manifest.samples.map((sample) => sample.file));

/**
 * The welcome screen's sample photographs as ./samples/<file>: exactly the files the samples
 * manifest lists, nothing else of assets/ (served in development, emitted on build).
 */
function samplePhotos(): Plugin {
  return {
    name: 'svd-studio-samples',
    configureServer(server) {
      server.middlewares.use('/samples/', (request, response, next) => {
        const file = decodeURIComponent((request.url ?? '').split('?')[0].replace(/^\//, ''));
        if (!sampleFiles.has(file)) return next();
        response.setHeader('Content-Type', file.endsWith('.png') ? 'image/png' : 'image/jpeg');
        createReadStream(samplesDir + file).pipe(response);
      });
    },
    generateBundle() {
      for (const file of sampleFiles)
        this.emitFile({ type: 'asset', fileName: `samples/${file}`, source: readFileSync(samplesDir + file) });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: false,
  plugins: [svelte(), samplePhotos()],
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
