/**
 * The packaged flow in the real Electron app (Playwright's _electron): launch, open a photo via
 * the File menu (the native dialog answered by a stub in the main process), export a .svd file
 * through the save dialog, the menu's commands, and a second launch handing its file to the
 * running window. These run wherever the Electron binary is installed (`npm ci` without
 * ELECTRON_SKIP_BINARY_DOWNLOAD, on Linux under xvfb-run or a desktop) and are skipped — saying
 * so — where it is not, as on this project's CI machines.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { decodeSvd } from '../../core/index.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/csp.js';
import { samplesDir } from '../helpers/samples.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The installed Electron executable, found the way the electron package finds it (path.txt and
 * dist/, or ELECTRON_OVERRIDE_DIST_PATH) without require('electron'): that would try to
 * download the binary when it is missing.
 */
function electronBinary(): string | null {
  try {
    const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(packageDir, 'path.txt');
    const relative = existsSync(pathFile)
      ? readFileSync(pathFile, 'utf8').trim()
      : process.platform === 'win32'
        ? 'electron.exe'
        : 'electron';
    const full = process.env.ELECTRON_OVERRIDE_DIST_PATH
      ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative)
      : join(packageDir, 'dist', relative);
    return existsSync(full) ? full : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const built = existsSync(join(root, 'dist/electron/main.mjs')) && existsSync(join(root, 'dist/renderer/index.html'));
const SKIP_REASON = !binary
  ? 'SKIPPED: the Electron binary is not installed (npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1); the desktop path is tested in Chromium by electron-host.spec.ts'
  : 'SKIPPED: run npm run build first (dist/electron/main.mjs, dist/renderer)';

test.describe('the desktop app (Electron)', () => {
  test.describe.configure({ mode: 'serial' });
  test.skip(!binary || !built, SKIP_REASON);
  if (!binary || !built) console.log(`electron-app.spec.ts: ${SKIP_REASON}`);

  let app: ElectronApplication;
  let window: Page;
  const userData = mkdtempSync(join(tmpdir(), 'svd-electron-user-'));
  const saveFolder = mkdtempSync(join(tmpdir(), 'svd-electron-save-'));

  test.beforeAll(async () => {
    app = await electron.launch({
      executablePath: binary!,
      args: [root, `--user-data-dir=${userData}`],
      cwd: root,
      env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
    });
    window = await app.firstWindow();
    await expect(window.getByTestId('viewer')).toHaveAttribute('data-state', 'empty', { timeout: 90_000 });
  });

  test.afterAll(async () => {
    await app?.close();
  });

  test('the window is isolated: no Node, window.studio only, the CSP applied', async () => {
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await window.evaluate(() => Object.keys((globalThis as unknown as { studio: object }).studio).sort())).toEqual(
      [
        'encodeImage',
        'onFileOpenFailed',
        'onFileOpened',
        'onMenuCommand',
        'openDialog',
        'openDropped',
        'openRecent',
        'recentFiles',
        'saveFile',
      ].sort(),
    );
    expect(window.url()).toBe('app://studio/index.html');
    const policy = await window.evaluate(async () => (await fetch('app://studio/index.html')).headers.get('content-security-policy'));
    expect(policy).toBe(CONTENT_SECURITY_POLICY);
    // Navigating away is refused.
    await window.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await window.waitForTimeout(500);
    expect(window.url()).toBe('app://studio/index.html');
  });

  test('File ▸ Open… opens a photo through the native dialog; it decomposes; Export saves a .svd', async () => {
    const photo = join(samplesDir, 'astronaut_512x512_rgb.png');
    await app.evaluate(({ dialog }, path) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [path] })) as typeof dialog.showOpenDialog;
    }, photo);
    await app.evaluate(({ Menu }) => {
      const file = Menu.getApplicationMenu()!.items.find((item) => item.label === 'File')!;
      file.submenu!.items.find((item) => item.label === 'Open…')!.click();
    });
    await expect(window.getByTestId('viewer')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
    await expect(window.locator('.doc strong')).toHaveText('astronaut_512x512_rgb.png');

    const target = join(saveFolder, 'saved.svd');
    await app.evaluate(({ dialog }, path) => {
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath: path })) as typeof dialog.showSaveDialog;
    }, target);
    await window.getByTestId('export-open').click();
    await window.getByTestId('export-format').selectOption('svd');
    await window.getByTestId('export-save').click();
    await expect(window.getByTestId('saved-view')).toBeVisible({ timeout: 90_000 });
    const decoded = decodeSvd(new Uint8Array(readFileSync(target)));
    expect([decoded.header.width, decoded.header.height]).toEqual([512, 512]);
  });

  test('View menu commands reach the window', async () => {
    await app.evaluate(({ Menu }) => {
      const view = Menu.getApplicationMenu()!.items.find((item) => item.label === 'View')!;
      view.submenu!.items.find((item) => item.label === 'Error Heat Map')!.click();
    });
    await expect(window.getByTestId('viewer')).toHaveAttribute('data-mode', 'error');
  });

  test('a second launch hands its file to the running window and exits', async () => {
    const second = spawn(binary!, [root, `--user-data-dir=${userData}`, join(samplesDir, 'tulips_alpha_500x500_rgba.png')], {
      cwd: root,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => second.on('exit', resolve));
    await expect(window.locator('.doc strong')).toHaveText('tulips_alpha_500x500_rgba.png', { timeout: 180_000 });
    expect(await exited).toBe(0);
  });
});
