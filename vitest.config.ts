import { defineConfig } from 'vitest/config';

// Tests are TypeScript sources under test/; dist/ holds their compiled copies, which must not run twice.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
