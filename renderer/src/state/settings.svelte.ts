/**
 * Settings that persist between sessions (localStorage): view mode and side, error gain,
 * export format and qualities, working rank, the PSNR and size targets. Unknown or damaged stored values fall back to defaults.
 */
import { DEFAULT_QUALITY, type ExportFormat, type ImageFormat } from '../../../core/index.js';
import type { StudioViewMode } from '../shared/view-modes.js';

const KEY = 'svd-studio.settings.v1';
const VIEW_MODES: readonly StudioViewMode[] = ['compare', 'error', 'residual', 'component', 'basis'];
const FORMATS: readonly ExportFormat[] = ['svd', 'png', 'jpeg', 'webp', 'avif'];
export const WORKING_RANKS = [64, 128, 256, 384, 512] as const;
/** The target control's ranges and starting values. */
export const TARGET_PSNR_RANGE = [20, 50] as const;
export const TARGET_BYTES_RANGE = [1_000, 50_000_000] as const;
export const DEFAULT_TARGET_PSNR = 34;
export const DEFAULT_TARGET_BYTES = 100_000;

interface Stored {
  viewMode: StudioViewMode;
  flipped: boolean;
  errorGain: number;
  exportFormat: ExportFormat;
  quality: Record<Exclude<ImageFormat, 'png'>, number>;
  workingRank: number;
  targetPsnr: number;
  targetBytes: number;
}

function load(): Partial<Stored> {
  try {
    const value = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '{}');
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

const clampQuality = (q: unknown, fallback: number) => (typeof q === 'number' && q >= 1 && q <= 100 ? Math.round(q) : fallback);

export class Settings {
  viewMode = $state<StudioViewMode>('compare');
  flipped = $state(false);
  errorGain = $state(8);
  exportFormat = $state<ExportFormat>('svd');
  quality = $state<Record<Exclude<ImageFormat, 'png'>, number>>({ ...DEFAULT_QUALITY });
  workingRank = $state(256);
  /** The PSNR target (dB) and the size target (bytes) of the target control. */
  targetPsnr = $state(DEFAULT_TARGET_PSNR);
  targetBytes = $state(DEFAULT_TARGET_BYTES);

  constructor() {
    const stored = load();
    if (VIEW_MODES.includes(stored.viewMode as StudioViewMode)) this.viewMode = stored.viewMode!;
    if (typeof stored.flipped === 'boolean') this.flipped = stored.flipped;
    if ([1, 2, 4, 8, 16, 32].includes(stored.errorGain as number)) this.errorGain = stored.errorGain!;
    if (FORMATS.includes(stored.exportFormat as ExportFormat)) this.exportFormat = stored.exportFormat!;
    const q = stored.quality ?? ({} as Partial<Stored['quality']>);
    this.quality = {
      jpeg: clampQuality(q.jpeg, DEFAULT_QUALITY.jpeg),
      webp: clampQuality(q.webp, DEFAULT_QUALITY.webp),
      avif: clampQuality(q.avif, DEFAULT_QUALITY.avif),
    };
    if (typeof stored.targetPsnr === 'number' && stored.targetPsnr >= TARGET_PSNR_RANGE[0] && stored.targetPsnr <= TARGET_PSNR_RANGE[1])
      this.targetPsnr = Math.round(stored.targetPsnr * 10) / 10;
    if (
      typeof stored.targetBytes === 'number' &&
      stored.targetBytes >= TARGET_BYTES_RANGE[0] &&
      stored.targetBytes <= TARGET_BYTES_RANGE[1]
    )
      this.targetBytes = Math.round(stored.targetBytes);
    if ((WORKING_RANKS as readonly number[]).includes(stored.workingRank as number)) this.workingRank = stored.workingRank!;
    $effect.root(() => {
      $effect(() => this.#save());
    });
  }

  #save(): void {
    const value: Stored = {
      viewMode: this.viewMode,
      flipped: this.flipped,
      errorGain: this.errorGain,
      exportFormat: this.exportFormat,
      quality: { ...this.quality },
      workingRank: this.workingRank,
      targetPsnr: this.targetPsnr,
      targetBytes: this.targetBytes,
    };
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(value));
    } catch {
      // Storage full or disabled: settings just do not persist.
    }
  }
}
