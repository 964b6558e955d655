/**
 * Which suite is running. `npm test` (CI) runs every test at a size that keeps the whole run
 * within 10 minutes on a 2-core machine; `npm run test:full` runs Vitest in mode 'full'
 * (vitest.config.ts sets TEST_SUITE), where the long numeric tests run at their full size.
 */
export const FULL_SUITE = process.env.TEST_SUITE === 'full';
