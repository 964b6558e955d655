/**
 * window.studio: one method per IPC channel of the contract (electron/shared/ipc-contract.ts),
 * built from an `invoke` function. The real preload (preload.ts) passes ipcRenderer.invoke;
 * the end-to-end tests pass a function bound with page.exposeFunction to the real handlers, so
 * the renderer is tested against this very factory. Never exposes ipcRenderer itself.
 */
import type { EventChannel, EventChannels, InvokeChannel, IpcResult, StudioApi } from '../shared/ipc-contract.js';

export type { StudioApi };

export type Invoke = (channel: InvokeChannel, ...args: unknown[]) => Promise<unknown>;
export type Subscribe = <E extends EventChannel>(channel: E, listener: (value: EventChannels[E]) => void) => () => void;
/** webUtils.getPathForFile in Electron: the path of a File the person dropped ('' when it has none). */
export type PathForFile = (file: unknown) => string;

/** Which method serves which invoke channel (one each; the security test checks it against the contract). */
export const METHOD_FOR_CHANNEL = {
  'image:open-dialog': 'openDialog',
  'image:open-dropped': 'openDropped',
  'image:open-recent': 'openRecent',
  'image:encode': 'encodeImage',
  'file:save': 'saveFile',
  'recent:list': 'recentFiles',
} as const satisfies Record<InvokeChannel, keyof StudioApi>;

export const METHOD_FOR_EVENT = {
  'menu:command': 'onMenuCommand',
  'file:opened': 'onFileOpened',
  'file:open-failed': 'onFileOpenFailed',
} as const satisfies Record<EventChannel, keyof StudioApi>;

export function createStudioApi(invoke: Invoke, subscribe: Subscribe, pathForFile: PathForFile): StudioApi {
  async function call<T>(channel: InvokeChannel, ...args: unknown[]): Promise<T> {
    const result = (await invoke(channel, ...args)) as IpcResult<T>;
    if (!result || typeof result !== 'object' || !('ok' in result)) throw new Error(`No answer from the main process for ${channel}`);
    if (!result.ok) throw new Error(result.error);
    return result.value;
  }
  return {
    openDialog: () => call('image:open-dialog'),
    openDropped: (file) => {
      const path = pathForFile(file);
      if (!path) return Promise.reject(new Error('This file has no path on disk (it may come from another program); save it first'));
      return call('image:open-dropped', path);
    },
    openRecent: (index) => call('image:open-recent', index),
    encodeImage: (request) => call('image:encode', request),
    saveFile: (request) => call('file:save', request),
    recentFiles: () => call('recent:list'),
    onMenuCommand: (listener) => subscribe('menu:command', listener),
    onFileOpened: (listener) => subscribe('file:opened', listener),
    onFileOpenFailed: (listener) => subscribe('file:open-failed', listener),
  };
}
