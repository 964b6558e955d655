/** Carries out the studio's commands (shared/commands.ts) on its state, for keys and the menu alike. */
import type { Exporter } from '../state/exporter.svelte.js';
import type { Learn } from '../state/learn.svelte.js';
import type { Studio } from '../state/studio.svelte.js';
import type { ViewState } from '../state/view.svelte.js';
import type { Command } from '../shared/commands.js';
import { stepViewMode } from '../shared/view-modes.js';

export interface CommandTargets {
  studio: Studio;
  exporter: Exporter;
  view: ViewState;
  learn: Learn;
  /** Open…: the desktop's native dialog or the browser's file picker. */
  chooseFile(): void;
}

/** Carries commands out; `timeStamp` is the input event's, for the slider-latency measure. */
export function createCommandRunner({
  studio,
  exporter,
  view,
  learn,
  chooseFile,
}: CommandTargets): (command: Command, timeStamp?: number) => void {
  const settings = studio.settings;
  const actualSize = () => view.zoomTo(1 / (globalThis.devicePixelRatio || 1));
  return (command, timeStamp = performance.now()) => {
    switch (command) {
      case 'open':
        chooseFile();
        break;
      case 'learn':
        learn.toggle();
        break;
      case 'export':
        if (studio.document && studio.computedRank > 0) exporter.panelOpen = true;
        break;
      case 'save':
        if (!studio.document) break;
        if (exporter.panelOpen) void exporter.save();
        else exporter.panelOpen = true;
        break;
      case 'escape':
        if (studio.largeOffer) studio.declineReducedSize();
        else if (exporter.panelOpen) exporter.panelOpen = false;
        else if (learn.open) learn.close();
        else if (studio.computing || studio.opening) studio.cancel();
        else if (exporter.showingSaved) void exporter.backToLive();
        break;
      case 'close':
        exporter.panelOpen = false;
        studio.close();
        break;
      case 'zoom-in':
        view.zoomIn();
        break;
      case 'zoom-out':
        view.zoomOut();
        break;
      case 'zoom-fit':
        view.fit();
        break;
      case 'zoom-actual':
        actualSize();
        break;
      case 'swap-sides':
        settings.flipped = !settings.flipped;
        break;
      case 'mode-next':
        settings.viewMode = stepViewMode(studio.viewMode, 1, studio.coding.model === 'patch');
        break;
      case 'mode-previous':
        settings.viewMode = stepViewMode(studio.viewMode, -1, studio.coding.model === 'patch');
        break;
      case 'rank+1':
        studio.setRank(studio.rank + 1, timeStamp);
        break;
      case 'rank-1':
        studio.setRank(studio.rank - 1, timeStamp);
        break;
      case 'rank+10':
        studio.setRank(studio.rank + 10, timeStamp);
        break;
      case 'rank-10':
        studio.setRank(studio.rank - 10, timeStamp);
        break;
      case 'rank-first':
        studio.setRank(1, timeStamp);
        break;
      case 'rank-last':
        studio.setRank(studio.computedRank, timeStamp);
        break;
      case 'component-previous':
        if (settings.viewMode === 'component') view.component = Math.max(1, view.component - 1);
        break;
      case 'component-next':
        if (settings.viewMode === 'component') view.component = Math.min(studio.computedRank, view.component + 1);
        break;
      default:
        settings.viewMode = command.slice('mode-'.length) as typeof settings.viewMode;
    }
  };
}
