/**
 * JPEG (mozjpeg) or WebP of the open image at the same bytes as a `.svd` file: the highest
 * quality whose file is no larger, by bisection over qualities. On a 12 MP photo one full-size
 * encode takes about a second, and a bisection over 1…100 seven of them; so the first answer comes
 * from a probe: a mosaic of tiles taken evenly across the photo (~0.5 MP), whose bytes per pixel
 * track the photo's (a JPEG's size is close to the sum of its blocks'). The probe's own bisection
 * (tens of ms per encode) picks the quality q̂ the photo should need; one full-size encode at q̂
 * is the coarse answer, a real file with its real size and PSNR. Then full-size encodes gallop
 * from q̂ until the target lies between two neighbouring qualities (usually 2–4 encodes).
 */
import {
  atBitDepth,
  computeMetrics,
  meanSquaredError,
  peakValue,
  psnrFromMse,
  withoutAlpha,
  type PixelImage,
} from '../../../../core/index.js';

export type LossyFormat = 'jpeg' | 'webp';

/** One quality of one format, at the photo's full size. */
export interface CodecPoint {
  format: LossyFormat;
  quality: number;
  fileBytes: number;
  /** Of the decoded file against the original's colour channels; measured for answers only. */
  psnr?: number | null;
  ssim?: number;
}

export interface EqualBytesResult {
  format: LossyFormat;
  targetBytes: number;
  /** The answer: the highest quality within targetBytes (coarse: the probe's guess, maybe above it). */
  best: CodecPoint | null;
  /** Quality 1, when even it is larger than targetBytes (then best is null). */
  smallest: CodecPoint | null;
  /** best.quality + 1, larger than targetBytes: the bisection's step (null at quality 100). */
  next: CodecPoint | null;
  /** An early answer from the probe, before the bisection at full size. */
  coarse: boolean;
}

/** Photos larger than this get a probe; smaller ones are bisected at full size directly. */
const PROBE_ABOVE = 2_000_000;
/** The probe's size, in pixels, and its tiles' side (a multiple of JPEG's 16 × 16 macroblocks). */
const PROBE_PIXELS = 512 * 1024;
const TILE = 64;

/** The codecs a search uses (Squoosh's, in the analysis worker's codec workers; a stand-in in tests), given to each call. */
export interface LossyCodec {
  encode(image: PixelImage, format: LossyFormat, quality: number): Promise<Uint8Array>;
  decode(bytes: Uint8Array, name: string): Promise<PixelImage>;
}

export class EqualBytes {
  readonly source: PixelImage;
  /** Full-size encodes so far (the benchmark counts them). */
  encodes = 0;
  readonly #color: PixelImage;
  #probe: { image: PixelImage; scale: number } | null = null;
  readonly #points = new Map<string, CodecPoint>();
  readonly #probePoints = new Map<string, number>();
  /** Encoded files of this search (decoded when they become an answer). */
  #files = new Map<string, Uint8Array>();
  #decoded: { key: string; pixels: PixelImage } | null = null;

  constructor(source: PixelImage) {
    this.source = source;
    // Neither format keeps alpha here: the comparison is of the colour channels.
    this.#color = withoutAlpha(source);
  }

  async search(
    codec: LossyCodec,
    format: LossyFormat,
    targetBytes: number,
    known: readonly CodecPoint[],
    onAnswer: (result: EqualBytesResult, points: CodecPoint[]) => void,
  ): Promise<EqualBytesResult> {
    for (const point of known)
      if (point.format === format)
        this.#points.set(keyOf(format, point.quality), { ...this.#points.get(keyOf(format, point.quality)), ...point });
    this.#files = new Map();
    const measured = () => [...this.#points.values()].filter((point) => point.format === format);
    const result = (best: CodecPoint | null, smallest: CodecPoint | null, next: CodecPoint | null, coarse: boolean): EqualBytesResult => ({
      format,
      targetBytes,
      best,
      smallest,
      next,
      coarse,
    });

    // Where to start: the probe's guess, or the middle for small photos.
    let start = 50;
    const { width, height } = this.source;
    if (width * height > PROBE_ABOVE && width >= TILE && height >= TILE && !this.#bracketKnown(format, targetBytes)) {
      start = await this.#probeQuality(codec, format, targetBytes);
      const guess = await this.#at(codec, format, start);
      await this.#measure(codec, guess, false);
      onAnswer(result(guess, null, null, true), measured());
    }

    // Gallop from the start until the target lies between lo (within) and hi (over).
    let lo = 0;
    let hi = 101;
    const within = async (quality: number) => (await this.#at(codec, format, quality)).fileBytes <= targetBytes;
    if (await within(start)) {
      lo = start;
      for (let step = 2; lo < 100; step *= 2) {
        const quality = Math.min(100, lo + step);
        if (await within(quality)) lo = quality;
        else {
          hi = quality;
          break;
        }
      }
    } else {
      hi = start;
      for (let step = 2; hi > 1; step *= 2) {
        const quality = Math.max(1, hi - step);
        if (await within(quality)) {
          lo = quality;
          break;
        }
        hi = quality;
      }
    }
    while (hi - lo > 1 && lo >= 1 && hi <= 100) {
      const mid = (lo + hi) >> 1;
      if (await within(mid)) lo = mid;
      else hi = mid;
    }
    if (lo === 0) {
      const smallest = await this.#at(codec, format, 1);
      await this.#measure(codec, smallest, false);
      const final = result(null, smallest, null, false);
      onAnswer(final, measured());
      return final;
    }
    const best = await this.#at(codec, format, lo);
    await this.#measure(codec, best, true);
    const final = result(best, null, hi <= 100 ? await this.#at(codec, format, hi) : null, false);
    onAnswer(final, measured());
    return final;
  }

  /** The decoded file at a quality (for the compare view): the one decoded for an answer, or a fresh encode. */
  async decodedAt(codec: LossyCodec, format: LossyFormat, quality: number): Promise<PixelImage> {
    const key = keyOf(format, quality);
    if (this.#decoded?.key === key) {
      const pixels = this.#decoded.pixels;
      // Handed over (transferred, or shared): decoded again if asked again.
      this.#decoded = null;
      return pixels;
    }
    const bytes = this.#files.get(key) ?? (await codec.encode(this.#color, format, quality));
    return codec.decode(bytes, `comparison.${format === 'jpeg' ? 'jpg' : 'webp'}`);
  }

  /** Whether the measured points already hold neighbouring qualities around the target (no probe needed). */
  #bracketKnown(format: LossyFormat, targetBytes: number): boolean {
    for (const point of this.#points.values()) {
      if (point.format !== format || point.fileBytes > targetBytes) continue;
      const next = this.#points.get(keyOf(format, point.quality + 1));
      if (point.quality === 100 || (next && next.fileBytes > targetBytes)) return true;
    }
    return false;
  }

  /** The full-size file at a quality (encoded once per search; sizes kept for the document). */
  async #at(codec: LossyCodec, format: LossyFormat, quality: number): Promise<CodecPoint> {
    const key = keyOf(format, quality);
    const point = this.#points.get(key);
    if (point) return point;
    const bytes = await codec.encode(this.#color, format, quality);
    this.encodes++;
    this.#files.set(key, bytes);
    const measured = { format, quality, fileBytes: bytes.length };
    this.#points.set(key, measured);
    return measured;
  }

  /** Decodes an answer's file and measures its PSNR (and SSIM, for the final answer); keeps the pixels for the compare view. */
  async #measure(codec: LossyCodec, point: CodecPoint, withSsim: boolean): Promise<void> {
    if (point.psnr !== undefined && (!withSsim || point.ssim !== undefined)) return;
    const key = keyOf(point.format, point.quality);
    const bytes = this.#files.get(key) ?? (await codec.encode(this.#color, point.format, point.quality));
    const decoded = await codec.decode(bytes, `comparison.${point.format === 'jpeg' ? 'jpg' : 'webp'}`);
    const reference = this.#color;
    let candidate = atBitDepth(withoutAlpha(decoded), reference.bitDepth);
    // A gray source may decode as gray; an RGB one whose channels are equal may too: compare like with like.
    if (candidate.channels !== reference.channels) candidate = expandGray(candidate, reference.channels);
    if (withSsim) {
      const metrics = computeMetrics(reference, candidate);
      point.psnr = metrics.psnr;
      point.ssim = metrics.ssim;
    } else {
      point.psnr = psnrFromMse(meanSquaredError(reference, candidate), peakValue(reference.bitDepth));
    }
    this.#decoded = { key, pixels: decoded };
  }

  /** The quality whose probe file, scaled to the photo's area, comes closest to the target from below. */
  async #probeQuality(codec: LossyCodec, format: LossyFormat, targetBytes: number): Promise<number> {
    this.#probe ??= mosaic(this.#color);
    const { image, scale } = this.#probe;
    const predicted = async (quality: number) => {
      const key = keyOf(format, quality);
      let bytes = this.#probePoints.get(key);
      if (bytes === undefined) {
        bytes = (await codec.encode(image, format, quality)).length;
        this.#probePoints.set(key, bytes);
      }
      return bytes * scale;
    };
    let lo = 1;
    let hi = 100;
    if ((await predicted(1)) > targetBytes) return 1;
    if ((await predicted(100)) <= targetBytes) return 100;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((await predicted(mid)) <= targetBytes) lo = mid;
      else hi = mid;
    }
    return lo;
  }
}

function keyOf(format: LossyFormat, quality: number): string {
  return `${format}:${quality}`;
}

/**
 * A mosaic of TILE × TILE tiles taken on an even grid across the image, about PROBE_PIXELS in
 * all, and the ratio of the image's area to the mosaic's (to scale its bytes by).
 */
export function mosaic(image: PixelImage): { image: PixelImage; scale: number } {
  const { width, height, channels } = image;
  const across = Math.max(1, Math.floor(width / TILE));
  const down = Math.max(1, Math.floor(height / TILE));
  const wanted = Math.max(1, Math.round(PROBE_PIXELS / (TILE * TILE)));
  // As many tiles as wanted, spread over the grid in the image's aspect ratio.
  const share = Math.min(1, Math.sqrt(wanted / (across * down)));
  const cols = Math.max(1, Math.min(across, Math.round(across * share)));
  const rows = Math.max(1, Math.min(down, Math.round(down * share)));
  const mosaicWidth = cols * TILE;
  const mosaicHeight = rows * TILE;
  const pixels =
    image.bitDepth === 16 ? new Uint16Array(mosaicWidth * mosaicHeight * channels) : new Uint8Array(mosaicWidth * mosaicHeight * channels);
  for (let r = 0; r < rows; r++) {
    const top = Math.floor(((r + 0.5) * height) / rows - TILE / 2);
    const y0 = Math.max(0, Math.min(height - TILE, top));
    for (let c = 0; c < cols; c++) {
      const left = Math.floor(((c + 0.5) * width) / cols - TILE / 2);
      const x0 = Math.max(0, Math.min(width - TILE, left));
      for (let y = 0; y < TILE; y++) {
        const from = ((y0 + y) * width + x0) * channels;
        const to = ((r * TILE + y) * mosaicWidth + c * TILE) * channels;
        pixels.set(image.pixels.subarray(from, from + TILE * channels), to);
      }
    }
  }
  return {
    image: { width: mosaicWidth, height: mosaicHeight, channels: image.channels, bitDepth: image.bitDepth, pixels },
    scale: (width * height) / (mosaicWidth * mosaicHeight),
  };
}

function expandGray(image: PixelImage, channels: number): PixelImage {
  const count = image.width * image.height;
  const pixels = image.bitDepth === 16 ? new Uint16Array(count * channels) : new Uint8Array(count * channels);
  for (let i = 0; i < count; i++) for (let c = 0; c < channels; c++) pixels[i * channels + c] = image.pixels[i * image.channels];
  return { ...image, channels: channels as PixelImage['channels'], pixels };
}
