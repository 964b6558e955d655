/**
 * The svd-studio command line, run as a real process (dist/electron/cli.mjs, built by
 * `npm run build`) on the sample photos. Each test decodes what the CLI wrote and checks its
 * dimensions and metrics against the JSON the CLI printed, not just the exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile, copyFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import {
  computeMetrics,
  decodeSvd,
  decodedSvdPixels,
  encodeSvd,
  readExifOrientation,
  splitChannels,
  truncatedSvd,
} from '../../core/index.js';
import { decodeImage } from '../../electron/io/image-io.js';
import { samplesDir } from '../helpers/samples.js';
import { FULL_SUITE } from '../helpers/suite.js';
import { cli, svdStudio, type CliResult } from '../helpers/cli.js';

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'svd-studio-cli-'));
}

async function pixelsOfSvdFile(path: string) {
  const decoded = decodeSvd(new Uint8Array(await readFile(path)));
  return { decoded, image: await decodedSvdPixels(decoded) };
}

const samples = [
  { file: 'architecture_gray_2560x1600.jpg', width: 2560, height: 1600, channels: 1, bitDepth: 8, rank: 24 },
  { file: 'tulips_alpha_500x500_rgba.png', width: 500, height: 500, channels: 4, bitDepth: 8, rank: 32 },
  { file: 'room_16bit_676x449.png', width: 676, height: 449, channels: 3, bitDepth: 16, rank: 40 },
  { file: 'dogs_exif_orientation6_3088x2048.jpg', width: 2048, height: 3088, channels: 3, bitDepth: 8, rank: 16 },
  // The 12 MP photo's round trip (15 s) runs in `npm run test:full`.
  ...(FULL_SUITE ? [{ file: 'mountain_sunset_4272x2848_12mp.jpg', width: 4272, height: 2848, channels: 3, bitDepth: 8, rank: 32 }] : []),
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
    // The default: the patch model, YCbCr planes for colour.
    expect(report).toMatchObject({ model: 'patch', color_space: color === 1 ? 'gray' : 'ycbcr' });
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
      version: 2,
      width: sample.width,
      height: sample.height,
      channels: sample.channels,
      color_space: color === 1 ? 'gray' : 'ycbcr',
      model: 'patch',
      patch_size: 8,
      bit_depth: sample.bitDepth,
      rank: report.rank,
      file_bytes: written.size,
    });
  });

  it('--max-bytes gives a file within the budget; --psnr one whose decoded pixels reach the target by at most 0.1 dB', async () => {
    const dir = await scratch();
    const input = samplesDir + 'astronaut_512x512_rgb.png';
    const bytes = await svdStudio(['compress', input, '--max-bytes', '20000', '-o', join(dir, 'small.svd'), '--json']);
    expect(bytes.code).toBe(0);
    const small = JSON.parse(bytes.stdout);
    expect(small.size.file_bytes).toBeLessThanOrEqual(20000);
    expect(small.size.file_bytes).toBeGreaterThan(17000);
    expect((await stat(join(dir, 'small.svd'))).size).toBe(small.size.file_bytes);

    for (const [model, target] of [
      ['patch', 33],
      ['whole', 27],
    ] as const) {
      const psnr = await svdStudio([
        'compress',
        input,
        '--model',
        model,
        '--psnr',
        String(target),
        '-o',
        join(dir, `${model}.svd`),
        '--json',
      ]);
      expect(psnr.code).toBe(0);
      const reached = JSON.parse(psnr.stdout);
      expect(reached.model).toBe(model);
      expect(reached.metrics.psnr).toBeGreaterThanOrEqual(target);
      expect(reached.metrics.psnr).toBeLessThanOrEqual(target + 0.1);
      // The rate allocation gives luma more components than chroma.
      expect(reached.rank[0]).toBeGreaterThan(reached.rank[1]);
    }
  });

  it('--color-space rgb stores R, G and B planes; -k above p² is a usage error for the patch model', async () => {
    const dir = await scratch();
    const input = samplesDir + 'tulips_alpha_500x500_rgba.png';
    const rgb = await svdStudio(['compress', input, '--color-space', 'rgb', '-k', '12', '-o', join(dir, 'rgb.svd'), '--json']);
    expect(rgb.code).toBe(0);
    expect(JSON.parse(rgb.stdout)).toMatchObject({ model: 'patch', color_space: 'rgb', rank: [12, 12, 12] });
    expect(decodeSvd(new Uint8Array(await readFile(join(dir, 'rgb.svd')))).layout.planes.map((plane) => plane.kind)).toEqual([
      'r',
      'g',
      'b',
    ]);
    const tooMany = await svdStudio(['compress', input, '-k', '65', '-o', join(dir, 'x.svd')]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/-k must be 1…64/);
    expect((await svdStudio(['compress', input, '--patch-size', '4', '-k', '17', '-o', join(dir, 'y.svd')])).code).toBe(2);
    expect((await svdStudio(['compress', input, '--model', 'blocks'])).code).toBe(2);
    expect(await readdir(dir)).toEqual(['rgb.svd']);
  });

  it('--keep-metadata carries the EXIF block (orientation reset to 1) and an sRGB profile into the file', async () => {
    const dir = await scratch();
    const input = join(dir, 'turned.jpg');
    const stored = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 90, b: 30 } } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    await writeFile(input, stored);
    expect((await svdStudio(['compress', input, '-k', '4', '-o', join(dir, 'plain.svd')])).code).toBe(0);
    expect((await svdStudio(['compress', input, '-k', '4', '--keep-metadata', '-o', join(dir, 'kept.svd')])).code).toBe(0);
    expect(decodeSvd(new Uint8Array(await readFile(join(dir, 'plain.svd')))).metadata).toEqual({});
    const kept = decodeSvd(new Uint8Array(await readFile(join(dir, 'kept.svd'))));
    // Upright pixels (the EXIF turn applied), and an EXIF block that no longer asks for a turn.
    expect([kept.header.width, kept.header.height]).toEqual([32, 48]);
    expect(kept.metadata.exif).toBeDefined();
    const exif = kept.metadata.exif!;
    const app1 = Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, (exif.length + 2) >> 8, (exif.length + 2) & 0xff, ...exif]);
    expect(readExifOrientation(app1)).toBe(1);
    expect(readExifOrientation(new Uint8Array(stored))).toBe(6);
    expect(kept.metadata.icc?.length).toBeGreaterThan(100);
  });

  it('a version 1 file still decompresses and is described', async () => {
    const dir = await scratch();
    const image = await decodeImage(samplesDir + 'astronaut_512x512_rgb.png');
    const svds = await Promise.all(splitChannels(image).map((channel) => truncatedSvd(channel, { rank: 16 })));
    const v1 = encodeSvd({ width: 512, height: 512, channels: 3, bitDepth: 8, svds, ranks: [16, 16, 16] });
    await writeFile(join(dir, 'old.svd'), v1.bytes);
    const info = await svdStudio(['info', join(dir, 'old.svd'), '--json']);
    expect(JSON.parse(info.stdout)).toMatchObject({ version: 1, model: 'whole', color_space: 'rgb', rank: [16, 16, 16] });
    expect((await svdStudio(['decompress', join(dir, 'old.svd'), '-o', join(dir, 'old.png')])).code).toBe(0);
    const decoded = await decodeImage(join(dir, 'old.png'));
    expect(decoded.pixels).toEqual((await pixelsOfSvdFile(join(dir, 'old.svd'))).image.pixels);
  });

  it('a folder of images with --out-dir prints one JSON line per image', async () => {
    const source = await scratch();
    const out = join(await scratch(), 'nested', 'out');
    await copyFile(samplesDir + 'astronaut_512x512_rgb.png', join(source, 'a.png'));
    await copyFile(samplesDir + 'tulips_alpha_500x500_rgba.png', join(source, 'b.png'));
    await writeFile(join(source, 'notes.txt'), 'not an image');
    const result = await svdStudio(['compress', source, '--out-dir', out, '-k', '8', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('2 compressed, 0 failed\n');
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
    // One line for the failure, then the batch's summary.
    const errors = mixed.stderr.trim().split('\n');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/a0-broken\.png/);
    expect(errors[1]).toBe('2 compressed, 1 failed');
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

  it('sweep prints both models’ rows with JPEG and WebP at about the same bytes and at the same PSNR', async () => {
    const result = await svdStudio(['sweep', samplesDir + 'astronaut_512x512_rgb.png', '--ranks', '4,16,64', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    type Row = {
      model: string;
      rank: number;
      file_bytes: number;
      psnr: number;
      ssim: number;
      jpeg: { quality: number; file_bytes: number; ssim: number };
      webp: { file_bytes: number };
      equal_psnr: { jpeg_bytes: number | null };
    };
    const rows = report.rows as Row[];
    expect(rows.map((row) => `${row.model} ${row.rank}`)).toEqual(['whole 4', 'whole 16', 'whole 64', 'patch 4', 'patch 16', 'patch 64']);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (i > 0 && rows[i - 1].model === row.model) {
        expect(row.file_bytes).toBeGreaterThan(rows[i - 1].file_bytes);
        expect(row.psnr).toBeGreaterThan(rows[i - 1].psnr);
      }
      expect(row.jpeg.quality).toBeGreaterThanOrEqual(1);
      expect(row.jpeg.quality).toBeLessThanOrEqual(100);
      expect(row.ssim).toBeGreaterThan(0);
      expect(row.jpeg.ssim).toBeGreaterThan(0);
      // Closest JPEG and WebP sizes within a factor of two (quality steps are coarse at the low
      // end), unless the .svd file is smaller than their smallest or larger than their largest.
      for (const other of [row.jpeg, row.webp] as { quality: number; file_bytes: number }[]) {
        const ratio = other.file_bytes / row.file_bytes;
        if (other.quality === 1) expect(ratio).toBeGreaterThan(0.5);
        else if (other.quality === 100) expect(ratio).toBeLessThan(2);
        else expect(ratio > 0.5 && ratio < 2, `${row.model} ${row.rank}: ${other.file_bytes} for ${row.file_bytes}`).toBe(true);
      }
      // JPEG at the same PSNR: some quality reaches the low ranks' PSNR; beyond its best, null.
      if (row.rank <= 16) expect(row.equal_psnr.jpeg_bytes).toBeGreaterThan(0);
      else expect(row.equal_psnr.jpeg_bytes === null || row.equal_psnr.jpeg_bytes > 0).toBe(true);
    }
  });
});

describe('svd-studio on bad input', () => {
  async function expectFailure(result: CliResult, pattern: RegExp) {
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
    await expectFailure(
      await svdStudio(['compress', input, '--max-bytes', '10', '-o', join(dir, 'a.svd')]),
      /smallest file .* is \d+ bytes/,
    );
    await expectFailure(
      await svdStudio(['compress', input, '--model', 'whole', '--psnr', '150', '--max-rank', '8', '-o', join(dir, 'b.svd')]),
      /reaches only .*--max-rank/,
    );
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
      '--model',
      'whole',
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
