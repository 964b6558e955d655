/**
 * The web host's image codecs (renderer/src/workers/image-codec/image-codecs.ts) in a Vite-built module
 * worker in Chromium, checked against sharp in Node as the independent reference: decoded
 * pixels, channel reduction, 16 bits, EXIF orientation, encode round trips and error messages.
 *
 * The harness (test/e2e/codec-harness) is built beforehand with
 *   npx vite build --config test/e2e/codec-harness/vite.config.ts
 * (`npm run build:e2e`) and served by `vite preview` on port 4318, one of playwright.config.ts's
 * web servers. Files and reference pixels reach the page through
 * Playwright routes (/input/…, /reference/…) answered from Node, so nothing is copied to disk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { samplesDir } from '../helpers/samples.js';

// The page's API (test/e2e/codec-harness/main.ts), restated here: importing it would bring
// the page's DOM code into this Node-side program.
type Outcome<T> = ({ ok: true } & T) | { ok: false; error: { name: string; message: string } };
interface DecodeSummary {
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  milliseconds: number;
  announced: { width: number; height: number; bitDepth: number } | null;
  planes: 'none' | 'match' | 'differ';
}
interface Comparison {
  samples: number;
  referenceSamples: number;
  maxDiff: number;
  meanAbsDiff: number;
  differing: number;
}
interface EncodeResult {
  base64: string;
  size: number;
  milliseconds: number;
}
interface CodecHarness {
  decode(url: string, name: string, maxPixels?: number): Promise<Outcome<DecodeSummary>>;
  compare(url: string): Promise<Comparison>;
  encode(format: 'png' | 'jpeg' | 'webp' | 'avif', quality?: number): Promise<Outcome<EncodeResult>>;
}
/** The harness object, inside page.evaluate. */
declare const window: { codecHarness: CodecHarness };

test.describe.configure({ mode: 'serial' });

const PORT = 4318;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const root = fileURLToPath(new URL('../../', import.meta.url));
const distIndex = `${root}dist/e2e-codec-harness/index.html`;
/**
 * Largest difference allowed between mozjpeg's JPEG decode and sharp's (libjpeg-turbo's): both
 * use the same integer IDCT and upsampling, and on every sample the difference measured is 0;
 * 2 levels leave room for a libjpeg-turbo update in sharp without hiding a real fault.
 */
const JPEG_TOLERANCE = 2;
/** The same for AVIF (libavif + dav1d here, libheif + aom in sharp); measured 0 as well. */
const AVIF_TOLERANCE = 2;

/** Bytes the routes serve, by path under /input/ and /reference/. */
const served = new Map<string, Buffer>();
let page: Page;

test.beforeAll(async ({ browser }) => {
  if (!existsSync(distIndex)) {
    throw new Error('The codec harness is not built: run npx vite build --config test/e2e/codec-harness/vite.config.ts');
  }
  page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.route(/\/(input|reference)\//, (route) => {
    const path = new URL(route.request().url()).pathname;
    const body = served.get(path);
    return body ? route.fulfill({ body, contentType: 'application/octet-stream' }) : route.fulfill({ status: 404 });
  });
  await page.goto(`${ORIGIN}/`);
  await expect(page.locator('#status')).toHaveText('ready');
});

test.afterAll(async () => {
  await page?.close();
});

async function decode(name: string, bytes: Buffer, maxPixels?: number): Promise<Outcome<DecodeSummary>> {
  served.set(`/input/${name}`, bytes);
  return page.evaluate(([n, m]) => window.codecHarness.decode(`/input/${n}`, n, m ?? undefined), [name, maxPixels ?? null] as const);
}

async function decodeOk(name: string, bytes: Buffer, maxPixels?: number): Promise<DecodeSummary> {
  const outcome = await decode(name, bytes, maxPixels);
  if (!outcome.ok) throw new Error(`${name}: ${outcome.error.name}: ${outcome.error.message}`);
  // Every file here states its size in its header: announced before decoding, oriented as decoded.
  expect(outcome.announced, `${name}: the size announced from the header`).toEqual({
    width: outcome.width,
    height: outcome.height,
    bitDepth: outcome.bitDepth,
  });
  // The colour planes the studio makes with the pixels (8-bit RGB): each channel's samples, oriented as the pixels.
  const planes = outcome.bitDepth === 8 && outcome.channels === 3 ? 'match' : 'none';
  expect(outcome.planes, `${name}: the colour planes`).toBe(planes);
  return outcome;
}

async function compareWith(reference: Buffer): Promise<Comparison> {
  served.set('/reference/current', reference);
  return page.evaluate(() => window.codecHarness.compare('/reference/current'));
}

async function encode(format: 'png' | 'jpeg' | 'webp' | 'avif', quality?: number): Promise<EncodeResult & { bytes: Buffer }> {
  const outcome = await page.evaluate(([f, q]) => window.codecHarness.encode(f, q ?? undefined), [format, quality ?? null] as const);
  if (!outcome.ok) throw new Error(`encode ${format}: ${outcome.error.name}: ${outcome.error.message}`);
  return { ...outcome, bytes: Buffer.from(outcome.base64, 'base64') };
}

/** sharp's raw decode: stored values (embedded ICC profiles ignored, as the web codecs do). */
async function sharpRaw(input: Buffer | string, options: { orient?: boolean; sixteen?: boolean; gray?: boolean } = {}) {
  let pipeline = sharp(input, { ignoreIcc: true });
  if (options.orient) pipeline = pipeline.autoOrient();
  if (options.sixteen) pipeline = pipeline.toColourspace(options.gray ? 'grey16' : 'rgb16');
  else if (options.gray) pipeline = pipeline.toColourspace('b-w');
  return pipeline.raw({ depth: options.sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
}

function psnr(a: Buffer, b: Buffer, peak = 255): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((peak * peak) / (sum / a.length));
}

const sample = (name: string) => readFileSync(samplesDir + name);

test("PNG samples decode to exactly sharp's pixels (RGB, RGBA, 16-bit)", async () => {
  for (const [name, channels, sixteen] of [
    ['astronaut_512x512_rgb.png', 3, false],
    ['tulips_alpha_500x500_rgba.png', 4, false],
    ['room_16bit_676x449.png', 3, true],
  ] as const) {
    const reference = await sharpRaw(samplesDir + name, { sixteen });
    const decoded = await decodeOk(name, sample(name));
    expect(decoded, name).toMatchObject({
      width: reference.info.width,
      height: reference.info.height,
      channels,
      bitDepth: sixteen ? 16 : 8,
    });
    expect(reference.info.channels).toBe(channels);
    const comparison = await compareWith(reference.data);
    expect(comparison, name).toMatchObject({ samples: comparison.referenceSamples, maxDiff: 0 });
  }
});

test('generated gray, gray + alpha, 16-bit gray and palette PNGs keep their channels', async () => {
  const astronaut = sharp(samplesDir + 'astronaut_512x512_rgb.png', { ignoreIcc: true }).extract({
    left: 100,
    top: 80,
    width: 200,
    height: 150,
  });
  const gray = await astronaut.clone().toColourspace('b-w').raw().toBuffer();
  const cases: { name: string; png: Buffer; channels: number; bitDepth: number; reference: Buffer }[] = [];
  cases.push({
    name: 'gray8.png',
    png: await sharp(gray, { raw: { width: 200, height: 150, channels: 1 } })
      .png()
      .toBuffer(),
    channels: 1,
    bitDepth: 8,
    reference: gray,
  });
  const grayAlpha = Buffer.alloc(200 * 150 * 2);
  for (let i = 0; i < 200 * 150; i++) {
    grayAlpha[2 * i] = gray[i];
    grayAlpha[2 * i + 1] = (i * 7) % 256;
  }
  cases.push({
    name: 'gray-alpha8.png',
    png: await sharp(grayAlpha, { raw: { width: 200, height: 150, channels: 2 } })
      .png()
      .toBuffer(),
    channels: 2,
    bitDepth: 8,
    reference: grayAlpha,
  });
  // 16-bit gray from the 16-bit sample; the reference is sharp's decode of that file.
  const gray16Png = await sharp(samplesDir + 'room_16bit_676x449.png', { ignoreIcc: true })
    .extract({ left: 0, top: 0, width: 200, height: 150 })
    .toColourspace('grey16')
    .png()
    .toBuffer();
  const gray16 = (await sharpRaw(gray16Png, { sixteen: true, gray: true })).data;
  const gray16Samples = new Uint16Array(gray16.buffer, gray16.byteOffset, gray16.length / 2);
  expect(gray16Samples.some((v) => v % 257 !== 0)).toBe(true); // really 16-bit, not widened 8-bit
  cases.push({ name: 'gray16.png', png: gray16Png, channels: 1, bitDepth: 16, reference: gray16 });
  const palettePng = await astronaut.clone().png({ palette: true, colours: 16 }).toBuffer();
  cases.push({ name: 'palette.png', png: palettePng, channels: 3, bitDepth: 8, reference: (await sharpRaw(palettePng)).data });
  for (const { name, png, channels, bitDepth, reference } of cases) {
    const decoded = await decodeOk(name, png);
    expect(decoded, name).toMatchObject({ width: 200, height: 150, channels, bitDepth });
    expect(await compareWith(reference), name).toMatchObject({ samples: reference.length / (bitDepth / 8), maxDiff: 0 });
  }
});

test('JPEG samples decode within a small tolerance of sharp; gray stays one channel; EXIF 6 is turned upright', async () => {
  const cases = [
    { name: 'paintbrushes_1365x1074.jpg', width: 1365, height: 1074, channels: 3, gray: false },
    { name: 'architecture_gray_2560x1600.jpg', width: 2560, height: 1600, channels: 1, gray: true },
    { name: 'dogs_exif_orientation6_3088x2048.jpg', width: 2048, height: 3088, channels: 3, gray: false },
  ];
  for (const { name, width, height, channels, gray } of cases) {
    const reference = await sharpRaw(samplesDir + name, { orient: true, gray });
    expect([reference.info.width, reference.info.height]).toEqual([width, height]);
    const decoded = await decodeOk(name, sample(name));
    expect(decoded, name).toMatchObject({ width, height, channels, bitDepth: 8 });
    const comparison = await compareWith(reference.data);
    console.log(
      `${name}: decoded in ${decoded.milliseconds.toFixed(0)} ms; vs sharp max |diff| ${comparison.maxDiff}, mean ${comparison.meanAbsDiff.toFixed(4)}, ${comparison.differing} of ${comparison.samples} samples differ`,
    );
    expect(comparison.samples).toBe(comparison.referenceSamples);
    expect(comparison.maxDiff, name).toBeLessThanOrEqual(JPEG_TOLERANCE);
  }
});

test('WebP (lossy, lossless, alpha) and AVIF files decode like sharp, oriented, with sizes read from their headers', async () => {
  const tulips = sharp(samplesDir + 'tulips_alpha_500x500_rgba.png', { ignoreIcc: true }).extract({
    left: 50,
    top: 40,
    width: 301,
    height: 203,
  });
  const opaque = tulips.clone().removeAlpha();
  const files = [
    { name: 'lossy.webp', file: await opaque.clone().webp({ quality: 70 }).toBuffer(), channels: 3, tolerance: 0 },
    { name: 'lossless.webp', file: await opaque.clone().webp({ lossless: true }).toBuffer(), channels: 3, tolerance: 0 },
    { name: 'alpha.webp', file: await tulips.clone().webp({ quality: 70 }).toBuffer(), channels: 4, tolerance: 0 },
    {
      name: 'rotated.webp',
      file: await opaque.clone().withMetadata({ orientation: 8 }).webp({ quality: 70 }).toBuffer(),
      channels: 3,
      tolerance: 0,
    },
    { name: 'opaque.avif', file: await opaque.clone().avif({ quality: 60 }).toBuffer(), channels: 3, tolerance: AVIF_TOLERANCE },
    { name: 'alpha.avif', file: await tulips.clone().avif({ quality: 60 }).toBuffer(), channels: 4, tolerance: AVIF_TOLERANCE },
  ];
  for (const { name, file, channels, tolerance } of files) {
    const reference = await sharpRaw(file, { orient: true });
    const decoded = await decodeOk(name, file);
    expect(decoded, name).toMatchObject({ width: reference.info.width, height: reference.info.height, channels, bitDepth: 8 });
    expect(reference.info.channels, name).toBe(channels);
    const comparison = await compareWith(reference.data);
    console.log(`${name}: vs sharp max |diff| ${comparison.maxDiff}, mean ${comparison.meanAbsDiff.toFixed(4)}`);
    expect(comparison.samples, name).toBe(comparison.referenceSamples);
    expect(comparison.maxDiff, name).toBeLessThanOrEqual(tolerance);
    // One pixel under the limit: refused, from the header (every file here states its size).
    const pixels = decoded.width * decoded.height;
    const refused = await decode(name, file, pixels - 1);
    expect(refused.ok ? '' : refused.error.message, name).toContain(`is too large to open: `);
  }
  expect(await decodeOk('rotated.webp', files[3].file)).toMatchObject({ width: 203, height: 301 });
});

test('encode round trips: PNG exact at 8 and 16 bits; JPEG, WebP and AVIF decodable with a sane PSNR', async () => {
  const astronautName = 'astronaut_512x512_rgb.png';
  const original = await sharpRaw(samplesDir + astronautName);
  await decodeOk(astronautName, sample(astronautName));
  const png = await encode('png');
  expect((await sharp(png.bytes).removeAlpha().raw().toBuffer()).equals(original.data)).toBe(true);
  for (const format of ['jpeg', 'webp', 'avif'] as const) {
    const encoded = await encode(format, 80);
    const metadata = await sharp(encoded.bytes).metadata();
    expect(metadata.format).toBe(format === 'avif' ? 'heif' : format);
    expect([metadata.width, metadata.height]).toEqual([512, 512]);
    const back = await sharp(encoded.bytes).removeAlpha().toColourspace('srgb').raw().toBuffer();
    const db = psnr(back, original.data);
    console.log(`astronaut ${format} q80: ${encoded.size} bytes, PSNR ${db.toFixed(2)} dB, ${encoded.milliseconds.toFixed(0)} ms`);
    expect(db, format).toBeGreaterThanOrEqual(30);
  }

  const roomName = 'room_16bit_676x449.png';
  const room = await sharpRaw(samplesDir + roomName, { sixteen: true });
  await decodeOk(roomName, sample(roomName));
  const room16 = await encode('png');
  const roomBack = await sharp(room16.bytes).removeAlpha().toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
  expect((await sharp(room16.bytes).metadata()).depth).toBe('ushort');
  expect(roomBack.equals(room.data)).toBe(true);
  // 16 → 8 bits for JPEG: rounded v / 257, then lossy.
  const roomJpeg = await encode('jpeg', 90);
  const room8 = Uint8Array.from(new Uint16Array(room.data.buffer, room.data.byteOffset, room.data.length / 2), (v) => Math.round(v / 257));
  expect(psnr(await sharp(roomJpeg.bytes).raw().toBuffer(), Buffer.from(room8.buffer))).toBeGreaterThan(30);

  // Alpha survives WebP, AVIF and PNG; JPEG is flattened; gray stays gray in JPEG.
  const tulipsName = 'tulips_alpha_500x500_rgba.png';
  await decodeOk(tulipsName, sample(tulipsName));
  for (const format of ['png', 'webp', 'avif'] as const)
    expect((await sharp((await encode(format)).bytes).metadata()).hasAlpha, format).toBe(true);
  const tulipsJpeg = (await encode('jpeg', 90)).bytes;
  expect((await sharp(tulipsJpeg).metadata()).channels).toBe(3);
  const overWhite = await sharp(samplesDir + tulipsName, { ignoreIcc: true })
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer();
  expect(psnr(await sharp(tulipsJpeg).raw().toBuffer(), overWhite)).toBeGreaterThan(30);
  await decodeOk('gray8.jpg', await sharp(sample('architecture_gray_2560x1600.jpg')).resize(300).jpeg().toBuffer());
  expect((await sharp((await encode('jpeg')).bytes).metadata()).channels).toBe(1);
});

test('garbage, .svd, truncated and over-limit files are refused with ImageDecodeError messages', async () => {
  const astronaut = sample('astronaut_512x512_rgb.png');
  const paintbrushes = sample('paintbrushes_1365x1074.jpg');
  const corrupt = Buffer.from(astronaut);
  corrupt[astronaut.length >> 1] ^= 0x55;
  // Headers that claim huge images over no image data: refused on the header, before any decoding.
  const hugePng = Buffer.from(astronaut.subarray(0, 33));
  hugePng.writeUInt32BE(20_000, 16);
  hugePng.writeUInt32BE(10_000, 20);
  const hugeJpeg = Buffer.from([
    0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0x23, 0x28, 0x2e, 0xe0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9,
  ]);
  const hugeWebp = Buffer.from('RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\xff\x3f\0\xff\x3f\0', 'latin1');
  const cmyk = await sharp(paintbrushes).resize(64).toColourspace('cmyk').jpeg().toBuffer();
  const expectations: [string, Buffer, RegExp, number?][] = [
    [
      'photo.heic',
      Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'),
      /^"photo\.heic" is not an image this studio can open \(it is not PNG, JPEG, WebP or AVIF\)$/,
    ],
    [
      'noise.png',
      Buffer.from(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
      /^"noise\.png" is not an image this studio can open/,
    ],
    ['empty.jpg', Buffer.alloc(0), /^"empty\.jpg" is empty$/],
    ['image.svd', Buffer.from([0x89, 0x53, 0x56, 0x44, 0x0d, 0x0a, 0x1a, 0x0a, 1, 0]), /^"image\.svd" is an SVD Studio \.svd file/],
    ['half.png', astronaut.subarray(0, astronaut.length >> 1), /^"half\.png" could not be decoded: the file is damaged or truncated$/],
    ['flipped.png', corrupt, /^"flipped\.png" could not be decoded: the file is damaged or truncated$/],
    [
      'half.jpg',
      paintbrushes.subarray(0, paintbrushes.length >> 1),
      /^"half\.jpg" could not be decoded: the file is damaged or truncated$/,
    ],
    ['header.jpg', paintbrushes.subarray(0, 300), /^"header\.jpg" could not be decoded: the file is damaged or truncated$/],
    ['cmyk.jpg', cmyk, /^"cmyk\.jpg" cannot be opened: it is a CMYK JPEG; convert it to RGB first$/],
    [
      'huge.png',
      hugePng,
      /^"huge\.png" is too large to open: 20,000 × 10,000 = 200,000,000 pixels is more than the limit of 100,000,000 pixels$/,
    ],
    ['huge.jpg', hugeJpeg, /^"huge\.jpg" is too large to open: 12,000 × 9,000 = 108,000,000 pixels/],
    ['huge.webp', hugeWebp, /^"huge\.webp" is too large to open: 16,384 × 16,384 = 268,435,456 pixels/],
    [
      'big.png',
      astronaut,
      /^"big\.png" is too large to open: 512 × 512 = 262,144 pixels is more than the limit of 100,000 pixels$/,
      100_000,
    ],
  ];
  for (const [name, bytes, message, maxPixels] of expectations) {
    const outcome = await decode(name, bytes, maxPixels);
    expect(outcome.ok, name).toBe(false);
    if (outcome.ok) continue;
    expect(outcome.error.name, name).toBe('ImageDecodeError');
    expect(outcome.error.message, name).toMatch(message);
  }
  // The decoders still work after refusing damaged files.
  expect(await decodeOk('astronaut.png', astronaut)).toMatchObject({ width: 512, height: 512, channels: 3 });
});

test('the 12 MP photo: decoded like sharp, encoded to files sharp reads; timings in the worker', async () => {
  test.skip(
    process.env.TEST_SUITE !== 'full',
    'the 12 MP codec round trip runs in npm run test:full (the smaller photos above cover the same paths)',
  );
  // Single-threaded AVIF is the slow part: about 9 s on a 2-core machine.
  const name = 'mountain_sunset_4272x2848_12mp.jpg';
  const reference = await sharpRaw(samplesDir + name);
  const decoded = await decodeOk(name, sample(name));
  expect(decoded).toMatchObject({ width: 4272, height: 2848, channels: 3, bitDepth: 8 });
  const comparison = await compareWith(reference.data);
  expect(comparison.samples).toBe(comparison.referenceSamples);
  expect(comparison.maxDiff).toBeLessThanOrEqual(JPEG_TOLERANCE);
  const timings = [`decode ${decoded.milliseconds.toFixed(0)} ms (max |diff| vs sharp ${comparison.maxDiff})`];
  for (const format of ['jpeg', 'webp', 'avif', 'png'] as const) {
    const encoded = await encode(format); // default quality
    const back = await sharp(encoded.bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    expect([back.info.width, back.info.height], format).toEqual([4272, 2848]);
    const db = psnr(back.data, reference.data);
    if (format === 'png') expect(db, format).toBe(Infinity);
    else expect(db, format).toBeGreaterThanOrEqual(30);
    timings.push(
      `${format} ${encoded.milliseconds.toFixed(0)} ms (${encoded.size.toLocaleString('en-US')} bytes, PSNR ${db.toFixed(2)} dB)`,
    );
  }
  console.log(`${name} in the worker: ${timings.join(', ')}`);
});
