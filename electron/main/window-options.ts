/**
 * The options main passes to new BrowserWindow() (window.ts uses exactly this object; the
 * security test asserts on it): context isolation, sandbox, no Node integration anywhere, web
 * security on, no insecure content, no webview tag, spellcheck off.
 */
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://studio`;
export const START_URL = `${APP_ORIGIN}/index.html`;

export function windowOptions(preloadPath: string, bounds?: Partial<Rectangle>): BrowserWindowConstructorOptions {
  return {
    width: bounds?.width ?? 1280,
    height: bounds?.height ?? 820,
    x: bounds?.x,
    y: bounds?.y,
    minWidth: 900,
    minHeight: 600,
    title: 'SVD Studio',
    show: false,
    backgroundColor: '#17181b',
    webPreferences: {
      preload: preloadPath,
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
    },
  };
}
