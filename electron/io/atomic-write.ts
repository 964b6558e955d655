/**
 * Atomic file writes for the command line and the Electron main process: a reader of the
 * target path sees either the old file (or no file) or the complete new one, never a partial
 * write, and a failed write leaves no temporary file behind.
 *
 * Steps: the bytes go to a temporary file beside the target (`.<name>.<random hex>.tmp`, same
 * directory so the final step is a rename within one file system, created with O_EXCL), which
 * is fsynced and closed; then
 *  - overwrite: rename(temp, target), which atomically replaces an existing target;
 *  - no overwrite (the default): an existing target is refused before anything is written,
 *    and the final step is link(temp, target) + unlink(temp). link() fails with EEXIST when
 *    the target exists, so a file created at the target meanwhile (by another program, a
 *    second export) is never clobbered — there is no check-then-rename window. On a file
 *    system without hard links (FAT/exFAT, some network shares: EPERM, ENOTSUP, ENOSYS,
 *    EXDEV) it falls back to a last existence check + rename, which leaves a window of a few
 *    system calls.
 * Afterwards the directory is fsynced (best effort: not possible on Windows) so the new
 * directory entry survives a crash too. When overwriting, the temporary file takes the old
 * file's permission bits. A symbolic link at the target is replaced, not followed.
 */
import { randomBytes } from 'node:crypto';
import { constants, unlinkSync } from 'node:fs';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface WriteFileAtomicOptions {
  /** Replace an existing file at the path (default false: refuse it). */
  overwrite?: boolean;
}

/** The target exists and `overwrite` was not set. */
export class OutputExistsError extends Error {
  override name = 'OutputExistsError';
  constructor(readonly path: string) {
    super(`${path}: already exists; not overwriting it`);
  }
}

/** Any other failure to write the target; `cause` holds the file system error. */
export class AtomicWriteError extends Error {
  override name = 'AtomicWriteError';
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: cannot write the file (${reason})`, options);
  }
}

type ErrnoError = NodeJS.ErrnoException;

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

function errorCode(error: unknown): string | undefined {
  return (error as ErrnoError | null)?.code;
}

function describe(error: unknown): string {
  const code = errorCode(error);
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'the folder does not exist',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'the path is a folder',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'the file is too large for this device or limit',
    EROFS: 'the file system is read-only',
    ENAMETOOLONG: 'the file name is too long',
  };
  if (code && known[code]) return `${known[code]}, ${code}`;
  if (code) return code;
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch {
    // Already gone, or not removable: nothing more we can do, and the original error matters more.
  }
}

async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open or fsync a directory; the rename itself has happened.
  }
}

/** Temporary files being written now (removed by removeTemporariesSync when the process must stop at once). */
const inFlight = new Set<string>();

/**
 * Removes the temporary files of writes in progress, synchronously: for a process about to exit
 * mid-write (the command line's second Ctrl-C), so that no temporary file stays behind.
 */
export function removeTemporariesSync(): void {
  for (const path of inFlight) {
    try {
      unlinkSync(path);
    } catch {
      // Renamed or linked already, or gone.
    }
  }
  inFlight.clear();
}

/** Writes `bytes` to `path` atomically; see the module comment for the steps and guarantees. */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('writeFileAtomic: bytes must be a Uint8Array');
  const overwrite = options.overwrite ?? false;
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

  let previousMode: number | undefined;
  try {
    const previous = await lstat(path);
    if (!overwrite) throw new OutputExistsError(path);
    if (previous.isFile()) previousMode = previous.mode & 0o7777;
  } catch (error) {
    if (error instanceof OutputExistsError) throw error;
    if (errorCode(error) !== 'ENOENT') throw new AtomicWriteError(path, describe(error), { cause: error });
  }

  let created = false;
  inFlight.add(temporary);
  try {
    const handle = await open(temporary, 'wx');
    created = true;
    try {
      await handle.writeFile(bytes);
      if (previousMode !== undefined) await handle.chmod(previousMode);
      await handle.sync();
    } finally {
      await handle.close();
    }

    if (overwrite) {
      await rename(temporary, path);
    } else {
      try {
        await link(temporary, path);
        await removeQuietly(temporary);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'EEXIST') throw new OutputExistsError(path);
        if (!code || !NO_HARD_LINKS.has(code)) throw error;
        // No hard links here: last check, then rename (a window of a few system calls).
        if (await exists(path)) throw new OutputExistsError(path);
        await rename(temporary, path);
      }
    }
    created = false;
    await syncDirectory(directory);
  } catch (error) {
    if (created) await removeQuietly(temporary);
    if (error instanceof OutputExistsError) throw error;
    throw new AtomicWriteError(path, describe(error), { cause: error });
  } finally {
    inFlight.delete(temporary);
  }
}
