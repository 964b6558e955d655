/** Native open and save dialogs, parented to the studio's window. */
import { dialog, type BrowserWindow } from 'electron';
import { extname } from 'node:path';
import { OPENABLE_EXTENSIONS } from './file-access.js';

const IMAGE_EXTENSIONS = OPENABLE_EXTENSIONS.filter((extension) => extension !== '.svd').map((extension) => extension.slice(1));

export async function chooseFileToOpen(window: BrowserWindow | null): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: 'Open a photo or .svd file',
    properties: ['openFile'],
    filters: [
      { name: 'Photos and .svd files', extensions: [...IMAGE_EXTENSIONS, 'svd'] },
      { name: 'Photos', extensions: IMAGE_EXTENSIONS },
      { name: '.svd files', extensions: ['svd'] },
    ],
  };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}

const FILTERS: Record<string, Electron.FileFilter> = {
  '.svd': { name: '.svd file', extensions: ['svd'] },
  '.png': { name: 'PNG image', extensions: ['png'] },
  '.jpg': { name: 'JPEG image', extensions: ['jpg', 'jpeg'] },
  '.webp': { name: 'WebP image', extensions: ['webp'] },
  '.avif': { name: 'AVIF image', extensions: ['avif'] },
  '.csv': { name: 'CSV table', extensions: ['csv'] },
};

export async function chooseSavePath(window: BrowserWindow | null, suggestedName: string): Promise<string | null> {
  const filter = FILTERS[extname(suggestedName).toLowerCase()];
  const options: Electron.SaveDialogOptions = {
    title: 'Save',
    defaultPath: suggestedName,
    filters: filter ? [filter] : [],
    properties: ['showOverwriteConfirmation', 'createDirectory'],
  };
  const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}
