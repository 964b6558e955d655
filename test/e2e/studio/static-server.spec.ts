/**
 * dist/renderer/ works from a plain static file server: Python's http.server, which sends no
 * COOP/COEP headers (so no SharedArrayBuffer) and whatever MIME types its platform knows. The
 * studio must still start its workers, load its WebAssembly (kernels and codecs), open a
 * sample by a relative URL, decompose, measure and export; and what it shows, with each worker
 * holding its own copy of the pixels, equals what the isolated page shows (the test server's,
 * as the desktop app serves it: the workers share the pixels and factors).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser } from '@playwright/test';
import { StudioPage } from './studio-page.js';

const PORT = 4320;
const root = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));
const python = ['/usr/bin/python3', 'python3'].find((candidate) => spawnSync(candidate, ['--version']).status === 0);
let server: ChildProcess | null = null;

test.beforeAll(async () => {
  test.skip(!python, 'SKIPPED: no python3 here to serve dist/renderer with http.server (CI installs it)');
  expect(existsSync(`${root}index.html`), 'run npm run build first').toBe(true);
  server = spawn(python!, ['-m', 'http.server', String(PORT), '--bind', '127.0.0.1', '--directory', root], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('python3 -m http.server did not start');
});

test.afterAll(() => {
  server?.kill();
});

test('the built studio works from python3 -m http.server (no COOP/COEP, no SharedArrayBuffer)', async ({ page }, testInfo) => {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  const studio = new StudioPage(page, testInfo);
  await page.goto(`http://127.0.0.1:${PORT}/`);
  expect(await studio.crossOriginIsolated()).toBe(false);
  await page.getByTestId('sample-astronaut_512x512_rgb.png').click();
  await studio.waitForReady();
  await studio.setRank(48);
  expect(await studio.waitForExactSize()).toBeGreaterThan(0);
  await studio.waitForValue('metric-jpeg');
  const saved = await studio.exportAs('webp');
  expect(saved.shownBytes).toBeGreaterThan(1000);
  await studio.screenshot('static-server');
  expect(problems).toEqual([]);
});

/** The astronaut at rank 24 in RGB, then at rank 20 in YCbCr (the SVD workers make Y/Cb/Cr planes from the whole image), served plainly or isolated. */
async function astronautViews(browser: Browser, plain: boolean) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const studio = new StudioPage(page);
    if (plain) await page.goto(`http://127.0.0.1:${PORT}/`);
    else await studio.goto();
    await page.getByTestId('sample-astronaut_512x512_rgb.png').click();
    await studio.waitForReady();
    // The page and every worker it started by now (engine, preview, analysis, image codec): isolated ones share memory.
    expect(await studio.crossOriginIsolated()).toBe(!plain);
    await studio.setRank(24);
    const rgb = { pixels: (await studio.viewerPixels()).data, fileBytes: await studio.waitForExactSize() };
    await studio.setColorSpace('ycbcr');
    await studio.waitForReady();
    await studio.setRank(20);
    const ycbcr = { pixels: (await studio.viewerPixels()).data, fileBytes: await studio.waitForExactSize() };
    return { rgb, ycbcr };
  } finally {
    await context.close();
  }
}

test('pixels copied (plain server) or shared (isolated): the same pictures and file sizes, in RGB and YCbCr', async ({ browser }) => {
  const plain = await astronautViews(browser, true);
  const shared = await astronautViews(browser, false);
  for (const coding of ['rgb', 'ycbcr'] as const) {
    expect(shared[coding].fileBytes, coding).toBe(plain[coding].fileBytes);
    expect(shared[coding].pixels.equals(plain[coding].pixels), coding).toBe(true);
  }
  expect(plain.ycbcr.pixels.equals(plain.rgb.pixels)).toBe(false);
});
