import { defineConfig } from 'vitest/config'

// Sibling packages resolve to their TypeScript source through the `@sluice/source` export
// condition, so tests never need a prior build.
const conditions = ['@sluice/source', 'module', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'benchmarks/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
    ],
    globalSetup: ['packages/test-services/src/vitestSetup.ts'],
    setupFiles: ['scripts/vitest/fastCheckReplay.ts'],
  },
})
