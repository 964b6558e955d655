/**
 * Hostile files dropped on the window one after another (issue 15): truncations, bit flips,
 * wrong extensions, zero bytes, text renamed .png, random bytes, a PNG whose header claims
 * 50,000 × 50,000 pixels (a decompression bomb), .svd files with a valid checksum and absurd
 * header fields — mixed with intact files. Each must end in an error banner naming the file or
 * in that image on screen; after an error the previous image stays, at its rank, and still
 * answers the slider; the page is never reloaded and throws nothing. `npm test` drops 30 files,
 * `npm run test:full` 200. The outcome counts are attached (hostile-outcomes.json).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { crc32, encodeSvd, truncatedSvd, type Matrix } from '../../../core/index.js';
import { StudioPage, meanAbsDifference } from './studio-page.js';
import { seededRandom } from '../../helpers/random.js';

const COUNT = process.env.TEST_SUITE === 'full' ? 200 : 30;

/** A PNG chunk: length, type, data, CRC of type and data. */
function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body, 0, body.length), 8 + data.length);
  return out;
}

/** A tiny, well-formed PNG whose header claims width × height (8-bit RGB), with one short IDAT. */
function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(4096))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

function withChecksum(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

interface Base {
  name: string;
  bytes: Buffer;
  type: string;
}

async function bases(): Promise<Base[]> {
  const width = 96;
  const height = 64;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      raw[at] = (x * 2 + y) & 255;
      raw[at + 1] = (y * 4) & 255;
      raw[at + 2] = ((x ^ y) * 3) & 255;
    }
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  const channel = (c: number): Matrix => ({
    rows: height,
    cols: width,
    data: Float32Array.from({ length: width * height }, (_, i) => raw[i * 3 + c]),
  });
  const svds = await Promise.all([0, 1, 2].map((c) => truncatedSvd(channel(c), { rank: 8 })));
  const svd = Buffer.from(encodeSvd({ width, height, channels: 3, bitDepth: 8, svds, ranks: [8, 6, 4] }).bytes);
  return [
    { name: 'png', bytes: await image.clone().png().toBuffer(), type: 'image/png' },
    { name: 'jpg', bytes: await image.clone().jpeg({ quality: 85 }).toBuffer(), type: 'image/jpeg' },
    { name: 'webp', bytes: await image.clone().webp({ quality: 80 }).toBuffer(), type: 'image/webp' },
    { name: 'svd', bytes: svd, type: 'application/octet-stream' },
  ];
}

interface Hostile {
  file: string;
  type: string;
  kind: string;
}

/** COUNT files in `dir`: kinds in turn, bases and damage from a seeded generator. */
async function hostileFiles(dir: string): Promise<Hostile[]> {
  const random = seededRandom(20261202);
  const integer = (n: number) => Math.floor(random() * n);
  const all = await bases();
  const files: Hostile[] = [];
  for (let n = 0; n < COUNT; n++) {
    const base = all[integer(all.length)];
    let bytes: Buffer = Buffer.from(base.bytes);
    let extension = base.name;
    let kind: string;
    switch (n % 10) {
      case 0:
        kind = 'truncated';
        bytes = bytes.subarray(0, integer(bytes.length));
        break;
      case 1:
        kind = 'bit flips';
        for (let f = 0, flips = 1 + integer(8); f < flips; f++) bytes[integer(bytes.length)] ^= 1 << integer(8);
        break;
      case 2: {
        kind = 'wrong extension';
        const others = all.filter((other) => other.name !== base.name);
        extension = others[integer(others.length)].name;
        break;
      }
      case 3:
        kind = 'zero bytes';
        bytes = Buffer.alloc(0);
        break;
      case 4:
        kind = 'text renamed';
        bytes = Buffer.from('This is a text file, renamed to look like an image.\n'.repeat(1 + integer(20)));
        extension = ['png', 'jpg', 'svd'][integer(3)];
        break;
      case 5: {
        kind = '.svd: absurd header, valid checksum';
        extension = 'svd';
        const svd = Uint8Array.from(all[3].bytes);
        const view = new DataView(svd.buffer);
        const field = integer(4);
        if (field === 0)
          view.setUint16(32, 65535, true); // the first plane's rank
        else if (field === 1)
          view.setUint32(12, 0xffffffff, true); // width
        else if (field === 2)
          view.setUint32(16, 1 + integer(1 << 20), true); // height
        else view.setUint32(28, 0xffffffff, true); // inflated length
        bytes = Buffer.from(withChecksum(svd));
        break;
      }
      case 6:
        kind = 'decompression bomb';
        bytes = pngBomb(50_000, 50_000);
        extension = 'png';
        break;
      case 7:
        kind = 'random bytes';
        bytes = Buffer.from(Uint8Array.from({ length: 1 + integer(5000) }, () => integer(256)));
        break;
      default:
        kind = 'intact';
    }
    const file = join(dir, `hostile-${String(n).padStart(3, '0')}.${extension}`);
    writeFileSync(file, bytes);
    files.push({ file, type: base.type, kind });
  }
  return files;
}

test('hostile files dropped one after another: each ends in an error or an image; the previous image stays usable', async ({
  page,
}, testInfo) => {
  test.setTimeout(COUNT * 15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const studio = new StudioPage(page, testInfo);
  const dir = mkdtempSync(join(tmpdir(), 'svd-hostile-'));
  const files = await hostileFiles(dir);
  await studio.goto();
  // Loads after the first: the page would have been reloaded.
  let loads = 0;
  page.on('load', () => loads++);
  await studio.dropFile(files.find((f) => f.kind === 'intact')!.file, 'image/png');
  await studio.waitForReady();

  const outcomes: Record<string, Record<string, number>> = {};
  const count = (kind: string, outcome: string) => {
    outcomes[kind] ??= {};
    outcomes[kind][outcome] = (outcomes[kind][outcome] ?? 0) + 1;
  };
  for (const [index, hostile] of files.entries()) {
    const name = hostile.file.split('/').pop()!;
    const previous = await studio.documentName();
    const rank = await studio.rank();
    await studio.dropFile(hostile.file, hostile.type);
    // The banner names this file, or this file is the open document.
    await expect
      .poll(
        async () =>
          ((await studio.errorBanner.isVisible()) && ((await studio.errorBanner.textContent()) ?? '').includes(name)) ||
          (await studio.documentName()) === name,
        { timeout: 60_000, intervals: [25, 50, 100] },
      )
      .toBe(true);
    if ((await studio.documentName()) === name) {
      await studio.waitForReady(60_000);
      count(hostile.kind, 'opened');
    } else {
      const message = (await studio.errorBanner.textContent()) ?? '';
      count(hostile.kind, 'error banner');
      if (hostile.kind === 'decompression bomb') expect(message).toContain('50,000 × 50,000');
      expect(await studio.documentName()).toBe(previous);
      expect(await studio.rank()).toBe(rank);
      expect(await studio.state()).toBe('ready');
    }
    // Every tenth file: the image on screen still answers the slider (when it has more than one rank).
    const maxRank = await studio.maxRank();
    if (index % 10 === 9 && maxRank > 1) {
      const before = await studio.viewerPixels();
      await studio.setRank((await studio.rank()) > 1 ? 1 : Math.min(maxRank, 4));
      await expect.poll(async () => meanAbsDifference(before, await studio.viewerPixels()), { timeout: 30_000 }).toBeGreaterThan(0.01);
    }
  }
  const path = testInfo.outputPath('hostile-outcomes.json');
  writeFileSync(path, JSON.stringify({ files: COUNT, outcomes }, null, 1));
  await testInfo.attach('hostile-outcomes.json', { path, contentType: 'application/json' });
  console.log(`hostile files (${COUNT}): ${JSON.stringify(outcomes)}`);
  expect(pageErrors).toEqual([]);
  expect(loads).toBe(0);
  expect(outcomes['intact']?.opened).toBe(files.filter((f) => f.kind === 'intact').length);
  expect(outcomes['decompression bomb']?.['error banner']).toBe(files.filter((f) => f.kind === 'decompression bomb').length);
});

test('a synthetic image whose channels have different exact ranks (2, 1, 22): the slider reaches the largest', async ({
  page,
}, testInfo) => {
  // The generated base image: R = 2x + y (rank 2), G = 4y (rank 1), B = 3(x xor y) mod 256 (rank 22).
  const studio = new StudioPage(page, testInfo);
  const dir = mkdtempSync(join(tmpdir(), 'svd-ranks-'));
  const [png, , , svd] = await bases();
  writeFileSync(join(dir, 'ranks.png'), png.bytes);
  writeFileSync(join(dir, 'ranks.svd'), svd.bytes);
  await studio.goto();
  await studio.openFile(join(dir, 'ranks.png'));
  await studio.waitForReady();
  await expect.poll(() => studio.maxRank()).toBe(22);
  await expect.poll(() => studio.rank()).toBe(22);
  await expect(page.getByText('Ranks 2 / 1 / 22')).toBeVisible();
  await studio.setRank(10);
  await expect(page.getByText('Ranks 2 / 1 / 10')).toBeVisible();
  // Its .svd (ranks 8, 6, 4 asked; 2, 1, 4 stored): the slider reaches 4.
  await studio.openFile(join(dir, 'ranks.svd'));
  await studio.waitForReady();
  await expect.poll(() => studio.documentName()).toBe('ranks.svd');
  await expect.poll(() => studio.maxRank()).toBe(4);
  await studio.screenshot('hostile-different-ranks');
});
