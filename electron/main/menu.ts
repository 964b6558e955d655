/** The application menu: File, View, Help (and the app menu on macOS). Commands go to the renderer. */
import { Menu, app, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../shared/ipc-contract.js';

export interface MenuActions {
  command(command: MenuCommand): void;
  openRecent(index: number): void;
  clearRecent(): void;
  about(): void;
  recent: { index: number; name: string }[];
}

export function buildMenu(actions: MenuActions): Menu {
  const mac = process.platform === 'darwin';
  const send = (command: MenuCommand) => () => actions.command(command);
  const recent: MenuItemConstructorOptions[] = actions.recent.length
    ? [
        ...actions.recent.map((entry) => ({ label: entry.name, click: () => actions.openRecent(entry.index) })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No recent files', enabled: false }];
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: send('open') },
        { label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: send('export') },
        { type: 'separator' },
        { label: 'Close', accelerator: 'CmdOrCtrl+W', click: send('close') },
        ...(mac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Zoom In', accelerator: 'CmdOrCtrl+Plus', click: send('zoom-in') },
        { label: 'Zoom Out', accelerator: 'CmdOrCtrl+-', click: send('zoom-out') },
        { label: 'Fit', accelerator: 'CmdOrCtrl+0', click: send('zoom-fit') },
        { label: 'Actual Size', accelerator: 'CmdOrCtrl+1', click: send('zoom-actual') },
        { type: 'separator' },
        { label: 'Compare', accelerator: 'CmdOrCtrl+Shift+1', click: send('mode-compare') },
        { label: 'Error Heat Map', accelerator: 'CmdOrCtrl+Shift+2', click: send('mode-error') },
        { label: 'Residual', accelerator: 'CmdOrCtrl+Shift+3', click: send('mode-residual') },
        { label: 'Single Component', accelerator: 'CmdOrCtrl+Shift+4', click: send('mode-component') },
        { label: 'Swap Sides', accelerator: 'CmdOrCtrl+Shift+X', click: send('swap-sides') },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
      ],
    },
    { role: 'help', submenu: [{ label: 'About SVD Studio', click: () => actions.about() }] },
  ];
  return Menu.buildFromTemplate(template);
}
