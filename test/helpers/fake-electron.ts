/**
 * A stand-in for the 'electron' module, for running the real main process (electron/main/main.ts,
 * bundled with this in its place) under Node in tests: it records what main asks of Electron
 * (schemes, protocol handlers, IPC handlers, windows and their options, menus, sent messages)
 * and lets the test fire Electron's events. State lives on globalThis.__fakeElectron.
 */
import { EventEmitter } from 'node:events';

interface FakeState {
  schemes: unknown[];
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  ipcHandlers: Map<string, (event: unknown, ...args: unknown[]) => unknown>;
  windows: FakeBrowserWindow[];
  menus: { template: unknown[] }[];
  permissionHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null;
  readyCalled: boolean;
  resolveReady: () => void;
  userData: string;
  appPath: string;
  recentDocuments: string[];
  quit: boolean;
}

const state: FakeState = ((globalThis as { __fakeElectron?: FakeState }).__fakeElectron ??= (() => {
  let resolveReady = () => {};
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  return {
    schemes: [],
    protocolHandlers: new Map(),
    ipcHandlers: new Map(),
    windows: [],
    menus: [],
    permissionHandler: null,
    readyCalled: false,
    resolveReady,
    ready,
    userData: '',
    appPath: '',
    recentDocuments: [],
    quit: false,
  } as FakeState & { ready: Promise<void> };
})());

class FakeApp extends EventEmitter {
  isPackaged = false;
  requestSingleInstanceLock(): boolean {
    return true;
  }
  getPath(): string {
    return state.userData;
  }
  getAppPath(): string {
    return state.appPath;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  whenReady(): Promise<void> {
    state.readyCalled = true;
    return (state as FakeState & { ready: Promise<void> }).ready;
  }
  quit(): void {
    state.quit = true;
  }
  addRecentDocument(path: string): void {
    state.recentDocuments.push(path);
  }
}

export const app = new FakeApp();

export class FakeWebContents extends EventEmitter {
  sent: [string, unknown][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  send(channel: string, value: unknown): void {
    this.sent.push([channel, value]);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly options: unknown;
  readonly webContents = new FakeWebContents();
  loadedUrl = '';
  constructor(options: unknown) {
    super();
    this.options = options;
    state.windows.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
  }
  show(): void {}
  maximize(): void {}
  isMaximized(): boolean {
    return false;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
  getNormalBounds() {
    return { x: 10, y: 20, width: 1111, height: 777 };
  }
}
export { FakeBrowserWindow as BrowserWindow };

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    if (state.readyCalled && state.protocolHandlers.size) throw new Error('schemes registered after ready');
    state.schemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    state.protocolHandlers.set(scheme, handler);
  },
};

export const ipcMain = {
  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    if (state.ipcHandlers.has(channel)) throw new Error(`Second handler for ${channel}`);
    state.ipcHandlers.set(channel, handler);
  },
};

export const Menu = {
  buildFromTemplate(template: unknown[]) {
    return { template };
  },
  setApplicationMenu(menu: { template: unknown[] }): void {
    state.menus.push(menu);
  },
};

export const dialog = {
  async showOpenDialog() {
    return { canceled: true, filePaths: [] };
  },
  async showSaveDialog() {
    return { canceled: true };
  },
  async showMessageBox() {
    return { response: 0 };
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: FakeState['permissionHandler']): void {
      state.permissionHandler = handler;
    },
  },
};

export const shell = { openExternal: async () => {} };

export function fakeElectron(): FakeState {
  return state;
}
