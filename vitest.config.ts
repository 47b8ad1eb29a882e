import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { serviceTestFiles } from './scripts/vitest/serviceTests.ts'

// Two projects: `unit` (no servers, seconds: `pnpm test:unit`) and `services` (real Redis, Redis
// Cluster and the local Upstash server, started once by the global setup). A test file is in
// `services` when it or a helper it imports reads or starts a server (scripts/vitest/serviceTests.ts
// decides); `pnpm test` runs both. One package alone: `pnpm exec vitest run packages/memory`, or
// `pnpm exec vitest run --project unit packages/core` for its unit tests only.

// Sibling packages resolve to their TypeScript source through the `@sluice/source` export
// condition, so tests never need a prior build.
const conditions = ['@sluice/source', 'module', 'node', 'development|production']

const include = [
  'packages/*/test/**/*.test.ts',
  'examples/*/test/**/*.test.ts',
  'benchmarks/test/**/*.test.ts',
  'scripts/test/**/*.test.ts',
]
const services = serviceTestFiles(fileURLToPath(new URL('.', import.meta.url)))

// @sluice/nestjs's HTTP tests run again on Nest 11: its packages are installed in
// packages/nestjs-nest11, and this project resolves @nestjs/* there (Nest 11's own imports of each
// other resolve there too, as pnpm linked them).
const nest11 = fileURLToPath(new URL('packages/nestjs-nest11/node_modules/@nestjs/', import.meta.url))
const nest11Alias = [
  {
    find: /^@nestjs\/(common|core|platform-express|platform-fastify)(\/package\.json)?$/,
    replacement: `${nest11}$1$2`,
  },
]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    setupFiles: ['scripts/vitest/fastCheckReplay.ts', 'scripts/vitest/windowEdge.ts'],
    // A test's timeout catches a hang, not slowness: on a loaded 2-core machine starting a Redis
    // Cluster or running a property over real servers can take many seconds (5 s, the default,
    // failed a Cluster start under a concurrent benchmark; at load 20 the pipelining tests took most
    // of their 30 s). Tests' own bounds are no shorter. Speed is measured by `pnpm bench`.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Vitest's default is one worker per core but one: a single worker on a 2-core CI machine,
    // where most files wait on a Redis, a Cluster or an HTTP server rather than on the CPU. Two
    // workers there (measured: the whole run passed with 2 at a load average of 30).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { extends: true, test: { name: 'unit', include, exclude: ['**/node_modules/**', ...services] } },
      {
        extends: true,
        test: {
          name: 'services',
          include: services,
          globalSetup: ['packages/test-services/src/vitestSetup.ts'],
        },
      },
      {
        extends: true,
        resolve: { alias: nest11Alias },
        test: {
          name: 'nest11',
          provide: { nestMajor: 11 },
          include: ['packages/nestjs/test/{express,fastify,module,errors}.test.ts'],
        },
      },
    ],
  },
})
