import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code and fakes at port boundaries, no servers) and
// `it` (real Kafka brokers and the real S3 emulator started by scripts/stack).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/it/**'] } },
      {
        test: {
          name: 'it',
          include: ['test/it/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/it/global-setup.ts'],
        },
      },
    ],
  },
});
