// Which test files need real servers: the root vitest config puts them in the `services` project
// (with the global setup that starts Redis, a Cluster and the Upstash server) and every other
// test file in `unit` (no setup: runs without Redis installed).

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/** Where test files live, relative to the repository root. */
const TEST_ROOTS = ['packages', 'examples', 'benchmarks', 'scripts'] as const

/**
 * What marks a file as needing the servers: reading one that the global setup provides (vitest's
 * inject of redisUrl, clusterNodes or upstash), starting its own (startRedis and the other
 * starters of @sluice/test-services), or naming the Redis server binary (a child process that
 * starts one, such as `pnpm bench`). Built from pieces so that this file, which test files
 * import, does not match itself.
 */
const NEEDS_SERVICES = new RegExp(
  [
    String.raw`\binject\(\s*['"](?:redisUrl|clusterNodes|upstash)['"]`,
    String.raw`\b(?:startRedis|startCluster|startServices|startUpstashServer|ensureRedisInstalled)\(`,
    ['redis', 'server'].join('-'),
  ].join('|'),
)

// Relative imports, static or dynamic: a helper in test/support/ that injects counts for its tests.
const RELATIVE_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g

/** Every `*.test.ts` under `dir`, skipping node_modules and build output. */
function testFiles(dir: string, found: string[]): string[] {
  if (!existsSync(dir)) return found
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) testFiles(path, found)
    else if (entry.name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

/** Whether `file` or any file it imports relatively (transitively) matches `NEEDS_SERVICES`. */
export function needsServices(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file) || !existsSync(file)) return false
  seen.add(file)
  const text = readFileSync(file, 'utf8')
  if (NEEDS_SERVICES.test(text)) return true
  for (const match of text.matchAll(RELATIVE_IMPORT)) {
    const target = resolve(dirname(file), match[1] as string)
    if (target.includes('node_modules')) continue
    if (needsServices(target, seen)) return true
  }
  return false
}

/** The test files (paths relative to `root`, `/`-separated) that need the servers. */
export function serviceTestFiles(root: string): string[] {
  const files: string[] = []
  for (const dir of TEST_ROOTS) testFiles(join(root, dir), files)
  return files
    .filter((file) => needsServices(file))
    .map((file) => relative(root, file).split('\\').join('/'))
    .sort()
}
