/**
 * What the studio needs from where it runs. Two implementations share everything else: the web
 * host (web-host.ts: file input, drag and drop, paste, downloads, Squoosh's codecs in a worker;
 * `npm run web` and the tests) and the Electron host (window.studio from the preload; the
 * desktop app), chosen in main.ts.
 */
import type { ImageFormat, InputImageFormat, PixelImage, SvdFileHeader, TruncatedSvd } from '../../../core/index.js';
import type { MenuCommand } from '../../../electron/shared/ipc-contract.js';
import type { Coding } from '../shared/coding.js';
import type { DecodeSize } from '../workers/image-codec/image-codecs.js';

/** Host.openImage()'s result (DESIGN.md, "How data flows"): the decoded pixels and the file's size. */
export interface OpenedImage extends PixelImage {
  name: string;
  fileBytes: number;
  /** The format of the file opened (not of any export). */
  inputFormat: InputImageFormat | 'svd';
  /**
   * For a .svd file in a coding the window shows: its header, stored factors (the slider then runs
   * up to their ranks), coding, format version and bytes (lower ranks are cut from them).
   */
  svd?: { header: SvdFileHeader; svds: TruncatedSvd[]; coding: Coding; version: 1 | 2; bytes: Uint8Array };
  /**
   * On the page's performance timeline: when the decoded pixels existed (wherever decoding ran),
   * and, where the host knows it better than the page, when the file was chosen (the desktop's
   * dialog result, a file the OS opened). The studio's 'decode' and 'first-preview' measures.
   */
  timing?: { chosenAt?: number; decodedAt: number };
  /** Its colour channels' samples as planes of their own, where the host made them with the pixels (the page's decoder: an RGB photo within `planesUpTo`). */
  planes?: Uint8Array[];
}

/**
 * What to open: a File (input, drop, paste), a bundled sample, the host's own open dialog
 * (desktop), or a file the host already opened (desktop: the OS, a second launch, the menu).
 */
export type OpenSource =
  | { kind: 'file'; file: File }
  | { kind: 'url'; url: string; name: string }
  | { kind: 'dialog' }
  | { kind: 'opened'; name: string; opened: unknown };

export interface OpenOptions {
  /** Larger images are refused by the decoder (the studio offers a reduced size below its own, smaller, working limit). */
  maxPixels: number;
  signal?: AbortSignal;
  /** An image's size and bit depth, once its header gives them and before its pixels are decoded (where the host can tell). */
  onSize?: (size: DecodeSize) => void;
  /** An image of at most this many pixels comes with its colour planes, where the host can make them (OpenedImage's `planes`). */
  planesUpTo?: number;
}

export interface SaveResult {
  /** What the file was saved as (a download's name on the web). */
  name: string;
}

export interface Host {
  readonly kind: 'web' | 'electron';
  /** Readies the host's decoders before the first file is chosen (the web host's image-codec worker); absent where there is nothing to ready. */
  warm?(): Promise<void>;
  /** The decoded file; null when the person cancelled the host's dialog. */
  openImage(source: OpenSource, options: OpenOptions): Promise<OpenedImage | null>;
  /** A smaller copy (box filter), for photos above the working limit. Takes ownership of `image` (its pixels may be transferred). */
  downscale(image: PixelImage, width: number, height: number): Promise<PixelImage>;
  /**
   * Encodes an image export where the host has its own encoder (the desktop: sharp in the main
   * process, DESIGN.md). Absent on the web: the analysis worker encodes with Squoosh's codecs.
   * Takes ownership of `image` (its pixels may be transferred).
   */
  encodeImage?(image: PixelImage, format: ImageFormat, quality: number | undefined, signal?: AbortSignal): Promise<Uint8Array>;
  /** Lets the person save the bytes; null when they cancelled. */
  saveFile(bytes: Uint8Array, suggestedName: string): Promise<SaveResult | null>;
  /** Menu commands and files opened from outside (desktop); returns an unsubscribe function. */
  subscribe?(handlers: {
    command(command: MenuCommand): void;
    opened(source: OpenSource): void;
    failed(message: string): void;
  }): () => void;
}

/** A one-line, human error raised by a host (unreadable file, unsupported type, too large). */
export class HostError extends Error {
  override name = 'HostError';
}
