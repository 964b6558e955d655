/**
 * A long session in one page (issue 15): 20 photos opened one after another — the samples, photos
 * made from them (crops, a scaled copy, a 16-bit PNG, a grey PNG), and the 12 MP photo three times
 * (2nd, 11th and 20th) — in the built studio, served cross-origin isolated as the desktop app
 * serves it (its workers share the pixels). After each photo is ready the slider moves (three
 * ranks, each painted); every fourth photo, and the 12 MP photo at
 * 2nd and 20th (whose figures are compared: each then holds its saved file's picture), is exported
 * as a .svd and as a PNG (downloads, decoded here: the .svd with core's decoder, the PNG with
 * sharp, both at the photo's size). Then, once the measurements have their answers, the whole
 * browser's memory (PSS of every Chromium process, as the UI benchmark measures it) is recorded.
 *
 * The check (printed, never a failed exit): the memory after the last photo (the 12 MP photo) is
 * within 1.2× of the memory after the first 12 MP photo; no console error or page error; every
 * export decodes. Exits non-zero only when the session cannot run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Download, type Page } from '@playwright/test';
import sharp, { type Sharp } from 'sharp';
import { decodeSvd } from '../../core/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js';
import { chromiumPssMb } from '../helpers/browser-memory.js';
import { PHOTO_FILE, ROOT, SAMPLES_DIR } from '../bench/lib/config.js';
import { printTable } from '../bench/lib/table.js';
import { serveStatic } from '../bench/ui/server.js';

/** Issue 15's bound: memory after the last photo ≤ this × memory after the first 12 MP photo. */
export const MEMORY_GROWTH_LIMIT = 1.2;
const PHOTO_12MP = join(SAMPLES_DIR, PHOTO_FILE);
const OPEN_TIMEOUT_MS = 600_000;
const RENDERER_DIR = `${ROOT}dist/renderer`;

/** The page's document, as the functions evaluated in the page use it (this file has no DOM types). */
declare const document: {
  querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null;
};

interface SessionPhoto {
  name: string;
  path: string;
  width: number;
  height: number;
}

interface PhotoResult {
  index: number;
  name: string;
  megapixels: number;
  readySeconds: number;
  readyMb: number | null;
  settledMb: number | null;
  exported: string;
}

/** The session's 20 photos, in order: samples, photos made from them in `dir`, the 12 MP photo at 2, 11 and 20. */
async function sessionPhotos(dir: string): Promise<SessionPhoto[]> {
  const made = async (name: string, build: (image: Sharp) => Sharp): Promise<string> => {
    const path = join(dir, name);
    await build(sharp(PHOTO_12MP)).toFile(path);
    return path;
  };
  const paths = [
    join(SAMPLES_DIR, 'paintbrushes_1365x1074.jpg'),
    PHOTO_12MP,
    join(SAMPLES_DIR, 'astronaut_512x512_rgb.png'),
    await made('crop-2000x1500.jpg', (image) => image.extract({ left: 1000, top: 600, width: 2000, height: 1500 }).jpeg({ quality: 90 })),
    join(SAMPLES_DIR, 'tulips_alpha_500x500_rgba.png'),
    join(SAMPLES_DIR, 'architecture_gray_2560x1600.jpg'),
    join(SAMPLES_DIR, 'room_16bit_676x449.png'),
    await made('half-2136x1424.png', (image) => image.resize(2136, 1424).png()),
    join(SAMPLES_DIR, 'dogs_exif_orientation6_3088x2048.jpg'),
    await made('gray-crop-1600x1200.png', (image) => image.extract({ left: 200, top: 200, width: 1600, height: 1200 }).grayscale().png()),
    PHOTO_12MP,
    await made('sixteen-bit-1200x800.png', (image) => image.resize(1200, 800).toColourspace('rgb16').png()),
    await made('wide-4000x1000.jpg', (image) => image.extract({ left: 100, top: 1200, width: 4000, height: 1000 }).jpeg({ quality: 85 })),
    join(SAMPLES_DIR, 'paintbrushes_1365x1074.jpg'),
    await made('tall-1000x2800.jpg', (image) => image.extract({ left: 2000, top: 0, width: 1000, height: 2800 }).jpeg({ quality: 85 })),
    join(SAMPLES_DIR, 'astronaut_512x512_rgb.png'),
    await made('scaled-3000x2000.webp', (image) => image.resize(3000, 2000).webp({ quality: 90 })),
    join(SAMPLES_DIR, 'architecture_gray_2560x1600.jpg'),
    join(SAMPLES_DIR, 'tulips_alpha_500x500_rgba.png'),
    PHOTO_12MP,
  ];
  const photos: SessionPhoto[] = [];
  for (const path of paths) {
    const meta = await sharp(path).metadata();
    // EXIF orientations 5–8 turn the picture: the studio shows it upright.
    const turned = (meta.orientation ?? 1) >= 5;
    photos.push({
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      width: turned ? meta.height! : meta.width!,
      height: turned ? meta.width! : meta.height!,
    });
  }
  return photos;
}

async function viewerState(page: Page): Promise<string> {
  return (await page.getByTestId('viewer').getAttribute('data-state')) ?? '';
}

/** Opens one photo; resolves when it is ready, throws with the banner's text on an error. */
async function open(page: Page, photo: SessionPhoto): Promise<void> {
  const before = await page.evaluate(() => performance.getEntriesByName('first-preview').length);
  await page.getByTestId('open-file').setInputFiles(photo.path);
  const outcome = await page.waitForFunction(
    (count) => {
      const banner = document.querySelector('[data-testid="error-banner"]');
      if (banner) return `error: ${banner.textContent}`;
      const state = document.querySelector('[data-testid="viewer"]')?.getAttribute('data-state');
      return performance.getEntriesByName('first-preview').length > count && state === 'ready' ? 'ready' : false;
    },
    before,
    { timeout: OPEN_TIMEOUT_MS, polling: 100 },
  );
  const status = await outcome.jsonValue();
  if (status !== 'ready') throw new Error(`${photo.name}: ${status}`);
}

/** Moves the slider to k and waits until that rank is painted. */
async function setRank(page: Page, k: number): Promise<void> {
  const before = await page.evaluate(() => performance.getEntriesByName('rank-preview').length);
  await page.getByTestId('rank-slider').fill(String(k));
  await page.waitForFunction((count) => performance.getEntriesByName('rank-preview').length > count, before, { timeout: 90_000 });
}

/** Exports the current photo as `format` (the panel's Save), returning the download's bytes. */
async function exportAs(page: Page, format: 'svd' | 'png', dir: string): Promise<Buffer> {
  if (!(await page.getByTestId('export-format').isVisible())) await page.getByTestId('export-open').click();
  await page.getByTestId('export-format').selectOption(format);
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="export-size"]')?.getAttribute('data-value') || 0) > 0,
    undefined,
    {
      timeout: 300_000,
    },
  );
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 300_000 }) as Promise<Download>,
    page.getByTestId('export-save').click(),
  ]);
  const path = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  await page.keyboard.press('Escape');
  return readFileSync(path);
}

/** Waits until the measurements have their answers (WebP's exact one comes last), or a minute has passed. */
async function measurementsSettled(page: Page): Promise<void> {
  await page
    .waitForFunction(
      () => {
        const webp = document.querySelector('[data-testid="metric-webp"]');
        return webp?.getAttribute('data-coarse') === 'false' || !!document.querySelector('[data-testid="measure-error"]');
      },
      undefined,
      { timeout: 120_000, polling: 250 },
    )
    .catch(() => {});
}

export async function longSession(tempDir: string): Promise<void> {
  const dir = join(tempDir, 'long-session');
  mkdirSync(dir, { recursive: true });
  const photos = await sessionPhotos(dir);
  const { server, url } = await serveStatic(RENDERER_DIR, true);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  const problems: string[] = [];
  const results: PhotoResult[] = [];
  const started = performance.now();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, acceptDownloads: true });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('[data-testid="viewer"]')?.getAttribute('data-state') === 'empty');
    console.error(`long session: ${photos.length} photos in one page, Chromium ${browser.version()}`);
    for (const [index, photo] of photos.entries()) {
      console.error(`… ${index + 1}/${photos.length}: ${photo.name}`);
      const openedAt = performance.now();
      await open(page, photo);
      const readySeconds = (performance.now() - openedAt) / 1000;
      const readyMb = chromiumPssMb();
      for (const k of [8, 64, 20]) await setRank(page, k);
      let exported = '—';
      if (index % 4 === 3 || index === 1 || index === photos.length - 1) {
        const svd = decodeSvd(new Uint8Array(await exportAs(page, 'svd', dir)));
        const png = await sharp(await exportAs(page, 'png', dir)).metadata();
        const sizes = [`${svd.header.width}×${svd.header.height}`, `${png.width}×${png.height}`];
        const expected = `${photo.width}×${photo.height}`;
        exported = sizes.every((size) => size === expected) ? '.svd, PNG decode' : `size ${sizes.join(', ')}`;
        if (exported !== '.svd, PNG decode') problems.push(`${photo.name}: exports decode at ${sizes.join(' and ')}, not ${expected}`);
      }
      await measurementsSettled(page);
      if ((await viewerState(page)) !== 'ready') problems.push(`${photo.name}: the viewer is ${await viewerState(page)} after the exports`);
      results.push({
        index: index + 1,
        name: photo.name,
        megapixels: (photo.width * photo.height) / 1e6,
        readySeconds,
        readyMb,
        settledMb: chromiumPssMb(),
        exported,
      });
    }
    await context.close();
  } finally {
    await browser.close();
    server.close();
  }

  printTable(
    `Long session: ${photos.length} photos in one page`,
    ['#', 'photo', 'MP', 'ready (s)', 'PSS at ready (MB)', 'PSS settled (MB)', 'exports'],
    results.map((r) => [
      String(r.index),
      r.name,
      r.megapixels.toFixed(1),
      r.readySeconds.toFixed(1),
      r.readyMb === null ? '—' : r.readyMb.toFixed(0),
      r.settledMb === null ? '—' : r.settledMb.toFixed(0),
      r.exported,
    ]),
  );
  const first12 = results.find((r) => r.name === PHOTO_FILE)!;
  const last = results[results.length - 1];
  const exports = results.filter((r) => r.exported !== '—');
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null ? a / b : null);
  const atReady = ratio(last.readyMb, first12.readyMb);
  const settled = ratio(last.settledMb, first12.settledMb);
  const verdict = (value: number | null) =>
    value === null
      ? 'not measured (no /proc)'
      : `${value.toFixed(2)}× ${value <= MEMORY_GROWTH_LIMIT ? '≤' : '>'} ${MEMORY_GROWTH_LIMIT}× (target ${value <= MEMORY_GROWTH_LIMIT ? 'met' : 'missed'})`;
  console.log(`memory after the last photo / after the first 12 MP photo: at ready ${verdict(atReady)}; settled ${verdict(settled)}`);
  console.log(
    `exports: ${exports.length * 2} files from ${exports.length} photos, ${exports.filter((r) => r.exported === '.svd, PNG decode').length * 2} decode at the photo's size`,
  );
  console.log(`console and page errors: ${problems.length}${problems.length ? '' : ' (none)'}`);
  for (const problem of problems.slice(0, 20)) console.log(`  ${problem}`);
  console.log(`session time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  writeFileSync(join(tempDir, 'long-session.json'), JSON.stringify({ results, problems }, null, 2));
}
