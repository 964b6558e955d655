/** Number formatting for the panels: bytes, dB, ratios, percentages. */

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 2 : 1)} KB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

export function formatDb(value: number | null): string {
  return value === null ? '∞ dB' : `${value.toFixed(2)} dB`;
}

export function formatPercent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

export function formatRatio(ratio: number): string {
  return ratio >= 100 ? `${ratio.toFixed(0)} : 1` : `${ratio.toFixed(1)} : 1`;
}

export function formatMse(mse: number): string {
  return mse >= 100 ? mse.toFixed(1) : mse >= 1 ? mse.toFixed(3) : mse.toPrecision(3);
}

export function megapixels(width: number, height: number): string {
  return `${((width * height) / 1e6).toFixed(1)} MP`;
}
