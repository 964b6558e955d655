/**
 * The main process's services and IPC handlers under Node, with real sharp and real files:
 * opening every sample type through the handlers, the checks on paths the renderer names,
 * argument validation, the recent list, encoding, and saving — atomic even when the write fails
 * half way (a child process with a file-size limit makes the write fail with EFBIG).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { buildSync } from 'esbuild';
import { encodeSvd, splitChannels, truncatedSvd, type PixelImage } from '../../core/index.js';
import { createHandlers, dispatch, type MainServices } from '../../electron/main/ipc/handlers.js';
import { RecentFiles } from '../../electron/main/services/recent-files.js';
import type { OpenedFile } from '../../electron/shared/ipc-contract.js';
import { samplesDir } from '../helpers/samples.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = (name: string) => join(samplesDir, name);

function services(dir: string, choices: { open?: string | null; save?: string | null } = {}): MainServices {
  return {
    chooseFileToOpen: async () => choices.open ?? null,
    chooseSavePath: async () => choices.save ?? null,
    recent: new RecentFiles(join(dir, 'recent.json')),
  };
}

async function call(svc: MainServices, channel: string, ...args: unknown[]) {
  return dispatch(createHandlers(svc), channel, args);
}

function image(opened: unknown): Extract<OpenedFile, { kind: 'image' }> {
  const file = opened as OpenedFile;
  if (file.kind !== 'image') throw new Error('expected an image');
  return file;
}

describe('opening files through the handlers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svd-main-'));

  it.each([
    ['astronaut_512x512_rgb.png', 512, 512, 3, 8],
    ['tulips_alpha_500x500_rgba.png', 500, 500, 4, 8],
    ['room_16bit_676x449.png', 676, 449, 3, 16],
    ['architecture_gray_2560x1600.jpg', 2560, 1600, 1, 8],
    ['dogs_exif_orientation6_3088x2048.jpg', 2048, 3088, 3, 8],
  ])('%s: decoded by sharp, upright, with its channels and bit depth', async (name, width, height, channels, bitDepth) => {
    const before = performance.timeOrigin + performance.now();
    const result = await call(services(dir), 'image:open-dropped', sample(name));
    const after = performance.timeOrigin + performance.now();
    expect(result.ok).toBe(true);
    const opened = image(result.ok && result.value);
    // When main began and when the pixels existed, as epoch milliseconds (the window's measures).
    expect(opened.timing.chosenAt).toBeGreaterThanOrEqual(before);
    expect(opened.timing.decodedAt).toBeGreaterThan(opened.timing.chosenAt);
    expect(opened.timing.decodedAt).toBeLessThanOrEqual(after);
    expect([opened.width, opened.height, opened.channels, opened.bitDepth]).toEqual([width, height, channels, bitDepth]);
    expect(opened.pixels.length).toBe(width * height * channels);
    expect(opened.pixels).toBeInstanceOf(bitDepth === 16 ? Uint16Array : Uint8Array);
    expect(opened.fileBytes).toBe(readFileSync(sample(name)).length);
    // The pixels are sharp's own decode of the upright image.
    if (name.startsWith('astronaut')) {
      const reference = await sharp(sample(name)).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer();
      expect(Buffer.from(opened.pixels.buffer, opened.pixels.byteOffset, opened.pixels.byteLength).equals(reference)).toBe(true);
    }
  });

  it('a .svd file comes back as its bytes; the open dialog and the recent list open what main chose', async () => {
    const pixels = new Uint8Array(48 * 32 * 3).map((_, i) => (i * 37) % 256);
    const small: PixelImage = { width: 48, height: 32, channels: 3, bitDepth: 8, pixels };
    const svds = await Promise.all(splitChannels(small).map((channel) => truncatedSvd(channel, { rank: 8 })));
    const svdPath = join(dir, 'small.svd');
    writeFileSync(svdPath, encodeSvd({ width: 48, height: 32, channels: 3, bitDepth: 8, svds, ranks: [8, 8, 8] }).bytes);
    const svc = services(dir, { open: svdPath });
    const opened = await call(svc, 'image:open-dialog');
    expect(opened.ok && (opened.value as OpenedFile).kind).toBe('svd');
    expect(opened.ok && (opened.value as Extract<OpenedFile, { kind: 'svd' }>).bytes.length).toBe(readFileSync(svdPath).length);
    // Cancelled dialog → null.
    expect(await call(services(dir, { open: null }), 'image:open-dialog')).toEqual({ ok: true, value: null });
    // The recent list now holds it, by name only; open-recent opens it by index.
    const recent = await call(svc, 'recent:list');
    expect(recent.ok && recent.value).toEqual([
      expect.objectContaining({ index: 0, name: 'small.svd' }),
      ...(recent.ok ? (recent.value as unknown[]).slice(1) : []),
    ]);
    const again = await call(svc, 'image:open-recent', 0);
    expect(again.ok).toBe(true);
    const missing = await call(svc, 'image:open-recent', 42);
    expect(missing).toEqual({ ok: false, error: 'That recent file is no longer in the list' });
  });

  it('an unreadable image gives one line naming the file', async () => {
    const broken = join(dir, 'broken.png');
    writeFileSync(broken, readFileSync(sample('astronaut_512x512_rgb.png')).subarray(0, 3000));
    const result = await call(services(dir), 'image:open-dropped', broken);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/broken\.png/);
    expect(!result.ok && result.error).not.toMatch(/\n|at .*\(/);
  });
});

describe('paths the renderer names (dropped files) are checked before reading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svd-drop-'));
  const refused = async (path: unknown, pattern: RegExp) => {
    const result = await call(services(dir), 'image:open-dropped', path);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(pattern);
  };

  it('relative paths, folders, missing files, other types, links to other types, huge files', async () => {
    await refused('photo.png', /not absolute/);
    const folder = join(dir, 'folder.png');
    mkdirSync(folder);
    await refused(folder, /not a regular file/);
    await refused(join(dir, 'missing.png'), /does not exist/);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello');
    await refused(text, /not a file this studio opens/);
    const link = join(dir, 'passwd.png');
    symlinkSync('/etc/passwd', link);
    await refused(link, /not a file this studio opens/);
    const huge = join(dir, 'huge.png');
    writeFileSync(huge, '');
    truncateSync(huge, 2 ** 30 + 1); // sparse: no disk used
    await refused(huge, /too large/);
  });

  it('arguments of the wrong type, count or size are refused before any work', async () => {
    const svc = services(dir);
    const cases: [string, unknown[]][] = [
      ['image:open-dropped', [42]],
      ['image:open-dropped', []],
      ['image:open-dropped', ['/a.png', '/b.png']],
      ['image:open-dropped', ['x'.repeat(5000)]],
      ['image:open-recent', ['0']],
      ['image:open-recent', [-1]],
      ['image:encode', [{ width: 2, height: 2, channels: 3, bitDepth: 8, pixels: new Uint8Array(11), format: 'png' }]],
      ['image:encode', [{ width: 2, height: 2, channels: 3, bitDepth: 8, pixels: new Uint16Array(12), format: 'png' }]],
      ['image:encode', [{ width: 2, height: 2, channels: 3, bitDepth: 8, pixels: new Uint8Array(12), format: 'bmp' }]],
      ['image:encode', [{ width: 2, height: 2, channels: 3, bitDepth: 8, pixels: new Uint8Array(12), format: 'jpeg', quality: 101 }]],
      ['image:encode', [{ width: 70000, height: 1, channels: 1, bitDepth: 8, pixels: new Uint8Array(70000), format: 'png' }]],
      ['file:save', [{ bytes: 'not bytes', suggestedName: 'a.png' }]],
      ['file:save', [{ bytes: new Uint8Array(1), suggestedName: '../../etc/a.png' }]],
      ['file:save', [{ bytes: new Uint8Array(1), suggestedName: '/tmp/a.png' }]],
      ['file:save', [{ bytes: new Uint8Array(1), suggestedName: '' }]],
      ['recent:list', [1]],
    ];
    for (const [channel, args] of cases) {
      const result = await call(svc, channel, ...args);
      expect(result.ok, `${channel} ${JSON.stringify(args).slice(0, 80)}`).toBe(false);
      expect(!result.ok && result.error).toMatch(/^Refused: /);
    }
    expect(await call(svc, 'fs:write', '/etc/passwd')).toEqual({ ok: false, error: 'Unknown channel "fs:write"' });
  });
});

describe('encoding and saving', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svd-save-'));

  it('encodes with sharp and saves where the dialog said, replacing atomically', async () => {
    const pixels = new Uint8Array(16 * 8 * 3).map((_, i) => i % 251);
    const encoded = await call(services(dir), 'image:encode', { width: 16, height: 8, channels: 3, bitDepth: 8, pixels, format: 'png' });
    expect(encoded.ok).toBe(true);
    const bytes = encoded.ok ? (encoded.value as Uint8Array) : new Uint8Array();
    const decoded = await sharp(bytes).raw().toBuffer();
    expect(decoded.equals(Buffer.from(pixels))).toBe(true);
    const target = join(dir, 'chosen.png');
    writeFileSync(target, 'old');
    const saved = await call(services(dir, { save: target }), 'file:save', { bytes, suggestedName: 'photo-k32.png' });
    expect(saved).toEqual({ ok: true, value: { name: 'chosen.png' } });
    expect(readFileSync(target).equals(Buffer.from(bytes))).toBe(true);
    // A cancelled dialog writes nothing.
    expect(await call(services(dir, { save: null }), 'file:save', { bytes, suggestedName: 'x.png' })).toEqual({ ok: true, value: null });
    // A name typed without extension gets the format's.
    const bare = await call(services(dir, { save: join(dir, 'bare') }), 'file:save', { bytes, suggestedName: 'photo.png' });
    expect(bare).toEqual({ ok: true, value: { name: 'bare.png' } });
    expect(readdirSync(dir).sort()).toEqual(['bare.png', 'chosen.png']);
  });

  it('a write that fails half way (file-size limit → EFBIG) leaves the old file intact and nothing else', () => {
    const target = join(dir, 'keep.svd');
    writeFileSync(target, 'the old contents');
    // The real handler in a child process, bundled by esbuild (beside dist/ so it finds node_modules).
    const childScript = join(root, 'dist', 'test-save-child.mjs');
    buildSync({
      stdin: {
        contents: `
          import { createHandlers, dispatch } from './electron/main/ipc/handlers.ts';
          import { RecentFiles } from './electron/main/services/recent-files.ts';
          const handlers = createHandlers({ chooseFileToOpen: async () => null, chooseSavePath: async () => ${JSON.stringify(target)}, recent: new RecentFiles('/nonexistent/r.json') });
          const result = await dispatch(handlers, 'file:save', [{ bytes: new Uint8Array(4 << 20).fill(7), suggestedName: 'keep.svd' }]);
          console.log(JSON.stringify(result));
        `,
        resolveDir: root,
        sourcefile: 'save-child.ts',
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: childScript,
      logLevel: 'silent',
    });
    // 1 MiB file-size limit: the 4 MiB write fails part way through.
    const child = spawnSync('bash', ['-c', `ulimit -f 1024; exec node ${JSON.stringify(childScript)}`], { encoding: 'utf8' });
    const output = child.stdout.trim().split('\n').pop() ?? '';
    const result = JSON.parse(output || '{}');
    expect(result.ok, child.stderr).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('the old contents');
    expect(readdirSync(dir).filter((name) => name.includes('keep'))).toEqual(['keep.svd']);
  });
});
