/**
 * The file formats and limits that every part of the studio shares — core, the command line and
 * the Electron main process, the renderer and its workers — so each has one name and one value.
 */

/** The image file formats the studio reads and writes everywhere (sharp on Node, Squoosh's codecs in the renderer). */
export const IMAGE_FORMATS = ['png', 'jpeg', 'webp', 'avif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** What an export can be: an image file or a .svd file. */
export type ExportFormat = ImageFormat | 'svd';

/** What the Node side also opens with sharp (first frame), besides the four formats above; never written. */
export type InputImageFormat = ImageFormat | 'tiff' | 'gif';

/** Quality of lossy image exports when none is asked for (the command line and the window alike). */
export const DEFAULT_QUALITY: Readonly<Record<Exclude<ImageFormat, 'png'>, number>> = { jpeg: 85, webp: 85, avif: 60 };

/** The extension each export gets (without its dot). */
export const EXPORT_EXTENSIONS: Readonly<Record<ExportFormat, string>> = {
  svd: 'svd',
  png: 'png',
  jpeg: 'jpg',
  webp: 'webp',
  avif: 'avif',
};

export const MIME_TYPES: Readonly<Record<ExportFormat, string>> = {
  svd: 'application/x-svd-studio',
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
};

/**
 * The pixel limit: an image (or .svd file) with more pixels is refused from its header, before
 * any pixel is decoded or allocated. The command line's --max-pixels can move it for one run.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * The most pixels the studio window decomposes at full resolution without asking: an image
 * between this and MAX_IMAGE_PIXELS is offered at a reduced size, or at its full size if the
 * person chooses it (which needs memory in proportion; see the window's offer). The command line
 * has no such limit.
 */
export const WORKING_PIXEL_LIMIT = 32_000_000;
