/**
 * The one IPC contract between the renderer and the main process. Every channel is listed here
 * with its arguments and result; main registers exactly these handlers (electron/main/ipc/
 * register.ts), the preload exposes one method per channel as window.studio (electron/preload/
 * api.ts), and both sides validate what crosses with the checks below. Handlers answer
 * `{ok: true, value} | {ok: false, error}`: only an error's message survives ipcMain.handle.
 *
 * The renderer never names a path to write, and names a path to read only for a file dropped on
 * the window (which the preload takes from the File with webUtils.getPathForFile and main checks
 * before reading). Pixels cross as typed arrays (structured clone, one copy per open).
 */

import { MAX_SIDE } from '../../core/codec/format.js';
import { IMAGE_FORMATS, type ImageFormat, type InputImageFormat } from '../../core/image/formats.js';

export type { ImageFormat, InputImageFormat };

/** An opened file: decoded pixels (images), or the bytes of a .svd file (the renderer decodes those). */
export type OpenedFile =
  | {
      kind: 'image';
      name: string;
      fileBytes: number;
      format: InputImageFormat;
      width: number;
      height: number;
      channels: 1 | 2 | 3 | 4;
      bitDepth: 8 | 16;
      pixels: Uint8Array | Uint16Array;
      /**
       * When main began opening the file (right after the dialog's answer, or the OS's request)
       * and when its pixels were decoded: milliseconds since the Unix epoch at high resolution
       * (performance.timeOrigin + performance.now()), for the window's 'decode' and 'first-preview' measures.
       */
      timing: { chosenAt: number; decodedAt: number };
    }
  | { kind: 'svd'; name: string; fileBytes: number; bytes: Uint8Array };

export interface EncodeRequest {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  pixels: Uint8Array | Uint16Array;
  format: ImageFormat;
  /** 1–100 for jpeg, webp, avif; ignored for png. */
  quality?: number;
}

export interface SaveRequest {
  bytes: Uint8Array;
  /** A file name (no folders) the save dialog proposes. */
  suggestedName: string;
}

export interface RecentFile {
  /** Index in the list (what image:open-recent takes). */
  index: number;
  name: string;
}

/** Channels the renderer invokes: arguments and result. */
export interface InvokeChannels {
  /** Main shows the open dialog and opens what the person chose; null when cancelled. */
  'image:open-dialog': { args: []; result: OpenedFile | null };
  /** A file dropped on the window: the path the preload got from webUtils.getPathForFile. */
  'image:open-dropped': { args: [path: string]; result: OpenedFile };
  'image:open-recent': { args: [index: number]; result: OpenedFile };
  'image:encode': { args: [request: EncodeRequest]; result: Uint8Array };
  /** Main shows the save dialog and writes the bytes atomically; null when cancelled. */
  'file:save': { args: [request: SaveRequest]; result: { name: string } | null };
  'recent:list': { args: []; result: RecentFile[] };
}

export type InvokeChannel = keyof InvokeChannels;
export type InvokeArgs<C extends InvokeChannel> = InvokeChannels[C]['args'];
export type InvokeResult<C extends InvokeChannel> = InvokeChannels[C]['result'];

/** What every handler answers. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Channels main sends to the renderer. */
export interface EventChannels {
  /** A menu item or accelerator: the renderer acts on it. */
  'menu:command': MenuCommand;
  /** A file opened by the OS, a second launch or the command line: already decoded. */
  'file:opened': OpenedFile;
  /** Opening such a file failed: a one-line message. */
  'file:open-failed': string;
}
export type EventChannel = keyof EventChannels;

export const MENU_COMMANDS = [
  'open',
  'export',
  'close',
  'zoom-in',
  'zoom-out',
  'zoom-fit',
  'zoom-actual',
  'mode-compare',
  'mode-error',
  'mode-residual',
  'mode-component',
  'swap-sides',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export const INVOKE_CHANNELS = [
  'image:open-dialog',
  'image:open-dropped',
  'image:open-recent',
  'image:encode',
  'file:save',
  'recent:list',
] as const satisfies readonly InvokeChannel[];
export const EVENT_CHANNELS = ['menu:command', 'file:opened', 'file:open-failed'] as const satisfies readonly EventChannel[];

/**
 * window.studio, as the preload exposes it (electron/preload/api.ts builds it): one method per
 * invoke channel and one subscription per event above. The renderer knows the desktop only by this type.
 */
export interface StudioApi {
  /** image:open-dialog */
  openDialog(): Promise<OpenedFile | null>;
  /** image:open-dropped — the File's path is taken here, in the preload; the renderer never handles paths. */
  openDropped(file: unknown): Promise<OpenedFile>;
  /** image:open-recent */
  openRecent(index: number): Promise<OpenedFile>;
  /** image:encode */
  encodeImage(request: EncodeRequest): Promise<Uint8Array>;
  /** file:save */
  saveFile(request: SaveRequest): Promise<{ name: string } | null>;
  /** recent:list */
  recentFiles(): Promise<RecentFile[]>;
  /** menu:command */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /** file:opened */
  onFileOpened(listener: (file: OpenedFile) => void): () => void;
  /** file:open-failed */
  onFileOpenFailed(listener: (message: string) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// Validation: main checks every argument (the renderer is not trusted), before any work.

export class IpcValidationError extends Error {
  override name = 'IpcValidationError';
}

/** Largest single transfer: a 100 MP 16-bit RGBA image is 800 MB; a .svd or encoded file far less. */
export const MAX_IPC_BYTES = 800 * 2 ** 20;
export const MAX_PATH_LENGTH = 4096;
export const MAX_NAME_LENGTH = 255;
/** The .svd format's largest side (core/codec/format.ts MAX_SIDE), which no image here exceeds. */
export const MAX_IMAGE_SIDE = MAX_SIDE;

function fail(message: string): never {
  throw new IpcValidationError(message);
}

function expectCount(args: readonly unknown[], count: number, channel: string): void {
  if (!Array.isArray(args) || args.length !== count) fail(`${channel} takes ${count} argument${count === 1 ? '' : 's'}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function integer(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(`${what} must be an integer from ${min} to ${max}`);
  return value;
}

function bytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(`${what} must be bytes (a Uint8Array)`);
  if (value.byteLength > MAX_IPC_BYTES) fail(`${what} is too large`);
  return value;
}

/** A plain file name: no folders, no control characters, not empty, not "." or "..". */
export function checkFileName(value: unknown, what = 'The file name'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH)
    fail(`${what} must be 1–${MAX_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\\/\u0000-\u001f]/.test(value) || value === '.' || value === '..') fail(`${what} must be a plain file name, without folders`);
  return value;
}

export const validators: { [C in InvokeChannel]: (args: readonly unknown[]) => InvokeArgs<C> } = {
  'image:open-dialog': (args) => {
    expectCount(args, 0, 'image:open-dialog');
    return [];
  },
  'image:open-dropped': (args) => {
    expectCount(args, 1, 'image:open-dropped');
    const [path] = args;
    if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_LENGTH || path.includes('\u0000'))
      fail('The dropped file’s path is not a valid path');
    return [path];
  },
  'image:open-recent': (args) => {
    expectCount(args, 1, 'image:open-recent');
    return [integer(args[0], 0, 99, 'The recent file index')];
  },
  'image:encode': (args) => {
    expectCount(args, 1, 'image:encode');
    const request = args[0];
    if (!isPlainObject(request)) fail('image:encode takes an object');
    const width = integer(request.width, 1, MAX_IMAGE_SIDE, 'The width');
    const height = integer(request.height, 1, MAX_IMAGE_SIDE, 'The height');
    const channels = integer(request.channels, 1, 4, 'The channel count') as 1 | 2 | 3 | 4;
    const bitDepth = request.bitDepth;
    if (bitDepth !== 8 && bitDepth !== 16) fail('The bit depth must be 8 or 16');
    const pixels = request.pixels;
    const expected = bitDepth === 8 ? Uint8Array : Uint16Array;
    if (!(pixels instanceof expected)) fail(`${bitDepth}-bit pixels must be a ${expected.name}`);
    if (pixels.byteLength > MAX_IPC_BYTES) fail('The image is too large');
    if (pixels.length !== width * height * channels) fail('The pixels do not match the width, height and channels');
    const format = request.format as ImageFormat;
    if (!IMAGE_FORMATS.includes(format)) fail(`The format must be ${IMAGE_FORMATS.join(', ')}`);
    const quality = request.quality === undefined ? undefined : integer(request.quality, 1, 100, 'The quality');
    return [{ width, height, channels, bitDepth, pixels, format, quality }];
  },
  'file:save': (args) => {
    expectCount(args, 1, 'file:save');
    const request = args[0];
    if (!isPlainObject(request)) fail('file:save takes an object');
    return [{ bytes: bytes(request.bytes, 'The file'), suggestedName: checkFileName(request.suggestedName, 'The suggested name') }];
  },
  'recent:list': (args) => {
    expectCount(args, 0, 'recent:list');
    return [];
  },
};
