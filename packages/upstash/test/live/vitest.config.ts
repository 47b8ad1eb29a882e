// The live contract run (`pnpm test:upstash-live`): the *.live.ts files against a real Upstash database.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const conditions = ['@sluice/source', 'module', 'node', 'development|production']

export default defineConfig({
  root,
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/upstash/test/live/**/*.live.ts'],
    setupFiles: ['scripts/vitest/fastCheckReplay.ts'],
    // Every call crosses the internet: generous bounds, one file at a time (one database).
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
})
