/**
 * Which files main may read for the renderer. Paths main obtained itself — from its open dialog,
 * the command line, the OS (open-file, a second launch) or its recent-files list — are read
 * without question. A path the renderer names (a file dropped on the window, which the preload
 * took from the File with webUtils.getPathForFile) is read only after checking that it is an
 * absolute path to a regular file (not a folder, device or FIFO; symbolic links resolved) of an
 * allowed type and size. Nothing here ever writes.
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute } from 'node:path';
import { SUPPORTED_INPUT_EXTENSIONS } from '../../io/image-io.js';

/** Files larger than this are not read (a 100 MP 16-bit PNG is well below it). */
export const MAX_OPEN_BYTES = 1 << 30;
export const OPENABLE_EXTENSIONS: readonly string[] = [...SUPPORTED_INPUT_EXTENSIONS, '.svd'];

export class FileAccessError extends Error {
  override name = 'FileAccessError';
}

function displayName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** Checks a path the renderer named; resolves with the real path to read. */
export async function checkDroppedPath(path: string): Promise<string> {
  const name = displayName(path);
  const checkType = (candidate: string) => {
    if (!OPENABLE_EXTENSIONS.includes(extname(candidate).toLowerCase())) {
      throw new FileAccessError(`"${name}" is not a file this studio opens (PNG, JPEG, WebP, AVIF, TIFF, GIF or .svd)`);
    }
  };
  if (!isAbsolute(path)) throw new FileAccessError(`"${name}" cannot be opened: its path is not absolute`);
  checkType(path);
  let real: string;
  let info;
  try {
    real = await realpath(path);
    info = await stat(real);
  } catch {
    throw new FileAccessError(`"${name}" cannot be opened: it does not exist or cannot be read`);
  }
  if (!info.isFile()) throw new FileAccessError(`"${name}" cannot be opened: it is not a regular file`);
  // A link named .png may point anywhere: the real file's type counts.
  checkType(real);
  if (info.size > MAX_OPEN_BYTES)
    throw new FileAccessError(`"${name}" is too large to open (${Math.round(info.size / 2 ** 20)} MB; the limit is 1 GB)`);
  return real;
}
