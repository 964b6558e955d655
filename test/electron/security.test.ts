/**
 * The desktop app's security settings, asserted on what the app really uses: the options object
 * main passes to new BrowserWindow (window-options.ts, the only constructor call in main.ts), the
 * CSP the app:// handler sends (the same constant; the page is also run under it in Chromium:
 * test/e2e/studio/electron-host.spec.ts), the fuses as electron-builder itself reads them from
 * electron-builder.yml, and the preload's surface (one method per contract channel, nothing else).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { windowOptions } from '../../electron/main/window-options.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/csp.js';
import { CROSS_ORIGIN_ISOLATION } from '../../electron/main/renderer-files.js';
import { EVENT_CHANNELS, INVOKE_CHANNELS } from '../../electron/shared/ipc-contract.js';
import { METHOD_FOR_CHANNEL, METHOD_FOR_EVENT, createStudioApi } from '../../electron/preload/api.js';
import { createHandlers } from '../../electron/main/ipc/handlers.js';
import { RecentFiles } from '../../electron/main/services/recent-files.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = (path: string) => readFileSync(`${root}${path}`, 'utf8');

describe('BrowserWindow options', () => {
  it('isolate and sandbox the renderer, with no Node anywhere', () => {
    const options = windowOptions('/app/dist/electron/preload.cjs');
    expect(options.webPreferences).toEqual({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    });
  });

  it('are the options main.ts constructs its one window with', () => {
    const main = source('electron/main/main.ts');
    const constructions = [...main.matchAll(/new BrowserWindow\(([^)]*)\)/g)];
    expect(constructions).toHaveLength(1);
    expect(constructions[0][1]).toMatch(/^windowOptions\(preloadPath/);
    // Navigation, new windows, webviews and permission requests are refused for every web contents.
    for (const guard of [
      "'will-navigate'",
      "'will-redirect'",
      "'will-attach-webview'",
      'setWindowOpenHandler',
      "action: 'deny'",
      'setPermissionRequestHandler',
    ]) {
      expect(main).toContain(guard);
    }
  });
});

describe('Content-Security-Policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it('allows scripts, workers and fetches only from the app, WebAssembly but no eval', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives.get('worker-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:|\*/);
  });

  it('is the header the app:// protocol sends', () => {
    const protocol = source('electron/main/app-protocol.ts');
    expect(protocol).toContain("'Content-Security-Policy': CONTENT_SECURITY_POLICY");
  });
});

describe("Cross-origin isolation (the page's workers share pixels)", () => {
  it('is asked by the headers the app:// protocol sends with every response', () => {
    expect(CROSS_ORIGIN_ISOLATION).toEqual({ 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    expect(source('electron/main/app-protocol.ts')).toContain('...CROSS_ORIGIN_ISOLATION');
  });

  it('is what the dev and preview servers send too (renderer/vite.config.ts spells the headers itself: it may not import electron/)', async () => {
    const config = (await import('../../renderer/vite.config.js')).default as {
      server?: { headers?: object };
      preview?: { headers?: object };
    };
    expect(config.server?.headers).toEqual(CROSS_ORIGIN_ISOLATION);
    expect(config.preview?.headers).toEqual(CROSS_ORIGIN_ISOLATION);
  });
});

describe('Electron fuses, as electron-builder reads electron-builder.yml', () => {
  it('turn off run-as-node, NODE_OPTIONS and inspect; turn on cookie encryption, asar integrity, asar only', async () => {
    const { getConfig } = await import('app-builder-lib/out/util/config/config.js');
    const config = await getConfig(root, null, null);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.productName).toBe('SVD Studio');
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/node_modules/sharp/**']));
    const associations = ([] as { ext: string | string[] }[]).concat(config.fileAssociations as never);
    expect(associations.some((entry) => entry.ext === 'svd')).toBe(true);
  });
});

describe('the preload and the handlers follow the contract', () => {
  it('window.studio has one method per channel and nothing else (no ipcRenderer)', async () => {
    const calls: unknown[][] = [];
    const api = createStudioApi(
      async (channel, ...args) => {
        calls.push([channel, ...args]);
        return { ok: true, value: null };
      },
      () => () => {},
      () => '/somewhere/photo.png',
    );
    expect(Object.keys(METHOD_FOR_CHANNEL).sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(Object.keys(METHOD_FOR_EVENT).sort()).toEqual([...EVENT_CHANNELS].sort());
    expect(Object.keys(api).sort()).toEqual([...Object.values(METHOD_FOR_CHANNEL), ...Object.values(METHOD_FOR_EVENT)].sort());
    // Each method invokes its own channel.
    await api.openDialog();
    await api.openDropped({});
    await api.openRecent(2);
    await api.recentFiles();
    expect(calls.map((call) => call[0])).toEqual(['image:open-dialog', 'image:open-dropped', 'image:open-recent', 'recent:list']);
    expect(calls[1][1]).toBe('/somewhere/photo.png');
    const preload = source('electron/preload/preload.ts');
    expect([...preload.matchAll(/exposeInMainWorld\(/g)]).toHaveLength(1);
    expect(preload).toMatch(/exposeInMainWorld\(\s*'studio',\s*createStudioApi\(/);
  });

  it('a failed call throws its one-line message; a file without a path is refused in the preload', async () => {
    const api = createStudioApi(
      async () => ({ ok: false, error: 'photo.png: not an image' }),
      () => () => {},
      () => '',
    );
    await expect(api.openDialog()).rejects.toThrow('photo.png: not an image');
    await expect(api.openDropped({})).rejects.toThrow(/no path on disk/);
  });

  it('main registers exactly the contract’s handlers', () => {
    const handlers = createHandlers({
      chooseFileToOpen: async () => null,
      chooseSavePath: async () => null,
      recent: new RecentFiles('/nonexistent/recent.json'),
    });
    expect(Object.keys(handlers).sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(source('electron/main/ipc/register.ts')).toMatch(/for \(const channel of INVOKE_CHANNELS\)/);
  });
});
