/**
 * The main process's IPC handlers, one per channel of the contract, as plain functions over the
 * services (no Electron import: the same code runs under Electron's ipcMain — register.ts — and
 * in tests, where Playwright binds the renderer's window.studio to it with page.exposeFunction).
 * `dispatch` validates the channel and every argument first and answers {ok, value} | {ok, error}.
 */
import { basename, extname } from 'node:path';
import {
  INVOKE_CHANNELS,
  IpcValidationError,
  validators,
  type InvokeArgs,
  type InvokeChannel,
  type InvokeResult,
  type IpcResult,
  type OpenedFile,
} from '../../shared/ipc-contract.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { checkDroppedPath } from '../services/file-access.js';
import { encodeImage } from '../../io/image-io.js';
import { openFile } from '../services/open-file.js';
import type { RecentFiles } from '../services/recent-files.js';

/** What the handlers need from the rest of main: the native dialogs and the recent-files list. */
export interface MainServices {
  /** Shows the open dialog; the chosen path, or null. */
  chooseFileToOpen(): Promise<string | null>;
  /** Shows the save dialog proposing `suggestedName` (it asks before replacing a file); the chosen path, or null. */
  chooseSavePath(suggestedName: string): Promise<string | null>;
  recent: RecentFiles;
  /** Called with each path opened (the window title, the OS's recent documents). */
  onOpened?(path: string): void;
}

export type Handlers = { [C in InvokeChannel]: (...args: InvokeArgs<C>) => Promise<InvokeResult<C>> };

/** Opens a path main obtained or checked, and remembers it (recent list, onOpened). */
export async function openAndRemember(services: Pick<MainServices, 'recent' | 'onOpened'>, path: string): Promise<OpenedFile> {
  const opened = await openFile(path);
  await services.recent.add(path);
  services.onOpened?.(path);
  return opened;
}

export function createHandlers(services: MainServices): Handlers {
  const open = (path: string) => openAndRemember(services, path);
  return {
    'image:open-dialog': async () => {
      const path = await services.chooseFileToOpen();
      return path === null ? null : open(path);
    },
    'image:open-dropped': async (path) => open(await checkDroppedPath(path)),
    'image:open-recent': async (index) => {
      const paths = await services.recent.list();
      const path = paths[index];
      if (path === undefined) throw new Error('That recent file is no longer in the list');
      try {
        return await open(path);
      } catch (error) {
        // A file that went away leaves the list.
        await services.recent.remove(path);
        throw error;
      }
    },
    'image:encode': async (request) => {
      const { format, quality, ...image } = request;
      return encodeImage(image, format, { quality });
    },
    'file:save': async ({ bytes, suggestedName }) => {
      const path = await services.chooseSavePath(suggestedName);
      if (path === null) return null;
      const expected = extname(suggestedName).toLowerCase();
      // The dialog's own overwrite question has been answered: replace atomically.
      const target = extname(path) === '' && expected ? `${path}${expected}` : path;
      await writeFileAtomic(target, bytes, { overwrite: true });
      return { name: basename(target) };
    },
    'recent:list': async () => services.recent.names(),
  };
}

/** Validates and runs one call; never throws. */
export async function dispatch(handlers: Handlers, channel: unknown, args: readonly unknown[]): Promise<IpcResult<unknown>> {
  if (typeof channel !== 'string' || !(INVOKE_CHANNELS as readonly string[]).includes(channel)) {
    return { ok: false, error: `Unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}` };
  }
  const name = channel as InvokeChannel;
  try {
    const checked = validators[name](args);
    const handler = handlers[name] as (...values: unknown[]) => Promise<unknown>;
    return { ok: true, value: await handler(...checked) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: error instanceof IpcValidationError ? `Refused: ${message}` : message.split('\n')[0] };
  }
}
