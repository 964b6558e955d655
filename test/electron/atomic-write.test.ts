/**
 * writeFileAtomic on real files in a temporary folder: new files, refusal and replacement of
 * an existing one, a write that fails half-way (a child process whose file-size limit is
 * smaller than the file: a real EFBIG from the kernel, as on a full disk), a target created
 * by someone else during the write, and a watcher that must never see a partial file.
 */
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtomicWriteError, OutputExistsError, writeFileAtomic } from '../../electron/io/atomic-write.js';

const run = promisify(execFile);
let root = '';
let caseNumber = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'svd-atomic-write-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A fresh, empty folder per test. */
async function folder(): Promise<string> {
  const path = join(root, `case-${++caseNumber}`);
  await mkdir(path);
  return path;
}

function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 255;
  return out;
}

const isTemporary = (name: string) => /^\..*\.[0-9a-f]{12}\.tmp$/.test(name);

describe('writeFileAtomic', () => {
  it('writes a new file and leaves nothing else in the folder', async () => {
    const dir = await folder();
    const target = join(dir, 'out.svd');
    const bytes = bytesOf(100_000, 1);
    await writeFileAtomic(target, bytes);
    expect(new Uint8Array(await readFile(target))).toEqual(bytes);
    expect(await readdir(dir)).toEqual(['out.svd']);
  });

  it('refuses an existing file without overwrite, naming it, and leaves it intact', async () => {
    const dir = await folder();
    const target = join(dir, 'photo.png');
    await writeFile(target, 'the original');
    const error = await writeFileAtomic(target, bytesOf(10, 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputExistsError);
    expect((error as OutputExistsError).path).toBe(target);
    expect((error as Error).message).toBe(`${target}: already exists; not overwriting it`);
    expect(await readFile(target, 'utf8')).toBe('the original');
    expect(await readdir(dir)).toEqual(['photo.png']);
    // A dangling symbolic link is an existing name too (and is not followed).
    await symlink(join(dir, 'nowhere.png'), join(dir, 'link.png'));
    await expect(writeFileAtomic(join(dir, 'link.png'), bytesOf(10, 2), { overwrite: false })).rejects.toThrow(OutputExistsError);
    expect((await readdir(dir)).sort()).toEqual(['link.png', 'photo.png']);
  });

  it('replaces an existing file with overwrite, keeping its permission bits', async () => {
    const dir = await folder();
    const target = join(dir, 'photo.png');
    await writeFile(target, 'the original');
    await chmod(target, 0o640);
    const bytes = bytesOf(5000, 3);
    await writeFileAtomic(target, bytes, { overwrite: true });
    expect(new Uint8Array(await readFile(target))).toEqual(bytes);
    expect((await stat(target)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['photo.png']);
  });

  it('reports a missing folder or a folder in the way, and leaves no temporary file', async () => {
    const dir = await folder();
    const missing = join(dir, 'no-such-folder', 'out.png');
    const error = await writeFileAtomic(missing, bytesOf(10, 4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtomicWriteError);
    expect((error as Error).message).toBe(`${missing}: cannot write the file (the folder does not exist, ENOENT)`);

    const inTheWay = join(dir, 'taken');
    await mkdir(inTheWay);
    await writeFile(join(inTheWay, 'inside.txt'), 'kept');
    await expect(writeFileAtomic(inTheWay, bytesOf(10, 5), { overwrite: true })).rejects.toThrow(AtomicWriteError);
    expect((await lstat(inTheWay)).isDirectory()).toBe(true);
    expect(await readFile(join(inTheWay, 'inside.txt'), 'utf8')).toBe('kept');
    expect(await readdir(dir)).toEqual(['taken']);
    await expect(writeFileAtomic(join(dir, 'x'), 'text' as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });

  it.skipIf(process.platform === 'win32')(
    'a write that fails half-way (file-size limit → EFBIG) keeps the old file and removes the temporary one',
    async () => {
      const dir = await folder();
      const target = join(dir, 'photo.jpg');
      await writeFile(target, 'the original');
      // Run the module in a child whose RLIMIT_FSIZE is 64 KiB, with SIGXFSZ ignored so the
      // kernel's EFBIG reaches the write call. The child imports the module compiled by esbuild.
      const source = await readFile(fileURLToPath(new URL('../../electron/io/atomic-write.ts', import.meta.url)), 'utf8');
      await writeFile(join(root, 'atomic-write.mjs'), (await transform(source, { loader: 'ts', format: 'esm' })).code);
      const child = join(root, `child-${caseNumber}.mjs`);
      await writeFile(
        child,
        `import { writeFileAtomic } from './atomic-write.mjs';
         try {
           await writeFileAtomic(${JSON.stringify(target)}, new Uint8Array(1 << 20).fill(7), { overwrite: true });
           console.log(JSON.stringify({ ok: true }));
         } catch (error) {
           console.log(JSON.stringify({ name: error.name, message: error.message }));
         }`,
      );
      const { stdout } = await run('bash', ['-c', `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" "${child}"`]);
      expect(JSON.parse(stdout)).toEqual({
        name: 'AtomicWriteError',
        message: `${target}: cannot write the file (the file is too large for this device or limit, EFBIG)`,
      });
      expect(await readFile(target, 'utf8')).toBe('the original');
      expect(await readdir(dir)).toEqual(['photo.jpg']);
    },
  );

  it('never clobbers a file created at the target while it writes (overwrite false)', async () => {
    const dir = await folder();
    const target = join(dir, 'export.png');
    const pending = writeFileAtomic(target, bytesOf(48 << 20, 6)).then(
      () => null,
      (e: unknown) => e,
    );
    // As soon as the temporary file exists, someone else creates the target.
    while (!(await readdir(dir)).some(isTemporary)) await new Promise((resolve) => setImmediate(resolve));
    await writeFile(target, 'written by someone else', { flag: 'wx' });
    expect(await pending).toBeInstanceOf(OutputExistsError);
    expect(await readFile(target, 'utf8')).toBe('written by someone else');
    expect(await readdir(dir)).toEqual(['export.png']);
  });

  for (const overwrite of [false, true]) {
    it(`a reader never sees a partial file (overwrite ${overwrite})`, async () => {
      const dir = await folder();
      const target = join(dir, 'big.svd');
      const old = 'the previous version';
      if (overwrite) await writeFile(target, old);
      const bytes = bytesOf(48 << 20, 7);
      let done = false;
      const pending = writeFileAtomic(target, bytes, { overwrite }).finally(() => {
        done = true;
      });
      const seenSizes = new Set<number>();
      let sawTemporary = false;
      while (!done) {
        const size = await stat(target).then(
          (s) => s.size,
          () => -1,
        );
        seenSizes.add(size);
        sawTemporary ||= (await readdir(dir)).some(isTemporary);
      }
      await pending;
      expect(sawTemporary).toBe(true); // the watcher really looked while the write was under way
      // Only "no file" / the old file, then the complete new one.
      for (const size of seenSizes) expect([overwrite ? old.length : -1, bytes.length]).toContain(size);
      expect(Buffer.compare(await readFile(target), Buffer.from(bytes.buffer))).toBe(0);
      expect(await readdir(dir)).toEqual(['big.svd']);
    });
  }
});
