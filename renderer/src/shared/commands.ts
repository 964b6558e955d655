/**
 * The studio's commands, one list for the keyboard and the desktop menu: `commandForKey` says
 * what a key press means (pure, tested in Node); ui/command-runner.ts carries a command out on
 * the studio's state. App.svelte routes both the window's keydown events and the host's menu
 * commands through them.
 */
import type { MenuCommand } from '../../../electron/shared/ipc-contract.js';

export type RankCommand = 'rank+1' | 'rank-1' | 'rank+10' | 'rank-10' | 'rank-first' | 'rank-last';

/**
 * Every command: the menu's (MenuCommand: open, export, close, zooms, view modes, swap sides)
 * and the keyboard's own. 'save' saves when the export panel is open and opens it otherwise;
 * 'escape' undoes the innermost thing (the large-photo offer, the export panel, Learn mode, the
 * running work, the saved-file view). 'learn' opens and closes Learn mode.
 */
export type Command =
  MenuCommand | RankCommand | 'save' | 'escape' | 'mode-next' | 'mode-previous' | 'component-next' | 'component-previous' | 'learn';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Where the key was pressed, as far as the studio cares. */
export interface KeyContext {
  /** Focus is in a text or number field, a select or an editable element: it keeps its keys. */
  typing: boolean;
  /** Focus is on one of the view-mode radio buttons: ←/→ move between the modes. */
  onModeRadio: boolean;
  /** Focus is on a slider other than the rank slider (a per-channel rank): it keeps its arrows. */
  onOtherSlider: boolean;
  /** An image is open. */
  hasDocument: boolean;
}

/** What a key press means to the studio, or null when the key is not the studio's. */
export function commandForKey(press: KeyPress, context: KeyContext): Command | null {
  const mod = press.ctrlKey || press.metaKey;
  const key = press.key.toLowerCase();
  if (mod && key === 'o') return 'open';
  if (mod && key === 'e') return 'export';
  if (mod && key === 's') return 'save';
  if (press.key === 'Escape') return 'escape';
  if (context.typing || mod || press.altKey || !context.hasDocument) return null;
  if (context.onModeRadio && (press.key === 'ArrowLeft' || press.key === 'ArrowRight')) {
    return press.key === 'ArrowRight' ? 'mode-next' : 'mode-previous';
  }
  if (context.onOtherSlider && press.key.startsWith('Arrow')) return null;
  switch (press.key) {
    case 'ArrowRight':
    case 'ArrowUp':
      return press.shiftKey ? 'rank+10' : 'rank+1';
    case 'ArrowLeft':
    case 'ArrowDown':
      return press.shiftKey ? 'rank-10' : 'rank-1';
    case 'PageUp':
      return 'rank+10';
    case 'PageDown':
      return 'rank-10';
    case 'Home':
      return 'rank-first';
    case 'End':
      return 'rank-last';
    case '+':
    case '=':
      return 'zoom-in';
    case '-':
    case '_':
      return 'zoom-out';
    case '0':
      return 'zoom-fit';
    case '1':
      return 'zoom-actual';
    case 'c':
    case 'C':
      return 'mode-next';
    case 'x':
    case 'X':
      return 'swap-sides';
    case '[':
      return 'component-previous';
    case ']':
      return 'component-next';
    case 'l':
    case 'L':
      return 'learn';
    default:
      return null;
  }
}
