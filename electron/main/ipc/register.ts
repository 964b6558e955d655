/**
 * Registers exactly the contract's handlers on ipcMain. Each call is answered only for the
 * studio's own top-level page (the sender frame's URL is on app://studio/); then dispatch()
 * validates every argument before any work.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { INVOKE_CHANNELS } from '../../shared/ipc-contract.js';
import { APP_ORIGIN } from '../window-options.js';
import { dispatch, type Handlers } from './handlers.js';

export function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return frame.url.startsWith(`${APP_ORIGIN}/`);
}

export function registerHandlers(handlers: Handlers): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isTrustedSender(event)) return { ok: false, error: 'Refused: the request did not come from the studio window' };
      return dispatch(handlers, channel, args);
    });
  }
}
