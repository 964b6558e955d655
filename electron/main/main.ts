/**
 * The desktop app's main process: lifecycle and the window only. One instance (a second launch
 * hands its file to the running window), the window's size and position remembered, the menu,
 * files from the command line, the OS (macOS open-file) and the recent list. Everything else is
 * in services/ and ipc/. Bundled to dist/electron/main.mjs; the renderer is dist/renderer,
 * served on app://studio/ with a CSP (app-protocol.ts).
 */
import { existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, app, dialog, session, shell } from 'electron';
import type { EventChannel, EventChannels, MenuCommand } from '../shared/ipc-contract.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { createHandlers, openAndRemember } from './ipc/handlers.js';
import { registerHandlers } from './ipc/register.js';
import { buildMenu } from './menu.js';
import { chooseFileToOpen, chooseSavePath } from './services/dialogs.js';
import { OPENABLE_EXTENSIONS } from './services/file-access.js';
import { RecentFiles } from './services/recent-files.js';
import { loadWindowState, saveWindowState } from './services/window-state.js';
import { START_URL, windowOptions } from './window-options.js';
import { ABOUT_TEXT } from './about.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererRoot = join(app.getAppPath(), 'dist', 'renderer');
const preloadPath = join(here, 'preload.cjs');

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  const recent = new RecentFiles(join(app.getPath('userData'), 'recent-files.json'));
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  /** Files to open once the window is ready. */
  let pending: string[] = filesFromArgv(process.argv);

  const send = <E extends EventChannel>(channel: E, value: EventChannels[E]) => window?.webContents.send(channel, value);

  const rememberOpened = (path: string) => {
    app.addRecentDocument(path);
    refreshMenu();
  };

  const openPath = async (path: string) => {
    try {
      send('file:opened', await openAndRemember({ recent, onOpened: rememberOpened }, path));
    } catch (error) {
      send('file:open-failed', error instanceof Error ? error.message : String(error));
    }
  };

  const refreshMenu = () => {
    void recent.names().then((names) => {
      Menu.setApplicationMenu(
        buildMenu({
          recent: names,
          command: (command: MenuCommand) => send('menu:command', command),
          openRecent: (index) =>
            void recent.list().then((paths) => {
              if (paths[index]) void openPath(paths[index]);
            }),
          clearRecent: () => void recent.clear().then(refreshMenu),
          about: () => {
            const options = {
              type: 'info' as const,
              title: 'About SVD Studio',
              message: `SVD Studio ${app.getVersion()}`,
              detail: ABOUT_TEXT,
            };
            void (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options));
          },
        }),
      );
    });
  };

  const createWindow = async () => {
    const state = await loadWindowState(stateFile);
    window = new BrowserWindow(windowOptions(preloadPath, state.bounds));
    if (state.maximized) window.maximize();
    window.once('ready-to-show', () => window?.show());
    window.on('close', () => {
      if (!window) return;
      void saveWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
    });
    window.on('closed', () => {
      window = null;
    });
    window.webContents.on('did-finish-load', () => {
      const paths = pending;
      pending = [];
      for (const path of paths) void openPath(path);
    });
    await window.loadURL(START_URL);
  };

  app.on('second-instance', (_event, argv) => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
    for (const path of filesFromArgv(argv)) void openPath(path);
  });

  // macOS: a file opened from the Finder or dropped on the Dock icon (may come before ready).
  app.on('open-file', (event, path) => {
    event.preventDefault();
    if (window) void openPath(path);
    else pending.push(path);
  });

  // Every web contents: no navigation, no new windows, no webviews, no permissions.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (navigation) => navigation.preventDefault());
    contents.on('will-redirect', (navigation) => navigation.preventDefault());
    contents.on('will-attach-webview', (attach) => attach.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to the web (licences, project page) open in the person's browser, never in the app.
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (!window) void createWindow();
  });

  void app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    serveRenderer(rendererRoot);
    registerHandlers(
      createHandlers({
        chooseFileToOpen: () => chooseFileToOpen(window),
        chooseSavePath: (name) => chooseSavePath(window, name),
        recent,
        onOpened: rememberOpened,
      }),
    );
    refreshMenu();
    await createWindow();
  });
}

/** Paths of openable files among command-line arguments (options and the app's own path skipped). */
function filesFromArgv(argv: readonly string[]): string[] {
  const args = argv.slice(app.isPackaged ? 1 : 2);
  return args
    .filter((arg) => !arg.startsWith('-') && OPENABLE_EXTENSIONS.includes(extname(arg).toLowerCase()))
    .map((arg) => resolve(arg))
    .filter((path) => existsSync(path));
}
