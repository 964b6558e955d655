/**
 * Settings that persist between sessions (localStorage): view mode and side, error gain,
 * export format and qualities, working rank. Unknown or damaged stored values fall back to defaults.
 */
import { DEFAULT_QUALITY, type ExportFormat, type ImageFormat } from '../../../core/index.js';
import type { ViewMode } from '../workers/preview/protocol.js';

const KEY = 'svd-studio.settings.v1';
const VIEW_MODES: readonly ViewMode[] = ['compare', 'error', 'residual', 'component'];
const FORMATS: readonly ExportFormat[] = ['svd', 'png', 'jpeg', 'webp', 'avif'];
export const WORKING_RANKS = [64, 128, 256, 384, 512] as const;

interface Stored {
  viewMode: ViewMode;
  flipped: boolean;
  errorGain: number;
  exportFormat: ExportFormat;
  quality: Record<Exclude<ImageFormat, 'png'>, number>;
  svdPrecision: 'standard' | 'fine';
  workingRank: number;
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
  viewMode = $state<ViewMode>('compare');
  flipped = $state(false);
  errorGain = $state(8);
  exportFormat = $state<ExportFormat>('svd');
  quality = $state<Record<Exclude<ImageFormat, 'png'>, number>>({ ...DEFAULT_QUALITY });
  svdPrecision = $state<'standard' | 'fine'>('standard');
  workingRank = $state(256);

  constructor() {
    const stored = load();
    if (VIEW_MODES.includes(stored.viewMode as ViewMode)) this.viewMode = stored.viewMode!;
    if (typeof stored.flipped === 'boolean') this.flipped = stored.flipped;
    if ([1, 2, 4, 8, 16, 32].includes(stored.errorGain as number)) this.errorGain = stored.errorGain!;
    if (FORMATS.includes(stored.exportFormat as ExportFormat)) this.exportFormat = stored.exportFormat!;
    const q = stored.quality ?? ({} as Partial<Stored['quality']>);
    this.quality = {
      jpeg: clampQuality(q.jpeg, DEFAULT_QUALITY.jpeg),
      webp: clampQuality(q.webp, DEFAULT_QUALITY.webp),
      avif: clampQuality(q.avif, DEFAULT_QUALITY.avif),
    };
    if (stored.svdPrecision === 'fine') this.svdPrecision = 'fine';
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
      svdPrecision: this.svdPrecision,
      workingRank: this.workingRank,
    };
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(value));
    } catch {
      // Storage full or disabled: settings just do not persist.
    }
  }
}
