/**
 * The patch rearrangement of `.svd` v2's patch model: a plane (height × width) becomes a matrix
 * with one row per p × p block (blocks in row-major order) and one column per position inside a
 * block (p² columns, row-major within the block). Its SVD A ≈ Σ σᵢ uᵢ vᵢᵀ is the Kronecker
 * product SVD of Van Loan and Pitsianis: vᵢ is a p × p basis patch learned from the image and uᵢ,
 * reshaped to (height/p) × (width/p), the coefficient image of that patch.
 *
 * A plane whose sides are not multiples of p is padded by replicating its last row and column;
 * the padding is cropped again on the way back.
 */
import type { Matrix } from '../types.js';

export interface PatchGrid {
  /** Block size p. */
  size: number;
  /** Blocks down and across: ⌈height/p⌉ and ⌈width/p⌉. */
  rows: number;
  cols: number;
}

export function patchGrid(width: number, height: number, size: number): PatchGrid {
  return { size, rows: Math.ceil(height / size), cols: Math.ceil(width / size) };
}

/** The (rows · cols) × p² patch matrix of a plane, edges replicated. */
export function toPatchMatrix(plane: Float32Array, width: number, height: number, size: number): Matrix {
  const grid = patchGrid(width, height, size);
  const columns = size * size;
  const data = new Float32Array(grid.rows * grid.cols * columns);
  for (let by = 0; by < grid.rows; by++) {
    for (let bx = 0; bx < grid.cols; bx++) {
      const row = (by * grid.cols + bx) * columns;
      for (let dy = 0; dy < size; dy++) {
        const y = Math.min(height - 1, by * size + dy);
        for (let dx = 0; dx < size; dx++) {
          const x = Math.min(width - 1, bx * size + dx);
          data[row + dy * size + dx] = plane[y * width + x];
        }
      }
    }
  }
  return { rows: grid.rows * grid.cols, cols: columns, data };
}

/** The plane (width × height) a patch matrix holds, padding dropped. */
export function fromPatchMatrix(
  matrix: Float32Array,
  width: number,
  height: number,
  size: number,
  out: Float32Array = new Float32Array(width * height),
): Float32Array {
  const grid = patchGrid(width, height, size);
  const columns = size * size;
  for (let by = 0; by < grid.rows; by++) {
    for (let bx = 0; bx < grid.cols; bx++) {
      const row = (by * grid.cols + bx) * columns;
      for (let dy = 0; dy < size; dy++) {
        const y = by * size + dy;
        if (y >= height) break;
        for (let dx = 0; dx < size; dx++) {
          const x = bx * size + dx;
          if (x >= width) break;
          out[y * width + x] = matrix[row + dy * size + dx];
        }
      }
    }
  }
  return out;
}
