/** The viewer's modes, in toolbar order (C and the radio group's arrows cycle through them). */
import type { ViewMode } from '../workers/preview/protocol.js';

export interface ViewModeInfo {
  value: ViewMode;
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
  { value: 'component', label: 'Component', title: 'One rank-1 component σᵢuᵢvᵢᵀ' },
];

/** The mode `steps` places after `mode` in toolbar order, wrapping around. */
export function stepViewMode(mode: ViewMode, steps: number): ViewMode {
  const index = VIEW_MODES.findIndex((m) => m.value === mode);
  const count = VIEW_MODES.length;
  return VIEW_MODES[(((index + steps) % count) + count) % count].value;
}
