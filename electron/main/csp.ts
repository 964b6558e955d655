/**
 * The Content-Security-Policy of the studio's pages in the desktop app, sent as a header by the
 * app:// protocol handler (app-protocol.ts). Scripts, workers, WebAssembly and fetches only from
 * the app itself; WebAssembly compilation allowed ('wasm-unsafe-eval', not 'unsafe-eval'); no
 * inline scripts, no plugins, no frames, no remote content of any kind.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "child-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
