// `pnpm test:upstash-live`: runs the live contract tests when Upstash credentials are set; otherwise
// says so and exits non-zero, so that a run without a database never counts as passed.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const missing = ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'].filter((name) => !process.env[name])
if (missing.length > 0) {
  console.error(
    `NOT RUN: the live Upstash contract tests need ${missing.join(' and ')} (a database for tests only: the burst test runs SCRIPT FLUSH). Nothing was tested; exiting with code 78.`,
  )
  process.exit(78)
}
const config = fileURLToPath(new URL('vitest.config.ts', import.meta.url))
const result = spawnSync('pnpm', ['exec', 'vitest', 'run', '--config', config, ...process.argv.slice(2)], {
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
