import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Pipeline tests each start gst-launch processes; two cores, so keep concurrency modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
