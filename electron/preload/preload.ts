/**
 * The preload (sandboxed, context-isolated): exposes window.studio — one method per IPC channel,
 * built by createStudioApi — and nothing else. Bundled to dist/electron/preload.cjs (a sandboxed
 * preload must be one CommonJS file).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, type EventChannel } from '../shared/ipc-contract.js';
import { createStudioApi, type Subscribe } from './api.js';

const subscribe: Subscribe = (channel, listener) => {
  if (!(EVENT_CHANNELS as readonly EventChannel[]).includes(channel)) throw new Error(`Unknown event ${channel}`);
  const wrapped = (_event: IpcRendererEvent, value: unknown) => listener(value as never);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
};

contextBridge.exposeInMainWorld(
  'studio',
  createStudioApi(
    (channel, ...args) => ipcRenderer.invoke(channel, ...args),
    subscribe,
    (file) => webUtils.getPathForFile(file as File),
  ),
);
