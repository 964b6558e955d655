/**
 * The command line under load and faults (issue 15): a batch with corrupt and unreadable inputs,
 * Ctrl-C in the middle of a batch and --skip-existing afterwards, two processes writing one
 * folder, and a disk that fills up during a save. The inputs are generated into temporary
 * folders; every output is decoded, not just counted. `npm test` runs a batch of 40 files,
 * `npm run test:full` the 200.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSvd } from '../../core/index.js';
import { FULL_SUITE } from '../helpers/suite.js';
import { cli, svdStudio } from '../helpers/cli.js';

/** Files in the batch: all but FAILING decode. */
const BATCH = FULL_SUITE ? 200 : 40;
const CORRUPT = 5;
const UNREADABLE = 1;
const FAILING = CORRUPT + UNREADABLE;
const SIZE = { width: 96, height: 64 };

/** A small photo-like RGB image: smooth gradients plus a seeded texture, different per index. */
async function generatedPng(index: number): Promise<Buffer> {
  const { width, height } = SIZE;
  const pixels = Buffer.alloc(width * height * 3);
  let state = (index + 1) * 2654435761;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1103515245 + 12345) >>> 0;
      const noise = (state >>> 24) % 24;
      const at = (y * width + x) * 3;
      pixels[at] = (x * 2 + index * 7 + noise) & 255;
      pixels[at + 1] = (y * 3 + index * 3 + noise) & 255;
      pixels[at + 2] = ((x + y) * 2 + noise) & 255;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * A folder of `count` inputs: count − FAILING good PNGs, CORRUPT damaged files (truncated, bit
 * flips in the header, zero bytes, a text file named .png, a PNG named .jpg with its body cut)
 * and one that cannot be read (a folder named `unreadable.png`: the tests run as root, where
 * permissions stop nothing). Returns the names of the good ones.
 */
async function makeBatch(dir: string, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const good: string[] = [];
  const sample = await generatedPng(0);
  for (let i = 0; i < count - FAILING; i++) {
    const name = `photo-${String(i).padStart(3, '0')}.png`;
    await writeFile(join(dir, name), await generatedPng(i));
    good.push(name);
  }
  const flipped = Buffer.from(sample);
  for (const at of [1, 2, 12, 16, 20]) flipped[at] ^= 0x5a;
  await writeFile(join(dir, 'bad-truncated.png'), sample.subarray(0, Math.floor(sample.length / 3)));
  await writeFile(join(dir, 'bad-flipped.png'), flipped);
  await writeFile(join(dir, 'bad-empty.jpg'), Buffer.alloc(0));
  await writeFile(join(dir, 'bad-text.png'), 'not an image, just text renamed .png\n');
  await writeFile(join(dir, 'bad-cut.jpg'), sample.subarray(0, 60));
  await mkdir(join(dir, 'unreadable.png'));
  return good;
}

const failingNames = ['bad-truncated.png', 'bad-flipped.png', 'bad-empty.jpg', 'bad-text.png', 'bad-cut.jpg', 'unreadable.png'];

/** Every file in `dir`: a complete .svd of SIZE (decoded), and nothing else. */
async function expectOnlyValidOutputs(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    expect(name, 'only outputs in the folder').toMatch(/^photo-\d{3}\.svd$/);
    const decoded = decodeSvd(new Uint8Array(await readFile(join(dir, name))));
    expect([decoded.header.width, decoded.header.height]).toEqual([SIZE.width, SIZE.height]);
  }
  return names;
}

let root = '';
let inputs = '';
let good: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'svd-studio-batch-'));
  inputs = join(root, 'in');
  good = await makeBatch(inputs, BATCH);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('svd-studio compress on a batch', () => {
  it(`${BATCH} files with ${CORRUPT} corrupt and ${UNREADABLE} unreadable: ${BATCH - FAILING} outputs, one line per failure, a summary, exit 1`, async () => {
    const out = join(root, 'all');
    const result = await svdStudio(['compress', inputs, '--out-dir', out, '-k', '8']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe(`${BATCH - FAILING} compressed, ${FAILING} failed`);
    const failures = lines.slice(0, -1);
    expect(failures).toHaveLength(FAILING);
    for (const name of failingNames)
      expect(
        failures.filter((line) => line.includes(name)),
        name,
      ).toHaveLength(1);
    for (const line of failures) expect(line).toMatch(/^svd-studio: \S+/);
    expect(result.stdout.trim().split('\n')).toHaveLength(BATCH - FAILING);
    expect(await expectOnlyValidOutputs(out)).toEqual(good.map((name) => name.replace('.png', '.svd')));
  });

  it('Ctrl-C in the middle: every output written is complete, no temporary file; --skip-existing then does only the rest', async () => {
    const out = join(root, 'interrupted');
    await mkdir(out);
    const child = spawn(process.execPath, [cli, 'compress', inputs, '--out-dir', out, '-k', '8']);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupted once a few outputs exist (polled; the batch takes seconds).
    for (let i = 0; i < 2000 && (await readdir(out)).filter((name) => name.endsWith('.svd')).length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    const done = await expectOnlyValidOutputs(out);
    expect(done.length).toBeGreaterThanOrEqual(3);
    expect(done.length, 'the interrupt came in the middle').toBeLessThan(BATCH - FAILING);
    expect(stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^${done.length} compressed, \\d+ failed$`));

    const again = await svdStudio(['compress', inputs, '--out-dir', out, '-k', '8', '--skip-existing']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n').at(-1)).toBe(
      `${BATCH - FAILING - done.length} compressed, ${FAILING} failed, ${done.length} skipped`,
    );
    expect(await expectOnlyValidOutputs(out)).toEqual(good.map((name) => name.replace('.png', '.svd')));
  });

  it('--skip-existing with --force is a usage error', async () => {
    const result = await svdStudio(['compress', inputs, '--out-dir', root, '--force', '--skip-existing']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/one of --force and --skip-existing/);
  });

  it('two processes writing one folder with --force: both finish, every file in it is a valid .svd', async () => {
    const shared = join(root, 'shared-in');
    await mkdir(shared);
    const names = good.slice(0, 20);
    for (const name of names) await writeFile(join(shared, name), await readFile(join(inputs, name)));
    const out = join(root, 'shared-out');
    const [first, second] = await Promise.all([
      svdStudio(['compress', shared, '--out-dir', out, '--force', '-k', '8']),
      svdStudio(['compress', shared, '--out-dir', out, '--force', '-k', '6']),
    ]);
    expect([first.code, second.code, first.stderr, second.stderr]).toEqual([
      0,
      0,
      `20 compressed, 0 failed\n`,
      `20 compressed, 0 failed\n`,
    ]);
    expect(await expectOnlyValidOutputs(out)).toEqual(names.map((name) => name.replace('.png', '.svd')));
  });
});

/** A size-limited tmpfs at a new folder, or null where this machine does not allow mounting one. */
function smallDisk(path: string, bytes: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('svd-studio when the disk fills up', () => {
  it('a save that hits ENOSPC keeps the old file and leaves no temporary file (compress and decompress)', async (context) => {
    const disk = join(root, 'disk');
    await mkdir(disk);
    if (!smallDisk(disk, 256 * 1024)) {
      context.skip('mounting a 256 KB tmpfs needs root (mount -t tmpfs); not allowed here');
      return;
    }
    try {
      // An old output, then almost all the rest of the disk taken.
      const old = join(disk, 'photo.svd');
      const first = await svdStudio(['compress', join(inputs, good[0]), '-o', old, '-k', '2']);
      expect(first.code).toBe(0);
      const oldBytes = await readFile(old);
      const oldPng = join(disk, 'photo.png');
      expect((await svdStudio(['decompress', old, '-o', oldPng])).code).toBe(0);
      const oldPngBytes = await readFile(oldPng);
      const free = Number(execFileSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).trim().split('\n')[1]);
      await writeFile(join(disk, 'filler'), Buffer.alloc(Math.max(0, free - 4096)));

      // A bigger file (a larger photo at a higher rank) does not fit.
      const big = join(root, 'big.png');
      await sharp(await generatedPng(1))
        .resize(480, 320)
        .png()
        .toFile(big);
      const full = await svdStudio(['compress', big, '-o', old, '--model', 'whole', '-k', '64', '--force']);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/no space left on the device, ENOSPC/);
      expect(await readFile(old)).toEqual(oldBytes);
      const bigSvd = join(root, 'big.svd');
      expect((await svdStudio(['compress', big, '-o', bigSvd, '--model', 'whole', '-k', '64'])).code).toBe(0);
      const decompressed = await svdStudio(['decompress', bigSvd, '-o', oldPng, '--force']);
      expect(decompressed.code).toBe(1);
      expect(decompressed.stderr).toMatch(/ENOSPC/);
      expect(await readFile(oldPng)).toEqual(oldPngBytes);
      expect((await readdir(disk)).sort()).toEqual(['filler', 'photo.png', 'photo.svd']);
    } finally {
      execFileSync('umount', [disk]);
    }
  });
});

describe('svd-studio inputs that are not files', () => {
  it('a dangling symlink named .png fails with one line naming it; the other input still compresses', async () => {
    const dir = join(root, 'links');
    await mkdir(dir);
    await writeFile(join(dir, 'a.png'), await readFile(join(inputs, good[0])));
    await symlink(join(dir, 'gone.png'), join(dir, 'b.png'));
    const result = await svdStudio(['compress', dir, '-k', '4']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/b\.png/);
    expect(lines[1]).toBe('1 compressed, 1 failed');
    expect(existsSync(join(dir, 'a.svd'))).toBe(true);
  });
});
