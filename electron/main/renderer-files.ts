/**
 * Serving the built renderer (dist/renderer) by URL path: which file a path names (never one
 * outside the folder), its Content-Type and the cross-origin isolation headers. The app://
 * protocol handler uses it, and so do the test and benchmark servers that stand in for it. No
 * Electron import.
 */
import { extname, join, normalize, sep } from 'node:path';

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * The headers that make the studio's page cross-origin isolated, so its threads can share a
 * photo's pixels in a SharedArrayBuffer instead of each copying them
 * (renderer/src/shared/shared-memory.ts). Every file the page loads is its own (same origin),
 * so requiring CORP of cross-origin resources takes nothing away.
 */
export const CROSS_ORIGIN_ISOLATION: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export function contentType(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The file under `root` that a URL's (still percent-encoded) path names — index.html for "/" — or null if it lies outside. */
export function fileUnder(root: string, urlPathname: string): string | null {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPathname).replace(/^\/+/, '') || 'index.html';
  } catch {
    return null;
  }
  const base = normalize(root.endsWith(sep) ? root : root + sep);
  const path = normalize(join(base, relative));
  return path.startsWith(base) ? path : null;
}
