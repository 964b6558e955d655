import { defineConfig } from 'vitest/config';

// `vitest run` is the suite CI runs; `vitest run --mode full` (npm run test:full) also runs the
// long numeric tests at full size (test/helpers/suite.ts reads TEST_SUITE).
export default defineConfig(({ mode }) => ({
  test: {
    include: ['test/{core,electron,cli,renderer,lint}/**/*.test.ts'],
    env: { TEST_SUITE: mode === 'full' ? 'full' : 'ci' },
    // Relaxed SIMD on in every test file, as the command line has it (Node 20 needs V8's flag).
    setupFiles: ['test/helpers/relaxed-simd-setup.ts'],
    // Timeouts with ≥ 3× headroom over the slowest test on a quiet 2-core machine (~20 s), so a
    // slower CPU or a second busy job does not turn a pass into a failure.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Two cores: the numeric suites are CPU-bound, so run files one or two at a time.
    maxWorkers: 2,
  },
}));
