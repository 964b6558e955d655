/**
 * The bytes the studio's main thread receives from its workers (and sends to them) for one PNG
 * export of the 12 MP photo, from choosing PNG (the file is made then, to show its size) to the
 * saved file on screen: the page counts the ArrayBuffers (and ImageBitmaps, 4 bytes a pixel) in
 * every message on its Worker and MessagePort listeners, and in every postMessage it makes.
 */
import type { Browser } from '@playwright/test';
import type { Input } from './inputs.js';

/** The page's document, as far as these checks read it (they run in the page). */
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

export interface ExportBytes {
  received: number;
  sent: number;
  messagesIn: number;
  messagesOut: number;
  download: string;
}

/**
 * Runs in the page before the studio loads (plain JavaScript: the page's types are not Node's):
 * wraps the message listeners and postMessage of Worker and MessagePort.
 */
const COUNT_MESSAGE_BYTES = `(() => {
  const counts = { received: 0, sent: 0, messagesIn: 0, messagesOut: 0 };
  globalThis.__messageBytes = counts;
  const sizeOf = (value, seen = new Set(), depth = 0) => {
    if (value === null || typeof value !== 'object' || depth > 8) return 0;
    if (value instanceof ArrayBuffer) return seen.has(value) ? 0 : (seen.add(value), value.byteLength);
    if (ArrayBuffer.isView(value)) return seen.has(value.buffer) ? 0 : (seen.add(value.buffer), value.byteLength);
    if (value instanceof ImageBitmap) return value.width * value.height * 4;
    let total = 0;
    for (const key of Object.keys(value)) total += sizeOf(value[key], seen, depth + 1);
    return total;
  };
  for (const type of [Worker, MessagePort]) {
    const add = type.prototype.addEventListener;
    type.prototype.addEventListener = function (kind, listener, options) {
      if (kind !== 'message' || typeof listener !== 'function') return add.call(this, kind, listener, options);
      return add.call(this, kind, function (event) {
        counts.received += sizeOf(event.data);
        counts.messagesIn++;
        return listener.call(this, event);
      }, options);
    };
    const post = type.prototype.postMessage;
    type.prototype.postMessage = function (message, ...rest) {
      counts.sent += sizeOf(message);
      counts.messagesOut++;
      return post.call(this, message, ...rest);
    };
  }
})();`;

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
    const read = () => page.evaluate(() => ({ ...(globalThis as { __messageBytes?: Omit<ExportBytes, 'download'> }).__messageBytes! }));
    const before = await read();
    await page.getByTestId('export-format').selectOption('png');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="export-size"]')?.getAttribute('data-value')) > 0, null, {
      timeout: 300_000,
    });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.getByTestId('export-save').click()]);
    await page.getByTestId('saved-view').waitFor({ timeout: 300_000 });
    await page.waitForTimeout(1000);
    const after = await read();
    return {
      received: after.received - before.received,
      sent: after.sent - before.sent,
      messagesIn: after.messagesIn - before.messagesIn,
      messagesOut: after.messagesOut - before.messagesOut,
      download: download.suggestedFilename(),
    };
  } finally {
    await context.close();
  }
}
