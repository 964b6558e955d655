/**
 * An in-process static file server for dist/renderer/ (the built studio): paths, Content-Type
 * and cross-origin isolation headers as the desktop app's app:// protocol serves them
 * (electron/main/renderer-files.ts), or with `isolated` false none of those headers, as a plain
 * file server would.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CROSS_ORIGIN_ISOLATION, contentType, fileUnder } from '../../../electron/main/renderer-files.js';

/** Serves `root` on 127.0.0.1 at a free port; `isolated`: with COOP/COEP. */
export async function serveStatic(root: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    try {
      let file = fileUnder(root, new URL(request.url ?? '/', 'http://localhost').pathname);
      if (!file) throw new Error('outside');
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file) || !statSync(file).isFile()) {
        response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      response.writeHead(200, {
        'Content-Type': contentType(file),
        'Content-Length': statSync(file).size,
        'Cache-Control': 'no-cache',
        ...(isolated ? CROSS_ORIGIN_ISOLATION : {}),
      });
      if (request.method === 'HEAD') response.end();
      else createReadStream(file).pipe(response);
    } catch {
      response.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}
