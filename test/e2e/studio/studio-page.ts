/**
 * Page object for the studio window (Signal's Playwright `App` style): every test and the UI
 * benchmark drive the studio through these typed helpers and the stable data-testids of
 * DESIGN.md, and read real pixels (the viewer canvas as PNG, decoded with sharp) and real files.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, type Download, type Locator, type Page, type TestInfo } from '@playwright/test';
import sharp from 'sharp';
import { runningWorkers } from '../../helpers/workers.js';

export type ViewerState = 'empty' | 'decomposing' | 'preview' | 'ready';

export interface RawPixels {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

// The browser-side names used inside page.evaluate (this file compiles with Node's types, not the DOM's).
declare const DataTransfer: new () => { items: { add(file: unknown): void } };
declare const ClipboardEvent: new (type: string, init: { clipboardData: unknown }) => unknown;
declare const window: { dispatchEvent(event: unknown): boolean };
declare const document: { documentElement: unknown };
declare function getComputedStyle(element: unknown): { backgroundColor: string };
interface CanvasElement {
  toDataURL(type: string): string;
}

/** The studio as served by `vite preview` of dist/renderer (playwright.config.ts). */
export const STUDIO_URL = process.env.STUDIO_URL ?? 'http://127.0.0.1:4319/';

export class StudioPage {
  readonly viewer: Locator;
  readonly slider: Locator;
  readonly rankValue: Locator;
  readonly errorBanner: Locator;
  readonly progress: Locator;
  readonly cancelButton: Locator;
  readonly compareHandle: Locator;

  constructor(
    readonly page: Page,
    readonly testInfo?: TestInfo,
  ) {
    this.viewer = page.getByTestId('viewer');
    this.slider = page.getByTestId('rank-slider');
    this.rankValue = page.getByTestId('rank-value');
    this.errorBanner = page.getByTestId('error-banner');
    this.progress = page.getByTestId('progress');
    this.cancelButton = page.getByTestId('cancel');
    this.compareHandle = page.getByTestId('compare-handle');
  }

  /**
   * Whether the page is cross-origin isolated (its workers can share memory), and each of its
   * workers too (one that ends meanwhile, such as the analysis worker's codec workers, is not asked).
   */
  async crossOriginIsolated(): Promise<boolean> {
    const isolated = () => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const answers = await Promise.all([
      this.page.evaluate(isolated),
      ...this.page.workers().map((worker) => worker.evaluate(isolated).catch(() => null)),
    ]);
    return answers.every((answer) => answer !== false);
  }

  /**
   * How many of the page's `<script>.worker` workers are running: listed by Playwright and
   * answering an evaluation within 10 s (helpers/workers.ts says why the list alone is not
   * enough). The tests ask this of workers that are idle when running, and an idle worker answers
   * at once.
   */
  runningWorkers(script: string): Promise<number> {
    return runningWorkers(this.page, script, 10_000);
  }

  async goto(): Promise<void> {
    await this.page.goto(STUDIO_URL);
    await expect(this.viewer).toHaveAttribute('data-state', 'empty');
  }

  /** Opens a file through the `open-file` input. */
  async openFile(path: string): Promise<void> {
    await this.page.getByTestId('open-file').setInputFiles(path);
  }

  /** Drops a file on the drop zone, as a person dragging it from the desktop would. */
  async dropFile(path: string, type = 'application/octet-stream'): Promise<void> {
    const base64 = readFileSync(path).toString('base64');
    const dataTransfer = await this.page.evaluateHandle(
      ({ base64, name, type }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type }));
        return transfer;
      },
      { base64, name: basename(path), type },
    );
    const zone = this.page.getByTestId('drop-zone');
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
  }

  /** Pastes a file into the window (Ctrl+V of a copied file or screenshot). */
  async pasteFile(path: string, type: string): Promise<void> {
    const base64 = readFileSync(path).toString('base64');
    await this.page.evaluate(
      ({ base64, name, type }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type }));
        window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer }));
      },
      { base64, name: basename(path), type },
    );
  }

  /** The page's background colour (CSS), to see the theme. */
  backgroundColor(): Promise<string> {
    return this.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  }

  async state(): Promise<ViewerState> {
    return (await this.viewer.getAttribute('data-state')) as ViewerState;
  }

  async waitForState(states: ViewerState[], timeout = 180_000): Promise<ViewerState> {
    await expect.poll(() => this.state(), { timeout, intervals: [25, 50, 100] }).toMatch(new RegExp(`^(${states.join('|')})$`));
    return this.state();
  }

  /** The first low-rank preview is on screen (or everything is already done). */
  waitForFirstPreview(timeout?: number): Promise<ViewerState> {
    return this.waitForState(['preview', 'ready'], timeout);
  }

  waitForReady(timeout = 240_000): Promise<ViewerState> {
    return this.waitForState(['ready'], timeout);
  }

  async documentName(): Promise<string> {
    return (await this.page.locator('.doc strong').textContent()) ?? '';
  }

  async maxRank(): Promise<number> {
    return Number(await this.slider.getAttribute('max'));
  }

  async rank(): Promise<number> {
    return Number(await this.slider.inputValue());
  }

  /** Moves the slider to k (an input event, as dragging does) and waits for the rank-k preview. */
  async setRank(k: number): Promise<void> {
    const before = await this.previewCount();
    await this.slider.fill(String(k));
    await expect(this.rankValue).toHaveValue(String(k));
    await expect.poll(() => this.previewCount(), { timeout: 90_000 }).toBeGreaterThan(before);
  }

  /** How many rank-change previews have been painted (performance.measure('rank-preview')). */
  previewCount(): Promise<number> {
    return this.page.evaluate(() => performance.getEntriesByName('rank-preview').length);
  }

  /** The raw number a metric or size element carries (data-value). */
  async value(testId: string): Promise<number> {
    const raw = await this.page.getByTestId(testId).getAttribute('data-value');
    return raw === null || raw === '' ? NaN : Number(raw);
  }

  /** Waits until the element's data-value is a number and returns it. */
  async waitForValue(testId: string, timeout = 180_000): Promise<number> {
    await expect.poll(async () => Number.isFinite(await this.value(testId)), { timeout }).toBe(true);
    return this.value(testId);
  }

  /** Waits for the exact (not estimated) .svd size at the current rank. */
  async waitForExactSize(timeout = 180_000): Promise<number> {
    const size = this.page.getByTestId('size-file');
    await expect(size).toHaveAttribute('data-estimate', 'false', { timeout });
    return this.value('size-file');
  }

  /** The viewer canvas's pixels (RGBA), read back as a PNG and decoded with sharp. */
  async viewerPixels(): Promise<RawPixels> {
    const dataUrl = await this.viewer.evaluate((canvas) => (canvas as unknown as CanvasElement).toDataURL('image/png'));
    const png = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data };
  }

  /** Chooses the model (whole image or 8×8 patches) with the model switch. */
  async setModel(model: 'whole' | 'patch'): Promise<void> {
    await this.page.locator(`[data-testid=model-switch] [data-value=${model}]`).click();
    await expect(this.page.getByTestId('model-switch')).toHaveAttribute('data-value', model);
  }

  /** Chooses the colour space (RGB or YCbCr) with the colour switch. */
  async setColorSpace(colorSpace: 'rgb' | 'ycbcr'): Promise<void> {
    await this.page.locator(`[data-testid=color-switch] [data-value=${colorSpace}]`).click();
    await expect(this.page.getByTestId('color-switch')).toHaveAttribute('data-value', colorSpace);
  }

  /** Chooses what the .svd file aims for: the rank, a PSNR or a size. */
  async setTargetMode(mode: 'rank' | 'psnr' | 'bytes'): Promise<void> {
    await this.page.locator(`[data-testid=target-mode] [data-value=${mode}]`).click();
    await expect(this.page.getByTestId('target-mode')).toHaveAttribute('data-value', mode);
  }

  /** Waits until the allocation's exact answer for the current target is shown; returns the per-plane ranks. */
  async waitForAllocation(timeout = 180_000): Promise<number[]> {
    await expect(this.page.getByTestId('target-status')).toContainText('Allocation:', { timeout });
    await this.waitForExactSize(timeout);
    const count = await this.page.locator('[data-testid^=plane-rank-]').count();
    const ranks: number[] = [];
    for (let p = 0; p < count; p++) ranks.push(Number(await this.page.getByTestId(`plane-rank-${p}`).textContent()));
    return ranks;
  }

  /** How many stage marks the studio recorded (one per plane and stage it decomposed). */
  stageMarks(): Promise<number> {
    return this.page.evaluate(() => performance.getEntriesByType('mark').filter((mark) => mark.name.startsWith('studio:stage-')).length);
  }

  /** A canvas's pixels (RGBA), read back as a PNG and decoded with sharp. */
  async canvasPixels(testId: string): Promise<RawPixels> {
    const dataUrl = await this.page.getByTestId(testId).evaluate((canvas) => (canvas as unknown as CanvasElement).toDataURL('image/png'));
    const png = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data };
  }

  async openExport(): Promise<void> {
    await this.page.getByTestId('export-open').click();
    await expect(this.page.getByTestId('export-format')).toBeVisible();
  }

  /** Chooses a format, waits for its size, saves; returns the download's path, name and size shown before saving. */
  async exportAs(
    format: 'svd' | 'png' | 'jpeg' | 'webp' | 'avif',
    timeout = 180_000,
    coding?: 'whole-rgb' | 'whole-ycbcr' | 'patch-rgb' | 'patch-ycbcr',
  ): Promise<{ path: string; name: string; shownBytes: number }> {
    if (!(await this.page.getByTestId('export-format').isVisible())) await this.openExport();
    await this.page.getByTestId('export-format').selectOption(format);
    if (coding) await this.page.getByTestId(`export-coding-${coding}`).check();
    const size = this.page.getByTestId('export-size');
    await expect.poll(async () => Number((await size.getAttribute('data-value')) || NaN), { timeout }).toBeGreaterThan(0);
    const shownBytes = Number(await size.getAttribute('data-value'));
    const [download] = await Promise.all([this.page.waitForEvent('download', { timeout }), this.page.getByTestId('export-save').click()]);
    const path = await saveDownload(download, this.testInfo);
    return { path, name: download.suggestedFilename(), shownBytes };
  }

  /** A screenshot of the whole window, written as a test artifact. */
  async screenshot(name: string): Promise<void> {
    if (!this.testInfo) return;
    const path = this.testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path });
    await this.testInfo.attach(name, { path, contentType: 'image/png' });
  }
}

async function saveDownload(download: Download, testInfo?: TestInfo): Promise<string> {
  const target = testInfo ? testInfo.outputPath(download.suggestedFilename()) : await download.path();
  if (testInfo) await download.saveAs(target);
  return target;
}

/** Mean absolute difference over the colour samples of two equally sized RGBA images, in a column range. */
export function meanAbsDifference(a: RawPixels, b: RawPixels, fromX = 0, toX = a.width): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('Different sizes');
  let sum = 0;
  let count = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = fromX; x < toX; x++) {
      const i = (y * a.width + x) * 4;
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[i + c] - b.data[i + c]);
      count += 3;
    }
  }
  return count ? sum / count : 0;
}
