/**
 * The patch model's decoder-side deblocking filter (`.svd` v2 flag bit 0): across every edge of
 * the p × p block grid, a step that is small next to the texture on both sides is taken for a
 * quantization artefact and spread over the two pixels on each side (as in H.263's loop filter);
 * a large step is an edge of the picture and stays. The filter runs on each plane's samples.
 */

/** Smooths the block edges of a plane (width × height samples) in place and returns it. */
export function deblockPlane(plane: Float32Array, width: number, height: number, size: number): Float32Array {
  // Vertical edges (between columns x − 1 and x), then horizontal ones.
  for (let x = size; x < width - 1; x += size) {
    if (x < 2) continue;
    for (let y = 0; y < height; y++) filterEdge(plane, y * width + x, 1);
  }
  for (let y = size; y < height - 1; y += size) {
    if (y < 2) continue;
    for (let x = 0; x < width; x++) filterEdge(plane, y * width + x, width);
  }
  return plane;
}

/** The samples a, b | c, d across an edge at `at` (c), `stride` apart. */
function filterEdge(plane: Float32Array, at: number, stride: number): void {
  const a = plane[at - 2 * stride];
  const b = plane[at - stride];
  const c = plane[at];
  const d = plane[at + stride];
  const step = c - b;
  const texture = Math.max(Math.abs(b - a), Math.abs(d - c));
  // A step larger than the texture around it, but small in absolute terms: a block artefact.
  if (Math.abs(step) <= texture || Math.abs(step) > 3 * texture + 12) return;
  const correction = step / 4;
  plane[at - stride] = b + correction;
  plane[at] = c - correction;
  plane[at - 2 * stride] = a + correction / 2;
  plane[at + stride] = d - correction / 2;
}
