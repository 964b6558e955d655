/**
 * Vitest setup file: every test file runs with WebAssembly relaxed SIMD on, as the command line
 * runs (electron/cli/relaxed-simd.ts), so 'auto' kernels are the relaxed build; tests that name
 * 'simd' or 'plain' still get those.
 */
import { enableRelaxedSimd } from '../../electron/cli/relaxed-simd.js';

enableRelaxedSimd();
