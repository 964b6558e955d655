/**
 * No pixel relays through the main thread, in Chromium (the web host): a PNG export and the
 * saved file shown back, and the JPEG at the same bytes in the compare view, move full-size
 * pixels only between workers (analysis → preview over a MessagePort). The page counts the bytes
 * of every message its main thread receives or sends (test/helpers/message-bytes.ts): what is
 * left is the file the host saves, a copy of it for the decoder, and the viewer's display-size
 * pictures (their bytes come in, and go back to the preview worker to be written again).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { COUNT_MESSAGE_BYTES, messageBytesSince, type MessageBytes } from '../../helpers/message-bytes.js';
import { samplesDir } from '../../helpers/samples.js';
import { StudioPage } from './studio-page.js';

const PAINTBRUSHES = join(samplesDir, 'paintbrushes_1365x1074.jpg');
/** The photo's full-size pixels (RGB, 8 bits): what a relay would carry. */
const PIXEL_BYTES = 1365 * 1074 * 3;
/** Small messages (progress, spectra, metrics, ranks) add up to far less than this. */
const SMALL = 400_000;

function counts(page: Page): Promise<MessageBytes> {
  return page.evaluate(() => ({ ...(globalThis as unknown as { __messageBytes: MessageBytes }).__messageBytes }));
}

test('a PNG export and its saved view, and JPEG at the same bytes, pass no pixels through the main thread', async ({ page }, testInfo) => {
  await page.addInitScript({ content: COUNT_MESSAGE_BYTES });
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(PAINTBRUSHES);
  await studio.waitForReady();
  await studio.setRank(40);
  await studio.openExport();
  await page.waitForTimeout(500);

  const before = await counts(page);
  const saved = await studio.exportAs('png');
  await expect(page.getByTestId('saved-view')).toBeVisible({ timeout: 180_000 });
  await page.waitForTimeout(500);
  const exported = messageBytesSince(await counts(page), before);
  const fileBytes = readFileSync(saved.path).length;
  testInfo.annotations.push({
    type: 'main thread during the PNG export',
    description: `received ${exported.received} B (pictures ${exported.picturesIn} B), sent ${exported.sent} B (pictures ${exported.picturesOut} B); the file ${fileBytes} B, the pixels ${PIXEL_BYTES} B`,
  });
  // In: the file, once (its size is shown before saving), and the viewer's pictures.
  expect(exported.received - exported.picturesIn).toBeLessThan(fileBytes + SMALL);
  // Out: a copy of the file for the decoder (the prepared one stays for another save), and the pictures' bytes given back.
  expect(exported.sent - exported.picturesOut).toBeLessThan(fileBytes + SMALL);
  // The saved view shows the decoded file: at rank 40 it differs from the original.
  expect(fileBytes).toBeGreaterThan(100_000);
  await studio.screenshot('31-saved-png-shown-without-relay');

  // The compare view's JPEG at the same bytes: decoded in the analysis worker, shown by the preview worker.
  await page.getByTestId('back-to-live').click();
  await expect(page.getByTestId('saved-view')).toHaveCount(0);
  const beforeJpeg = await counts(page);
  await page.getByTestId('compare-with').selectOption('jpeg');
  await expect(page.getByTestId('original-label')).toContainText('JPEG', { timeout: 180_000 });
  await page.waitForTimeout(500);
  const jpeg = messageBytesSince(await counts(page), beforeJpeg);
  expect(jpeg.received - jpeg.picturesIn).toBeLessThan(SMALL);
  expect(jpeg.sent - jpeg.picturesOut).toBeLessThan(SMALL);
  expect(PIXEL_BYTES).toBeGreaterThan(4 * SMALL);
});
