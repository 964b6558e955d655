/**
 * The app:// protocol: the studio's pages come from the app's own files (dist/renderer inside the
 * asar), never from a web server or file:// URLs, each response carrying the CSP (csp.ts) and the
 * cross-origin isolation headers (renderer-files.ts: the page's threads share pixels). A
 * privileged standard scheme, so module workers, fetch() of the codecs' .wasm and of the samples
 * work as on the web. Requests outside the renderer folder are refused.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from './csp.js';
import { CROSS_ORIGIN_ISOLATION, contentType, fileUnder } from './renderer-files.js';
import { APP_SCHEME } from './window-options.js';

/** Before app ready: app:// is standard, secure and may use fetch and workers. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true, codeCache: true },
    },
  ]);
}

/** After app ready: serve `root` (dist/renderer) on app://studio/. */
export function serveRenderer(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const path = fileUnder(root, new URL(request.url).pathname);
    if (!path) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(path);
      return new Response(body, {
        headers: {
          'Content-Type': contentType(path),
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          'X-Content-Type-Options': 'nosniff',
          ...CROSS_ORIGIN_ISOLATION,
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
