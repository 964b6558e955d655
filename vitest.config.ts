import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: the numeric suites are CPU-bound, so run files one or two at a time.
    maxWorkers: 2,
  },
});
