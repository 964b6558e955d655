import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createReadStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

// The studio's renderer. Built with relative paths ('./') so dist/renderer/ works from any
// static file server and from Electron's file:// or app:// origin; workers are ES modules.
// Nothing needs COOP/COEP: without them each worker copies a photo's pixels; with them (the
// desktop app's app:// protocol, and the dev and preview servers here) the workers share them
// (renderer/src/shared/shared-memory.ts).
const jsquash = ['@jsquash/jpeg', '@jsquash/png', '@jsquash/webp', '@jsquash/avif'];
/** The headers the app:// protocol sends (CROSS_ORIGIN_ISOLATION in electron/main/renderer-files.ts, which this config may not import). */
const CROSS_ORIGIN_ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const samplesDir = fileURLToPath(new URL('../assets/samples/', import.meta.url));
const manifest = JSON.parse(readFileSync(samplesDir + 'samples.json', 'utf8')) as { samples: { file: string }[] };
const sampleFiles = new Set(manifest.samples.map((sample) => sample.file));

/**
 * A sample's card picture on the welcome screen, ./samples/thumbnails/<file>.webp (the name
 * renderer/src/ui/samples.ts asks for): cropped to the cards' 3 : 2 at twice their width, EXIF
 * orientation applied. The full photos decoded for the cards took ~200 MB of the page's memory
 * for as long as it lived; these take a few.
 */
const THUMBNAIL = { width: 480, height: 320 };

function thumbnail(file: string): Promise<Buffer> {
  return sharp(samplesDir + file)
    .rotate()
    .resize(THUMBNAIL.width, THUMBNAIL.height, { fit: 'cover' })
    .webp({ quality: 80 })
    .toBuffer();
}

/**
 * The welcome screen's sample photographs as ./samples/<file>, and their thumbnails: exactly the
 * files the samples manifest lists, nothing else of assets/ (served in development, emitted on
 * build).
 */
function samplePhotos(): Plugin {
  const thumbnails = new Map<string, Promise<Buffer>>();
  return {
    name: 'svd-studio-samples',
    configureServer(server) {
      server.middlewares.use('/samples/', (request, response, next) => {
        const path = decodeURIComponent((request.url ?? '').split('?')[0].replace(/^\//, ''));
        const thumbnailOf = /^thumbnails\/(.+)\.webp$/.exec(path)?.[1];
        if (thumbnailOf !== undefined && sampleFiles.has(thumbnailOf)) {
          let made = thumbnails.get(thumbnailOf);
          if (!made) {
            made = thumbnail(thumbnailOf);
            thumbnails.set(thumbnailOf, made);
            // A failure is not kept: the next request tries again.
            made.catch(() => thumbnails.delete(thumbnailOf));
          }
          made.then(
            (bytes) => {
              response.setHeader('Content-Type', 'image/webp');
              response.end(bytes);
            },
            (error: unknown) => next(error),
          );
          return;
        }
        if (!sampleFiles.has(path)) return next();
        response.setHeader('Content-Type', path.endsWith('.png') ? 'image/png' : 'image/jpeg');
        createReadStream(samplesDir + path).pipe(response);
      });
    },
    async generateBundle() {
      const files = [...sampleFiles];
      const made = await Promise.all(files.map((file) => thumbnail(file)));
      files.forEach((file, i) => {
        this.emitFile({ type: 'asset', fileName: `samples/${file}`, source: readFileSync(samplesDir + file) });
        this.emitFile({ type: 'asset', fileName: `samples/thumbnails/${file}.webp`, source: made[i] });
      });
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
  server: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION },
  preview: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION },
});
