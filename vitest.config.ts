import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files run in parallel processes; each uses its own database file or schema.
    pool: 'forks',
    // Most test time is waiting (leases running out, processes starting, servers answering),
    // not CPU: vitest's default of one worker per core but one leaves a 2-core machine
    // running one file at a time. Two overlap the waits without starving the timing-bound
    // tests of CPU (three made them flaky); VITEST_MAX_WORKERS overrides.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || 2,
  },
});
