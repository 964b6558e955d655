/**
 * The svd-studio command line, run as a real process (dist/electron/cli.mjs, built by
 * `npm run build`) on the sample photos. Each test decodes what the CLI wrote and checks its
 * dimensions and metrics against the JSON the CLI printed, not just the exit code.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile, copyFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { computeMetrics, decodeSvd, mergeChannels, reconstructFullResolution } from '../../core/index.js';
import { decodeImage } from '../../electron/io/image-io.js';
import { samplesDir } from '../helpers/samples.js';

const cli = fileURLToPath(new URL('../../dist/electron/cli.mjs', import.meta.url));
if (!existsSync(cli)) throw new Error('dist/electron/cli.mjs is missing: run `npm run build` first (npm test does)');

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function svdStudio(args: string[], cwd?: string): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'svd-studio-cli-'));
}

async function pixelsOfSvdFile(path: string) {
  const decoded = decodeSvd(new Uint8Array(await readFile(path)));
  const planes = [];
  for (const channel of decoded.channels) planes.push(await reconstructFullResolution(channel, channel.rank));
  if (decoded.alphaPlane) planes.push(Float32Array.from(decoded.alphaPlane));
  const { width, height, channels, bitDepth } = decoded.header;
  return { decoded, image: { width, height, channels, bitDepth, pixels: mergeChannels(planes, width, height, bitDepth) } };
}

const samples = [
  { file: 'architecture_gray_2560x1600.jpg', width: 2560, height: 1600, channels: 1, bitDepth: 8, rank: 24 },
  { file: 'tulips_alpha_500x500_rgba.png', width: 500, height: 500, channels: 4, bitDepth: 8, rank: 32 },
  { file: 'room_16bit_676x449.png', width: 676, height: 449, channels: 3, bitDepth: 16, rank: 40 },
  { file: 'dogs_exif_orientation6_3088x2048.jpg', width: 2048, height: 3088, channels: 3, bitDepth: 8, rank: 16 },
  { file: 'mountain_sunset_4272x2848_12mp.jpg', width: 4272, height: 2848, channels: 3, bitDepth: 8, rank: 32 },
];

describe('svd-studio compress', () => {
  it.each(samples)('$file: the file it writes decodes to the JSON it printed', async (sample) => {
    const dir = await scratch();
    const result = await svdStudio(['compress', samplesDir + sample.file, '-k', String(sample.rank), '--out-dir', dir, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.input).toMatchObject({
      width: sample.width,
      height: sample.height,
      channels: sample.channels,
      bit_depth: sample.bitDepth,
    });
    const color = sample.channels <= 2 ? 1 : 3;
    expect(report.rank).toEqual(new Array(color).fill(sample.rank));
    const output = join(dir, sample.file.replace(/\.[a-z]+$/, '.svd'));
    expect(report.output).toBe(output);
    const written = await stat(output);
    expect(report.size.file_bytes).toBe(written.size);
    expect(report.size.raw_bytes).toBe(sample.width * sample.height * sample.channels * (sample.bitDepth / 8));
    expect(report.size.ratio).toBeCloseTo(report.size.raw_bytes / written.size, 9);
    expect(report.size.bpp).toBeCloseTo((8 * written.size) / (sample.width * sample.height), 9);

    const { decoded, image } = await pixelsOfSvdFile(output);
    expect(decoded.header).toMatchObject({
      width: sample.width,
      height: sample.height,
      channels: sample.channels,
      bitDepth: sample.bitDepth,
    });
    const original = await decodeImage(samplesDir + sample.file);
    const metrics = computeMetrics(original, image);
    expect(report.metrics.mse).toBeCloseTo(metrics.mse, 9);
    expect(report.metrics.psnr).toBeCloseTo(metrics.psnr!, 9);
    expect(report.metrics.ssim).toBeCloseTo(metrics.ssim, 9);
    expect(report.metrics.energy).toBeGreaterThan(0.9);
    expect(report.metrics.energy).toBeLessThanOrEqual(1);
    if (sample.channels === 4) expect(decoded.alphaPlane).toBeDefined();
    for (const key of ['decode', 'svd', 'encode']) expect(report.timings_ms[key]).toBeGreaterThanOrEqual(0);

    const info = await svdStudio(['info', output, '--json']);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({
      width: sample.width,
      height: sample.height,
      channels: sample.channels,
      color_space: 'rgb',
      bit_depth: sample.bitDepth,
      rank: report.rank,
      file_bytes: written.size,
    });
  });

  it('--max-bytes picks the largest rank that fits; --psnr the smallest that reaches the target', async () => {
    const dir = await scratch();
    const input = samplesDir + 'astronaut_512x512_rgb.png';
    const bytes = await svdStudio(['compress', input, '--max-bytes', '40000', '-o', join(dir, 'small.svd'), '--json']);
    expect(bytes.code).toBe(0);
    const small = JSON.parse(bytes.stdout);
    expect(small.size.file_bytes).toBeLessThanOrEqual(40000);
    const bigger = await svdStudio(['compress', input, '-k', String(small.rank[0] + 1), '-o', join(dir, 'bigger.svd'), '--json']);
    expect(JSON.parse(bigger.stdout).size.file_bytes).toBeGreaterThan(40000);

    const psnr = await svdStudio(['compress', input, '--psnr', '27', '-o', join(dir, 'psnr.svd'), '--json']);
    expect(psnr.code).toBe(0);
    const reached = JSON.parse(psnr.stdout);
    expect(reached.metrics.psnr).toBeGreaterThanOrEqual(27);
    const lower = await svdStudio(['compress', input, '-k', String(reached.rank[0] - 1), '-o', join(dir, 'lower.svd'), '--json']);
    expect(JSON.parse(lower.stdout).metrics.psnr).toBeLessThan(27);
  });

  it('a folder of images with --out-dir prints one JSON line per image', async () => {
    const source = await scratch();
    const out = join(await scratch(), 'nested', 'out');
    await copyFile(samplesDir + 'astronaut_512x512_rgb.png', join(source, 'a.png'));
    await copyFile(samplesDir + 'tulips_alpha_500x500_rgba.png', join(source, 'b.png'));
    await writeFile(join(source, 'notes.txt'), 'not an image');
    const result = await svdStudio(['compress', source, '--out-dir', out, '-k', '8', '--json']);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.input.width)).toEqual([512, 500]);
    expect((await readdir(out)).sort()).toEqual(['a.svd', 'b.svd']);

    // A broken file among several: reported on its own line, the others still compressed, exit 1.
    await writeFile(join(source, 'a0-broken.png'), 'not a png');
    const mixed = await svdStudio(['compress', source, '--out-dir', join(out, 'again'), '-k', '8', '--json']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr.trim().split('\n')).toHaveLength(1);
    expect(mixed.stderr).toMatch(/a0-broken\.png/);
    expect(mixed.stdout.trim().split('\n')).toHaveLength(2);
    expect((await readdir(join(out, 'again'))).sort()).toEqual(['a.svd', 'b.svd']);
  });
});

describe('svd-studio decompress and sweep', () => {
  it('decompresses to PNG and JPEG at the stored or a lower rank', async () => {
    const dir = await scratch();
    const svd = join(dir, 'astronaut.svd');
    expect((await svdStudio(['compress', samplesDir + 'astronaut_512x512_rgb.png', '-k', '32', '-o', svd])).code).toBe(0);
    const png = await svdStudio(['decompress', svd, '-o', join(dir, 'full.png'), '--json']);
    expect(png.code).toBe(0);
    const full = await decodeImage(join(dir, 'full.png'));
    const { image } = await pixelsOfSvdFile(svd);
    expect(full.pixels).toEqual(image.pixels); // PNG is lossless: exactly the decoded file
    const jpeg = await svdStudio(['decompress', svd, '-o', join(dir, 'low.jpg'), '-k', '4', '--quality', '90', '--json']);
    expect(JSON.parse(jpeg.stdout).rank).toEqual([4, 4, 4]);
    const low = await decodeImage(join(dir, 'low.jpg'));
    expect([low.width, low.height, low.format]).toEqual([512, 512, 'jpeg']);
  });

  it('image outputs carry no metadata unless --keep-metadata', async () => {
    const dir = await scratch();
    const svd = join(dir, 'a.svd');
    expect((await svdStudio(['compress', samplesDir + 'astronaut_512x512_rgb.png', '-k', '8', '-o', svd])).code).toBe(0);
    expect((await svdStudio(['decompress', svd, '-o', join(dir, 'plain.png')])).code).toBe(0);
    expect((await svdStudio(['decompress', svd, '-o', join(dir, 'tagged.png'), '--keep-metadata'])).code).toBe(0);
    expect((await sharp(join(dir, 'plain.png')).metadata()).icc).toBeUndefined();
    expect((await sharp(join(dir, 'tagged.png')).metadata()).icc).toBeDefined();
  });

  it('sweep prints the rate–distortion rows with JPEG at about the same bytes', async () => {
    const result = await svdStudio(['sweep', samplesDir + 'astronaut_512x512_rgb.png', '--ranks', '4,16,64', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.rows.map((row: { rank: number }) => row.rank)).toEqual([4, 16, 64]);
    for (let i = 0; i < report.rows.length; i++) {
      const row = report.rows[i];
      if (i > 0) {
        expect(row.file_bytes).toBeGreaterThan(report.rows[i - 1].file_bytes);
        expect(row.psnr).toBeGreaterThan(report.rows[i - 1].psnr);
      }
      expect(row.jpeg.quality).toBeGreaterThanOrEqual(1);
      expect(row.jpeg.quality).toBeLessThanOrEqual(100);
      expect(row.ssim).toBeGreaterThan(0);
      expect(row.jpeg.ssim).toBeGreaterThan(0);
      // Closest JPEG size within a factor of two (quality steps are coarse at the low end).
      expect(row.jpeg.file_bytes / row.file_bytes).toBeGreaterThan(0.5);
      expect(row.jpeg.file_bytes / row.file_bytes).toBeLessThan(2);
    }
  });
});

describe('svd-studio on bad input', () => {
  async function expectFailure(result: Result, pattern: RegExp) {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\s+at\s+\S+ \(/); // no stack trace
  }

  it('a corrupt image: one line naming it, exit 1, nothing written', async () => {
    const dir = await scratch();
    const bytes = await readFile(samplesDir + 'paintbrushes_1365x1074.jpg');
    await writeFile(join(dir, 'broken.jpg'), bytes.subarray(0, 5000));
    await expectFailure(await svdStudio(['compress', join(dir, 'broken.jpg')]), /broken\.jpg/);
    expect(await readdir(dir)).toEqual(['broken.jpg']);
  });

  it('an image above --max-pixels is refused, naming both numbers', async () => {
    await expectFailure(
      await svdStudio(['compress', samplesDir + 'astronaut_512x512_rgb.png', '--max-pixels', '100000']),
      /astronaut_512x512_rgb\.png.*262,144.*100,000/,
    );
  });

  it('an unsupported format and a missing file', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'notes.txt'), 'hello');
    await expectFailure(await svdStudio(['compress', join(dir, 'notes.txt')]), /notes\.txt/);
    await expectFailure(await svdStudio(['compress', join(dir, 'missing.png')]), /missing\.png/);
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  it('an existing output is kept unless --force', async () => {
    const dir = await scratch();
    const output = join(dir, 'out.svd');
    await writeFile(output, 'precious');
    await expectFailure(
      await svdStudio(['compress', samplesDir + 'astronaut_512x512_rgb.png', '-k', '4', '-o', output]),
      /out\.svd.*exists/,
    );
    expect(await readFile(output, 'utf8')).toBe('precious');
    const forced = await svdStudio(['compress', samplesDir + 'astronaut_512x512_rgb.png', '-k', '4', '-o', output, '--force']);
    expect(forced.code).toBe(0);
    expect(decodeSvd(new Uint8Array(await readFile(output))).header.width).toBe(512);
  });

  it('a damaged .svd file: info and decompress fail with the reason', async () => {
    const dir = await scratch();
    const svd = join(dir, 'a.svd');
    expect((await svdStudio(['compress', samplesDir + 'astronaut_512x512_rgb.png', '-k', '4', '-o', svd])).code).toBe(0);
    const bytes = new Uint8Array(await readFile(svd));
    bytes[bytes.length - 10] ^= 0xff;
    await writeFile(svd, bytes);
    await expectFailure(await svdStudio(['info', svd]), /a\.svd: .*checksum/);
    await expectFailure(await svdStudio(['decompress', svd, '-o', join(dir, 'x.png')]), /a\.svd: .*checksum/);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });

  it('targets out of reach are failures (exit 1), not usage errors', async () => {
    const input = samplesDir + 'astronaut_512x512_rgb.png';
    const dir = await scratch();
    await expectFailure(await svdStudio(['compress', input, '--max-bytes', '10', '-o', join(dir, 'a.svd')]), /rank 1 needs \d+ bytes/);
    await expectFailure(await svdStudio(['compress', input, '--psnr', '150', '--max-rank', '8', '-o', join(dir, 'b.svd')]), /reaches only/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('an all-black image compresses and decompresses', async () => {
    const dir = await scratch();
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .png()
      .toFile(join(dir, 'black.png'));
    const result = await svdStudio(['compress', join(dir, 'black.png'), '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rank: [0, 0, 0], metrics: { mse: 0, psnr: null } });
    expect((await svdStudio(['decompress', join(dir, 'black.svd'), '-o', join(dir, 'out.png')])).code).toBe(0);
  });

  it('a .svd file above the pixel limit is refused by decompress', async () => {
    const dir = await scratch();
    const svd = join(dir, 'a.svd');
    expect((await svdStudio(['compress', samplesDir + 'astronaut_512x512_rgb.png', '-k', '4', '-o', svd])).code).toBe(0);
    await expectFailure(
      await svdStudio(['decompress', svd, '-o', join(dir, 'a.png'), '--max-pixels', '1000']),
      /a\.svd: .*above the limit/,
    );
    expect(existsSync(join(dir, 'a.png'))).toBe(false);
  });

  it.each([
    [['compress'], /at least one input/],
    [['compress', 'a.png', '-k', '0'], /-k must be/],
    [['compress', 'a.png', '-k', '4', '--psnr', '30'], /at most one/],
    [['frobnicate'], /unknown command/],
    [['compress', 'a.png', '--no-such-flag'], /no-such-flag/],
  ])('usage errors exit 2: %j', async (args, pattern) => {
    const result = await svdStudio(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
  });

  it('Ctrl-C during a compression leaves no output and no temporary file', async () => {
    const dir = await scratch();
    const child = spawn(process.execPath, [
      cli,
      'compress',
      samplesDir + 'mountain_sunset_4272x2848_12mp.jpg',
      '-k',
      '256',
      '--out-dir',
      dir,
    ]);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(await readdir(dir)).toEqual([]);
  });
});
