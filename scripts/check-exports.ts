// Fails when a published package's exports maps could drift: `exports` (what the workspace and
// tests resolve) and `publishConfig.exports` (what npm users get) must list the same entries, each
// entry naming its source for tests and its built files for users, all of which must exist.
// Run after `pnpm build`: `tsx scripts/check-exports.ts` (part of `pnpm check`).

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'

/** The parts of a package.json this check reads. */
export interface Manifest {
  readonly name: string
  readonly private?: boolean
  readonly main?: string
  readonly module?: string
  readonly types?: string
  readonly files?: readonly string[]
  readonly exports?: Record<string, unknown>
  readonly publishConfig?: { readonly exports?: Record<string, unknown> }
}

/** The condition that points the workspace (tests, type-checks) at an entry's TypeScript source. */
export const SOURCE_CONDITION = '@sluice/source'

/**
 * Packages built as ESM only, whose entries are `{ source, types, default }`: the conformance
 * suites run inside vitest, which cannot be require()d. Every other package is dual: `import` and
 * `require`, each `{ types, default }`.
 */
export const ESM_ONLY_PACKAGES: readonly string[] = [
  '@sluice/store-conformance',
  '@sluice/binding-conformance',
]

/** The file name an entry's built files share: `.` → `index`, `./http` → `http`. */
export function distStem(subpath: string): string {
  return subpath === '.' ? 'index' : subpath.replace(/^\.\//, '')
}

/** The exports entry an entry must have, without its source condition: built files only. */
export function builtEntry(subpath: string, esmOnly: boolean): Record<string, unknown> {
  const stem = `./dist/${distStem(subpath)}`
  if (esmOnly) return { types: `${stem}.d.mts`, default: `${stem}.mjs` }
  return {
    import: { types: `${stem}.d.mts`, default: `${stem}.mjs` },
    require: { types: `${stem}.d.cts`, default: `${stem}.cjs` },
  }
}

/**
 * What is wrong with a package's exports maps, as sentences naming the entry (empty when nothing
 * is). `exists` says whether a path relative to the package exists: the sources always, the built
 * files after a build.
 */
export function exportsProblems(manifest: Manifest, exists: (path: string) => boolean): string[] {
  const problems: string[] = []
  const esmOnly = ESM_ONLY_PACKAGES.includes(manifest.name)
  const map = manifest.exports
  const published = manifest.publishConfig?.exports
  if (map === undefined || published === undefined) {
    return ['needs both exports (with the source condition) and publishConfig.exports (without it)']
  }
  const keys = Object.keys(map)
  const publishedKeys = Object.keys(published)
  if (!isDeepStrictEqual(keys, publishedKeys)) {
    problems.push(`exports lists ${keys.join(', ')} but publishConfig.exports ${publishedKeys.join(', ')}`)
  }
  if (map['./package.json'] !== './package.json' || published['./package.json'] !== './package.json') {
    problems.push("both maps must export './package.json': './package.json'")
  }
  for (const subpath of keys) {
    if (subpath === './package.json') continue
    const entry = map[subpath]
    const built = builtEntry(subpath, esmOnly)
    const source = (entry as Record<string, unknown> | undefined)?.[SOURCE_CONDITION]
    if (typeof source !== 'string' || !/^\.\/src\/.+\.ts$/.test(source)) {
      problems.push(
        `${subpath}: needs '${SOURCE_CONDITION}': './src/….ts' for tests, got ${JSON.stringify(source)}`,
      )
    } else if (!exists(source)) {
      problems.push(`${subpath}: its source ${source} does not exist`)
    }
    // The source condition first (conditions match in order), then the built files, types first.
    const expected = { [SOURCE_CONDITION]: source, ...built }
    if (!isDeepStrictEqual(entry, expected) || !sameOrder(entry, expected)) {
      problems.push(
        `${subpath}: exports entry must be ${JSON.stringify(expected)}, got ${JSON.stringify(entry)}`,
      )
    }
    if (!isDeepStrictEqual(published[subpath], built) || !sameOrder(published[subpath], built)) {
      problems.push(
        `${subpath}: publishConfig.exports entry must be ${JSON.stringify(built)}, got ${JSON.stringify(published[subpath])}`,
      )
    }
    for (const file of filesOf(built)) {
      if (!exists(file)) problems.push(`${subpath}: ${file} does not exist (not built? run pnpm build)`)
    }
  }
  for (const problem of topLevelProblems(manifest, esmOnly)) problems.push(problem)
  return problems
}

/** `main`, `module` and `types` must be the `.` entry's files, and `files` must ship dist. */
function topLevelProblems(manifest: Manifest, esmOnly: boolean): string[] {
  const problems: string[] = []
  const want: Record<string, string | undefined> = esmOnly
    ? { main: './dist/index.mjs', module: undefined, types: './dist/index.d.mts' }
    : { main: './dist/index.cjs', module: './dist/index.mjs', types: './dist/index.d.cts' }
  for (const [field, value] of Object.entries(want)) {
    const got = manifest[field as 'main' | 'module' | 'types']
    if (got !== value) problems.push(`${field} must be ${JSON.stringify(value)}, got ${JSON.stringify(got)}`)
  }
  if (!manifest.files?.includes('dist')) problems.push("files must include 'dist'")
  return problems
}

function filesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.values(value).flatMap(filesOf)
}

/** The same keys in the same order, at every level (deep equality ignores order). */
function sameOrder(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return true
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return (
    isDeepStrictEqual(ka, kb) &&
    ka.every((k) => sameOrder((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  )
}

/** Checks every published package of the repository at `root`; prints each result, says if all passed. */
function checkRepository(root: string): boolean {
  let ok = true
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const path = join(root, 'packages', dir, 'package.json')
    if (!existsSync(path)) continue
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest
    if (manifest.private === true) continue
    const problems = exportsProblems(manifest, (file) => existsSync(join(root, 'packages', dir, file)))
    const entries = Object.keys(manifest.exports ?? {}).filter((k) => k !== './package.json')
    if (problems.length === 0) {
      console.log(`✓ ${manifest.name}: ${entries.join(', ')}`)
      continue
    }
    ok = false
    for (const p of problems) console.error(`✗ ${manifest.name}: ${p}`)
  }
  if (!ok)
    console.error(
      'check-exports: fix the package.json files above (scripts/check-exports.ts says what each entry needs).',
    )
  return ok
}

// `tsx scripts/check-exports.ts [root]`: the repository by default; the tests point it at fixtures.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url))
  if (!checkRepository(root)) process.exit(1)
}
