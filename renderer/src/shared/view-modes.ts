/** The viewer's modes, in toolbar order (C and the radio group's arrows cycle through them). */
import type { ViewMode } from '../workers/preview/protocol.js';

/** What the stage shows: the preview worker's views, or the patch model's basis (drawn on the page). */
export type StudioViewMode = ViewMode | 'basis';

export interface ViewModeInfo {
  value: StudioViewMode;
  label: string;
  title: string;
}

export const VIEW_MODES: readonly ViewModeInfo[] = [
  {
    value: 'compare',
    label: 'Compare',
    title: 'Original and reconstruction side by side, split by a handle (C cycles modes, X swaps sides)',
  },
  { value: 'error', label: 'Error', title: '|original − reconstruction| as a heat map' },
  { value: 'residual', label: 'Residual', title: 'A − A_k: what the first k components leave out' },
  { value: 'component', label: 'Component', title: 'One rank-1 component σᵢuᵢvᵢᵀ (patches: a coefficient image times its basis patch)' },
  { value: 'basis', label: 'Basis', title: 'The 64 patches the photo learned, beside JPEG’s 64 DCT basis functions (patch model)' },
];

/** The modes available: the basis only with the patch model. */
export function availableViewModes(patchModel: boolean): readonly ViewModeInfo[] {
  return patchModel ? VIEW_MODES : VIEW_MODES.filter((mode) => mode.value !== 'basis');
}

/** The mode `steps` places after `mode` among the available ones, wrapping around. */
export function stepViewMode(mode: StudioViewMode, steps: number, patchModel = false): StudioViewMode {
  const modes = availableViewModes(patchModel);
  const index = Math.max(
    0,
    modes.findIndex((m) => m.value === mode),
  );
  const count = modes.length;
  return modes[(((index + steps) % count) + count) % count].value;
}
