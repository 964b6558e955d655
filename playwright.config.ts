import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/helpers/chromium.js';

const PORT = 4317;
const CODEC_PORT = 4318;
const STUDIO_PORT = 4319;

export default defineConfig({
  testDir: 'test/e2e',
  // Generous bounds (≥ 3× the slowest test on a quiet 2-core machine): CI machines differ in speed
  // and may be busy; a timeout here only stops a hang, it never measures speed.
  timeout: 300_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    },
  },
  // The engine's worker harness (wasm-worker.spec.ts), the codec harness (codecs.spec.ts) and the studio itself, as built by
  // `npm run build` / `npm run build:e2e` and served by vite preview: the harnesses plainly, the studio cross-origin isolated
  // (renderer/vite.config.ts sends COOP/COEP, as the desktop app does; static-server.spec.ts covers a plain server).
  webServer: [
    {
      command: `npx vite preview --config test/e2e/worker-harness/vite.config.ts --host 127.0.0.1 --port ${PORT} --strictPort`,
      url: `http://127.0.0.1:${PORT}/`,
      reuseExistingServer: false,
      timeout: 180_000,
    },
    {
      command: `npx vite preview --config test/e2e/codec-harness/vite.config.ts --host 127.0.0.1 --port ${CODEC_PORT} --strictPort`,
      url: `http://127.0.0.1:${CODEC_PORT}/`,
      reuseExistingServer: false,
      timeout: 180_000,
    },
    {
      command: `npx vite preview --config renderer/vite.config.ts --host 127.0.0.1 --port ${STUDIO_PORT} --strictPort`,
      url: `http://127.0.0.1:${STUDIO_PORT}/`,
      reuseExistingServer: false,
      timeout: 180_000,
    },
  ],
});
