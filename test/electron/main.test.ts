/**
 * The real main process (electron/main/main.ts) run under Node with a recording stand-in for the
 * 'electron' module (test/helpers/fake-electron.ts) — the Electron binary cannot be installed
 * here. It checks the wiring the unit tests of the pieces cannot: the app:// scheme registered
 * before ready, exactly the contract's IPC handlers with the sender check, the protocol handler
 * serving the renderer with the CSP, the window built from windowOptions(), guards on every web
 * contents, permissions refused, the menu and its commands, files from the command line and from
 * a second launch opened and sent to the window, the window's bounds saved on close.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/csp.js';
import { windowOptions } from '../../electron/main/window-options.js';
import { INVOKE_CHANNELS } from '../../electron/shared/ipc-contract.js';
import { fakeElectron, type FakeBrowserWindow } from '../helpers/fake-electron.js';
import { samplesDir } from '../helpers/samples.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Beside the real main.mjs, so paths relative to the module (the preload) resolve as in the app.
const bundle = join(root, 'dist', 'electron', 'test-main-with-fake-electron.mjs');
const fakeModule = join(root, 'dist', 'test-fake-electron.mjs');
const state = fakeElectron();
let window: FakeBrowserWindow;

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (check()) return;
    await tick();
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/renderer/index.html'))) throw new Error('run npm run build first (dist/renderer)');
  // The fake as its own module, shared by the bundle and this test through globalThis.
  buildSync({
    entryPoints: [join(root, 'test/helpers/fake-electron.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: fakeModule,
    logLevel: 'silent',
  });
  await build({
    entryPoints: [join(root, 'electron/main/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: bundle,
    logLevel: 'silent',
    plugins: [
      {
        name: 'fake-electron',
        setup: (esbuild) => esbuild.onResolve({ filter: /^electron$/ }, () => ({ path: fakeModule, external: true })),
      },
    ],
  });
  state.userData = mkdtempSync(join(tmpdir(), 'svd-fake-userdata-'));
  state.appPath = root;
  process.argv = ['/usr/bin/electron', '.', join(samplesDir, 'astronaut_512x512_rgb.png'), '--some-switch'];
  await import(pathToFileURL(bundle).href);
  expect(state.schemes).toHaveLength(1); // before ready
  state.resolveReady();
  await until(() => state.windows.length === 1 && state.windows[0].loadedUrl !== '', 'the window');
  window = state.windows[0];
});

describe('the main process, wired', () => {
  it('registers app:// as a privileged standard scheme before ready, and serves the renderer with the CSP', async () => {
    expect(state.schemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
    const handler = state.protocolHandlers.get('app')!;
    const page = await handler(new Request('app://studio/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<div id="app">');
    const escape = await handler(new Request('app://studio/%2e%2e/%2e%2e/package.json'));
    expect(escape.status).toBe(404);
    expect((await handler(new Request('app://studio/missing.js'))).status).toBe(404);
  });

  it('builds its one window from windowOptions(), loads app://studio/, refuses permissions', () => {
    const options = window.options as { webPreferences: { preload: string } };
    expect(options.webPreferences.preload).toBe(join(root, 'dist/electron/preload.cjs'));
    expect(options).toEqual(windowOptions(options.webPreferences.preload, undefined));
    expect(window.loadedUrl).toBe('app://studio/index.html');
    let granted: boolean | null = null;
    state.permissionHandler!({}, 'geolocation', (value) => (granted = value));
    expect(granted).toBe(false);
  });

  it('registers exactly the contract’s handlers, answering only the studio’s own top frame', async () => {
    expect([...state.ipcHandlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    const handler = state.ipcHandlers.get('image:open-dropped')!;
    const sample = join(samplesDir, 'tulips_alpha_500x500_rgba.png');
    const foreign = await handler({ senderFrame: { url: 'https://evil.example/', parent: null } }, sample);
    expect(foreign).toEqual({ ok: false, error: 'Refused: the request did not come from the studio window' });
    const subframe = await handler({ senderFrame: { url: 'app://studio/index.html', parent: {} } }, sample);
    expect(subframe).toMatchObject({ ok: false });
    const own = (await handler({ senderFrame: { url: 'app://studio/index.html', parent: null } }, sample)) as {
      ok: boolean;
      value: { width: number };
    };
    expect(own.ok).toBe(true);
    expect(own.value.width).toBe(500);
  });

  it('opens the command line’s file once the page has loaded, and a second launch’s file', async () => {
    window.webContents.emit('did-finish-load');
    await until(() => window.webContents.sent.some(([channel]) => channel === 'file:opened'), 'the argv file');
    const first = window.webContents.sent.find(([channel]) => channel === 'file:opened')![1] as { name: string; kind: string };
    expect(first).toMatchObject({ kind: 'image', name: 'astronaut_512x512_rgb.png' });
    const { app } = await import(pathToFileURL(fakeModule).href);
    app.emit('second-instance', {}, ['/usr/bin/electron', '.', join(samplesDir, 'paintbrushes_1365x1074.jpg')]);
    await until(() => window.webContents.sent.filter(([channel]) => channel === 'file:opened').length === 2, 'the second launch’s file');
    app.emit('second-instance', {}, ['/usr/bin/electron', '.', join(state.userData, 'missing.png')]);
    expect(state.recentDocuments.length).toBeGreaterThanOrEqual(2);
  });

  it('guards every web contents: no navigation, no new windows (web links go to the browser), no webviews', async () => {
    const { app, FakeWebContents } = await import(pathToFileURL(fakeModule).href);
    const contents = new FakeWebContents();
    app.emit('web-contents-created', {}, contents);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      contents.emit(event, { preventDefault: () => (prevented = true) });
      expect(prevented, event).toBe(true);
    }
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'app://studio/other.html' })).toEqual({ action: 'deny' });
  });

  it('has the File, View and Help menus; their items send commands to the window', async () => {
    await until(() => state.menus.length > 0, 'the menu');
    type Item = { label?: string; role?: string; submenu?: Item[]; click?: () => void; accelerator?: string };
    const template = state.menus[state.menus.length - 1].template as Item[];
    const menu = (label: string) => template.find((item) => item.label === label)!.submenu!;
    expect(
      menu('File')
        .map((item) => item.label)
        .filter(Boolean),
    ).toEqual(['Open…', 'Open Recent', 'Export…', 'Close']);
    expect(
      menu('View')
        .map((item) => item.label)
        .filter(Boolean),
    ).toEqual(
      expect.arrayContaining(['Zoom In', 'Zoom Out', 'Fit', 'Actual Size', 'Compare', 'Error Heat Map', 'Residual', 'Single Component']),
    );
    expect(template.find((item) => item.role === 'help')!.submenu!.map((item) => item.label)).toEqual(['About SVD Studio']);
    // Open Recent lists what was opened.
    expect(
      menu('File')
        .find((item) => item.label === 'Open Recent')!
        .submenu!.map((item) => item.label),
    ).toContain('astronaut_512x512_rgb.png');
    menu('File').find((item) => item.label === 'Open…')!.click!();
    menu('View').find((item) => item.label === 'Error Heat Map')!.click!();
    expect(window.webContents.sent.filter(([channel]) => channel === 'menu:command').map(([, value]) => value)).toEqual([
      'open',
      'mode-error',
    ]);
  });

  it('remembers the window’s bounds when it closes', async () => {
    window.emit('close');
    const file = join(state.userData, 'window-state.json');
    await until(() => existsSync(file), 'the window state');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ bounds: { x: 10, y: 20, width: 1111, height: 777 }, maximized: false });
  });
});
