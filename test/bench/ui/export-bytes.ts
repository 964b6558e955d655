/**
 * The bytes the studio's main thread receives from its workers (and sends to them) for one PNG
 * export of the 12 MP photo, from choosing PNG (the file is made then, to show its size) to the
 * saved file on screen: the page counts the ArrayBuffers (and ImageBitmaps, 4 bytes a pixel) in
 * every message on its Worker and MessagePort listeners, and in every postMessage it makes.
 */
import type { Browser } from '@playwright/test';
import { COUNT_MESSAGE_BYTES, messageBytesSince, type MessageBytes } from '../../helpers/message-bytes.js';
import type { Input } from './inputs.js';

/** The page's document, as far as these checks read it (they run in the page). */
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

export interface ExportBytes extends MessageBytes {
  download: string;
}

export async function measureExportBytes(browser: Browser, url: string, input: Input): Promise<ExportBytes> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: COUNT_MESSAGE_BYTES });
    await page.goto(url);
    await page.getByTestId('open-file').setInputFiles(input.path);
    await page.waitForFunction(() => document.querySelector('[data-testid="viewer"]')?.getAttribute('data-state') === 'ready', null, {
      timeout: 300_000,
    });
    await page.getByTestId('export-open').click();
    await page.waitForTimeout(1000);
    const read = () => page.evaluate(() => ({ ...(globalThis as { __messageBytes?: MessageBytes }).__messageBytes! }));
    const before = await read();
    await page.getByTestId('export-format').selectOption('png');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="export-size"]')?.getAttribute('data-value')) > 0, null, {
      timeout: 300_000,
    });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.getByTestId('export-save').click()]);
    await page.getByTestId('saved-view').waitFor({ timeout: 300_000 });
    await page.waitForTimeout(1000);
    const after = await read();
    return { ...messageBytesSince(after, before), download: download.suggestedFilename() };
  } finally {
    await context.close();
  }
}
