/**
 * The engine's WebAssembly SIMD kernels load and compute inside a Vite-built module worker in
 * Chromium (the renderer's situation), with the same singular values as in Node.
 */
import { expect, test } from '@playwright/test';
import { truncatedSvd } from '../../core/index.js';

interface WorkerResult {
  kernels: string;
  rank: number;
  sigma: number[];
  milliseconds: number;
}

/** A smooth image plus seeded noise, so it has full numerical rank. */
function testMatrix(rows: number, cols: number): number[] {
  const values: number[] = [];
  let state = 12345;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      values.push(Math.round(128 + 60 * Math.sin(r / 9) * Math.cos(c / 13) + 20 * (state / 2 ** 32)));
    }
  }
  return values;
}

test('truncatedSvd runs in a Vite-built worker with the relaxed-SIMD kernels (Chromium has relaxed SIMD on)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('./');
  await expect(page.locator('#status')).toHaveText('ready');
  const rows = 400;
  const cols = 300;
  const values = testMatrix(rows, cols);
  const result = await page.evaluate(
    ([r, c, v]) =>
      (globalThis as unknown as { runSvd(r: number, c: number, v: number[], k: number): Promise<WorkerResult> }).runSvd(r, c, v, 24),
    [rows, cols, values] as const,
  );
  expect(errors).toEqual([]);
  expect(result.kernels).toBe('relaxed');
  expect(result.rank).toBe(24);
  const node = await truncatedSvd({ rows, cols, data: Float32Array.from(values) }, { rank: 24, kernels: 'simd' });
  // Same algorithm and seed; fused (browser) and unfused (Node, SIMD128) multiply-adds: σ agree to float32 rounding.
  for (let i = 0; i < 24; i++) expect(Math.abs(result.sigma[i] - node.sigma[i]) / node.sigma[i]).toBeLessThan(1e-5);
});
