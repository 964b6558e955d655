/**
 * The desktop path without the Electron binary (DESIGN.md): the real renderer in Chromium, with
 * window.studio built by the real preload factory (electron/preload/api.ts, bundled for the page)
 * and its invoke bound with page.exposeFunction to the real main-process handlers
 * (electron/main/ipc/handlers.ts: sharp decoding, validation, atomic saves). Only the native
 * dialogs are stand-ins: they "choose" files in a temporary folder. The page is served with the
 * app's own Content-Security-Policy header (electron/main/csp.ts), and must run under it with no
 * violation, and cross-origin isolated as the app:// protocol serves it (the pixels sharp decodes
 * come unshared; the engine worker shares them).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { decodeSvd } from '../../../core/index.js';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/csp.js';
import { CROSS_ORIGIN_ISOLATION, contentType, fileUnder } from '../../../electron/main/renderer-files.js';
import { createHandlers, dispatch } from '../../../electron/main/ipc/handlers.js';
import { RecentFiles } from '../../../electron/main/services/recent-files.js';
import { samplesDir } from '../../helpers/samples.js';
import { StudioPage } from './studio-page.js';

// Browser-side names used inside page.evaluate (this file compiles with Node's types).
declare const DataTransfer: new () => { items: { add(file: unknown): void } };

test.describe.configure({ mode: 'serial' });

const PORT = 4321;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const rendererRoot = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));
let server: Server;

test.beforeAll(async () => {
  // Like the app:// handler: the renderer's files, every response with the app's CSP and isolation headers.
  server = createServer(async (request, response) => {
    const path = fileUnder(rendererRoot, new URL(request.url ?? '/', ORIGIN).pathname);
    try {
      if (!path) throw new Error('outside');
      const body = await readFile(path);
      response.writeHead(200, {
        'Content-Type': contentType(path),
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        ...CROSS_ORIGIN_ISOLATION,
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
});

test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The preload's factory, bundled for the page (as esbuild bundles it into preload.cjs). */
const preloadFactory = buildSync({
  entryPoints: [fileURLToPath(new URL('../../../electron/preload/api.ts', import.meta.url))],
  bundle: true,
  format: 'iife',
  globalName: 'StudioPreload',
  platform: 'browser',
  write: false,
}).outputFiles[0].text;

// Typed arrays cross Playwright's binding as base64 (it carries JSON); everything else as is.
type Wire = unknown;
function toWire(value: unknown): Wire {
  if (value instanceof Uint8Array || value instanceof Uint16Array) {
    return {
      __typed: value instanceof Uint8Array ? 'Uint8Array' : 'Uint16Array',
      base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    };
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, toWire(entry)]));
  return value;
}
function fromWire(value: Wire): unknown {
  if (value && typeof value === 'object' && '__typed' in (value as object)) {
    const { __typed, base64 } = value as { __typed: string; base64: string };
    const bytes = Buffer.from(base64, 'base64');
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return __typed === 'Uint16Array' ? new Uint16Array(copy.buffer) : copy;
  }
  if (Array.isArray(value)) return value.map(fromWire);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, fromWire(entry)]));
  return value;
}

// The same conversion in the page (a string, evaluated before the studio's scripts).
const PAGE_BRIDGE = `
(() => {
  const toWire = (value) => {
    if (value instanceof Uint8Array || value instanceof Uint16Array) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      return { __typed: value instanceof Uint8Array ? 'Uint8Array' : 'Uint16Array', base64: btoa(binary) };
    }
    if (Array.isArray(value)) return value.map(toWire);
    if (value && typeof value === 'object' && !(value instanceof File)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
    return value;
  };
  const fromWire = (value) => {
    if (value && typeof value === 'object' && value.__typed) {
      const binary = atob(value.base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return value.__typed === 'Uint16Array' ? new Uint16Array(bytes.buffer) : bytes;
    }
    if (Array.isArray(value)) return value.map(fromWire);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)]));
    return value;
  };
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));
  // webUtils.getPathForFile's stand-in: files the test drops carry their path.
  const pathForFile = (file) => (file && file.__testPath) || '';
  window.studio = StudioPreload.createStudioApi(
    async (channel, ...args) => fromWire(await window.__studioInvoke(channel, toWire(args))),
    () => () => {},
    pathForFile,
  );
})();
`;

test('the desktop host: open with main’s dialog and by drop, slide, export .svd and PNG through main, under the app’s CSP', async ({
  page,
}, testInfo) => {
  const folder = mkdtempSync(join(tmpdir(), 'svd-desktop-'));
  let nextOpen: string | null = join(samplesDir, 'astronaut_512x512_rgb.png');
  const handlers = createHandlers({
    chooseFileToOpen: async () => nextOpen,
    // The "person" saves under the proposed name in the temporary folder.
    chooseSavePath: async (name) => join(folder, name),
    recent: new RecentFiles(join(folder, 'recent.json')),
  });
  await page.exposeFunction('__studioInvoke', async (channel: string, args: Wire) =>
    toWire(await dispatch(handlers, channel, fromWire(args) as unknown[])),
  );
  await page.addInitScript({ content: `${preloadFactory}\n${PAGE_BRIDGE}` });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));

  const studio = new StudioPage(page, testInfo);
  const response = await page.goto(`${ORIGIN}/`);
  expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(await studio.crossOriginIsolated()).toBe(true);
  await expect(studio.viewer).toHaveAttribute('data-state', 'empty');
  // The desktop welcome lists only the samples the installers carry.
  await expect(page.getByTestId('sample-astronaut_512x512_rgb.png')).toBeVisible();
  await expect(page.getByTestId('sample-architecture_gray_2560x1600.jpg')).toHaveCount(0);

  // Open… → main's dialog → sharp decodes in "main" → pixels to the renderer.
  await page.getByTestId('open-dialog').click();
  await studio.waitForReady();
  expect(await studio.documentName()).toBe('astronaut_512x512_rgb.png');
  // The measures start at main's answer to the dialog (after the click) and decoding ends in main.
  const measures = await page.evaluate(() => {
    const entry = (name: string) => performance.getEntriesByName(name, 'measure')[0] ?? null;
    const click = performance.getEntriesByName('studio:open')[0]?.startTime ?? null;
    const span = (name: string) => {
      const found = entry(name);
      return found ? { start: found.startTime, end: found.startTime + found.duration } : null;
    };
    return { click, decode: span('decode'), firstPreview: span('first-preview') };
  });
  expect(measures.decode).not.toBeNull();
  expect(measures.firstPreview?.start).toBe(measures.decode!.start);
  // Main's clock and the page's agree to within a few ms (both wall-clock based): 50 ms of slack.
  expect(measures.decode!.start).toBeGreaterThanOrEqual(measures.click! - 50);
  expect(measures.decode!.end).toBeGreaterThan(measures.decode!.start);
  expect(measures.firstPreview!.end).toBeGreaterThan(measures.decode!.end);
  await studio.setRank(24);
  const psnr = await studio.value('metric-psnr');
  expect(psnr).toBeGreaterThan(20);
  await studio.screenshot('desktop-opened');

  // Export .svd: main's save dialog, written atomically by main.
  await studio.openExport();
  await page.getByTestId('export-format').selectOption('svd');
  await expect
    .poll(async () => Number((await page.getByTestId('export-size').getAttribute('data-value')) || NaN), { timeout: 90_000 })
    .toBeGreaterThan(0);
  const shown = Number(await page.getByTestId('export-size').getAttribute('data-value'));
  await page.getByTestId('export-save').click();
  await expect(page.getByTestId('saved-view')).toBeVisible({ timeout: 90_000 });
  const svd = readFileSync(join(folder, 'astronaut_512x512_rgb-k24.svd'));
  expect(svd.length).toBe(shown);
  const decoded = decodeSvd(new Uint8Array(svd));
  expect([decoded.header.width, decoded.header.height]).toEqual([512, 512]);
  expect(decoded.channels.map((channel) => channel.rank)).toEqual([24, 24, 24]);

  // Export PNG: encoded by sharp in main, written by main; the file decodes.
  await page.getByTestId('back-to-live').click();
  await page.getByTestId('export-format').selectOption('png');
  await expect
    .poll(async () => Number((await page.getByTestId('export-size').getAttribute('data-value')) || NaN), { timeout: 90_000 })
    .toBeGreaterThan(0);
  await page.getByTestId('export-save').click();
  await expect(page.getByTestId('saved-view')).toContainText('astronaut_512x512_rgb-k24.png', { timeout: 90_000 });
  const png = await sharp(join(folder, 'astronaut_512x512_rgb-k24.png')).metadata();
  expect([png.width, png.height]).toEqual([512, 512]);
  await studio.screenshot('desktop-exported');

  // A dropped file: its path (from the preload) goes to main, which checks it and opens it.
  const tulips = join(samplesDir, 'tulips_alpha_500x500_rgba.png');
  const base64 = readFileSync(tulips).toString('base64');
  const dataTransfer = await page.evaluateHandle(
    ({ base64, path }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const file = new File([bytes], 'tulips_alpha_500x500_rgba.png', { type: 'image/png' });
      Object.defineProperty(file, '__testPath', { value: path });
      const transfer = new DataTransfer();
      transfer.items.add(file);
      return transfer;
    },
    { base64, path: tulips },
  );
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
  await expect.poll(() => studio.documentName(), { timeout: 90_000 }).toBe('tulips_alpha_500x500_rgba.png');
  await studio.waitForReady();
  await expect(page.locator('.doc')).toContainText('alpha');

  // A file main refuses (not an image type) shows the banner and keeps the image.
  nextOpen = join(folder, 'recent.json');
  await page.getByTestId('open-dialog').click();
  await expect(studio.errorBanner).toBeVisible();
  expect(await studio.documentName()).toBe('tulips_alpha_500x500_rgba.png');

  expect(await page.evaluate(() => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
  expect(problems).toEqual([]);
});
