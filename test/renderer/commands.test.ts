/** The studio's key map (renderer/src/shared/commands.ts): one list of commands for keys and the menu. */
import { describe, expect, it } from 'vitest';
import { commandForKey, type KeyContext, type KeyPress } from '../../renderer/src/shared/commands.js';
import { availableViewModes, stepViewMode, VIEW_MODES } from '../../renderer/src/shared/view-modes.js';
import { MENU_COMMANDS } from '../../electron/shared/ipc-contract.js';

const press = (key: string, modifiers: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...modifiers,
});
const onCanvas: KeyContext = { typing: false, onModeRadio: false, onOtherSlider: false, hasDocument: true };

describe('commandForKey', () => {
  it('maps the rank, zoom, mode and side keys on the canvas', () => {
    const cases: [KeyPress, string][] = [
      [press('ArrowRight'), 'rank+1'],
      [press('ArrowUp'), 'rank+1'],
      [press('ArrowLeft'), 'rank-1'],
      [press('ArrowDown'), 'rank-1'],
      [press('ArrowRight', { shiftKey: true }), 'rank+10'],
      [press('ArrowLeft', { shiftKey: true }), 'rank-10'],
      [press('PageUp'), 'rank+10'],
      [press('PageDown'), 'rank-10'],
      [press('Home'), 'rank-first'],
      [press('End'), 'rank-last'],
      [press('+'), 'zoom-in'],
      [press('='), 'zoom-in'],
      [press('-'), 'zoom-out'],
      [press('0'), 'zoom-fit'],
      [press('1'), 'zoom-actual'],
      [press('c'), 'mode-next'],
      [press('X'), 'swap-sides'],
      [press('['), 'component-previous'],
      [press(']'), 'component-next'],
      [press('l'), 'learn'],
      [press('L'), 'learn'],
    ];
    for (const [key, command] of cases) expect(commandForKey(key, onCanvas), key.key).toBe(command);
    expect(commandForKey(press('q'), onCanvas)).toBeNull();
  });

  it('Ctrl/⌘+O, E, S and Escape work everywhere, even while typing and with no image', () => {
    const typingNoImage: KeyContext = { ...onCanvas, typing: true, hasDocument: false };
    expect(commandForKey(press('o', { ctrlKey: true }), typingNoImage)).toBe('open');
    expect(commandForKey(press('O', { metaKey: true }), typingNoImage)).toBe('open');
    expect(commandForKey(press('e', { ctrlKey: true }), typingNoImage)).toBe('export');
    expect(commandForKey(press('s', { ctrlKey: true }), typingNoImage)).toBe('save');
    expect(commandForKey(press('Escape'), typingNoImage)).toBe('escape');
  });

  it('text fields keep their keys; nothing else happens without an image or with Alt or Ctrl', () => {
    expect(commandForKey(press('ArrowRight'), { ...onCanvas, typing: true })).toBeNull();
    expect(commandForKey(press('1'), { ...onCanvas, typing: true })).toBeNull();
    expect(commandForKey(press('ArrowRight'), { ...onCanvas, hasDocument: false })).toBeNull();
    expect(commandForKey(press('ArrowRight', { altKey: true }), onCanvas)).toBeNull();
    expect(commandForKey(press('x', { ctrlKey: true }), onCanvas)).toBeNull();
  });

  it('the mode radio group moves with ←/→; a per-channel slider keeps its arrows but not the other keys', () => {
    const onRadio = { ...onCanvas, onModeRadio: true };
    expect(commandForKey(press('ArrowRight'), onRadio)).toBe('mode-next');
    expect(commandForKey(press('ArrowLeft'), onRadio)).toBe('mode-previous');
    expect(commandForKey(press('ArrowUp'), onRadio)).toBe('rank+1');
    const onChannelSlider = { ...onCanvas, onOtherSlider: true };
    expect(commandForKey(press('ArrowRight'), onChannelSlider)).toBeNull();
    expect(commandForKey(press('PageUp'), onChannelSlider)).toBe('rank+10');
  });

  it('every menu command is a view mode the toolbar has, or one the runner knows by name', () => {
    for (const command of MENU_COMMANDS.filter((c) => c.startsWith('mode-'))) {
      expect(VIEW_MODES.map((mode) => `mode-${mode.value}`)).toContain(command);
    }
  });
});

describe('stepViewMode', () => {
  it('cycles through the toolbar order in both directions', () => {
    expect(stepViewMode('compare', 1)).toBe('error');
    expect(stepViewMode('component', 1)).toBe('compare');
    expect(stepViewMode('compare', -1)).toBe('component');
    expect(stepViewMode('error', availableViewModes(false).length)).toBe('error');
  });

  it('passes through the basis only with the patch model', () => {
    expect(availableViewModes(false).map((mode) => mode.value)).not.toContain('basis');
    expect(stepViewMode('component', 1, true)).toBe('basis');
    expect(stepViewMode('basis', 1, true)).toBe('compare');
    expect(stepViewMode('compare', -1, true)).toBe('basis');
    expect(stepViewMode('error', VIEW_MODES.length, true)).toBe('error');
    // A mode not available in the current model starts from the first.
    expect(stepViewMode('basis', 1, false)).toBe('error');
  });
});
