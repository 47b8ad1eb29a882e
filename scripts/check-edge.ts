// Fails when a package meant for edge runtimes imports a Node built-in: in its built dist (every
// entry of its exports map, ESM and CJS, less the entries meant for Node only), or in any runtime
// dependency that dist pulls in (lru-cache …), as an edge bundler resolves them. Peer dependencies
// (@sluice/core, hono, @upstash/redis) are the user's; core is checked itself. Run after
// `pnpm build`: `tsx scripts/check-edge.ts` (part of `pnpm check`).

import { existsSync, readFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

/** The packages that must run on edge runtimes, by folder under packages/. */
export const EDGE_PACKAGES = [
  'core',
  'memory',
  'redis-scripts',
  'upstash',
  'hono',
  'fetch',
  'hybrid',
] as const

/**
 * Entries of edge packages that are for Node only, by folder: core's YAML rules and file watching
 * (`@sluice/core/yaml`, and `@sluice/core/node`, its deprecated alias). Every other entry is checked.
 */
export const NODE_ONLY_ENTRIES: Readonly<Record<string, readonly string[]>> = { core: ['./yaml', './node'] }

/**
 * The export conditions edge bundlers resolve with (Vercel's edge-light, Cloudflare's workerd and
 * worker, then browser), ahead of import/require/default. Under these, lru-cache picks its browser
 * build; its default ESM build tries a guarded `import('node:diagnostics_channel')`.
 */
export const EDGE_CONDITIONS = ['edge-light', 'workerd', 'worker', 'browser']

/** One import of a Node built-in: which file asked for which module, and how. */
export interface NodeImport {
  readonly importer: string
  readonly specifier: string
  readonly kind: string
}

export interface ScanOptions {
  /** Package names left out of the scan (peer dependencies). */
  readonly external?: readonly string[]
  /** Extra conditions ahead of the edge ones, e.g. '@sluice/source' to scan sources. */
  readonly conditions?: readonly string[]
}

/**
 * Every Node built-in that `entry` and what it imports (static, dynamic or `require`) reach, as
 * an edge bundler would resolve them. Throws when something cannot be resolved at all.
 */
export async function nodeImportsOf(entry: string, options: ScanOptions = {}): Promise<NodeImport[]> {
  const found: NodeImport[] = []
  const external = new Set(options.external ?? [])
  const spy: Plugin = {
    name: 'node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (isBuiltin(args.path)) {
          found.push({ importer: args.importer, specifier: args.path, kind: args.kind })
          return { path: args.path, external: true }
        }
        if (external.has(packageName(args.path))) return { path: args.path, external: true }
        return undefined
      })
    },
  }
  await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'neutral',
    format: 'esm',
    mainFields: ['module', 'main'],
    conditions: [...(options.conditions ?? []), ...EDGE_CONDITIONS],
    logLevel: 'silent',
    plugins: [spy],
  })
  return found
}

function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
}

/**
 * The built files an edge bundler may load from a package: what each entry of its exports map
 * (the published one, `publishConfig.exports`, when there is one) resolves to for `import` and
 * `require`, less the entries in `nodeOnly`; `dist/index.mjs` and `dist/index.cjs` for a package
 * without a map. Paths are relative to the package.
 */
export function edgeFilesOf(packageDir: string, nodeOnly: readonly string[] = []): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    exports?: Record<string, unknown>
    publishConfig?: { exports?: Record<string, unknown> }
  }
  const map = manifest.publishConfig?.exports ?? manifest.exports
  if (map === undefined) return ['dist/index.mjs', 'dist/index.cjs']
  const files: string[] = []
  for (const [subpath, target] of Object.entries(map)) {
    if (subpath === './package.json' || nodeOnly.includes(subpath)) continue
    for (const file of codeFiles(target)) if (!files.includes(file)) files.push(file)
  }
  return files
}

/** The JavaScript files a conditions object leads to (types and the source condition left out). */
function codeFiles(target: unknown): string[] {
  if (typeof target === 'string') return [target.replace(/^\.\//, '')]
  if (target === null || typeof target !== 'object') return []
  return Object.entries(target)
    .filter(([condition]) => condition !== 'types' && condition !== '@sluice/source')
    .flatMap(([, inner]) => codeFiles(inner))
}

/** A package's peer dependencies: what its users bring, hence out of the scan. */
export function peersOf(packageDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    peerDependencies?: Record<string, string>
  }
  return Object.keys(manifest.peerDependencies ?? {})
}

/** Checks the built packages of the repository at `root`; prints each result, and says if any failed. */
async function checkRepository(root: string): Promise<boolean> {
  let failed = false
  for (const name of EDGE_PACKAGES) {
    const dir = join(root, 'packages', name)
    for (const file of edgeFilesOf(dir, NODE_ONLY_ENTRIES[name])) {
      const entry = join(dir, file)
      const label = `@sluice/${name} ${file}`
      if (!existsSync(entry)) {
        console.error(`✗ ${label}: not built; run pnpm build first`)
        failed = true
        continue
      }
      try {
        const imports = await nodeImportsOf(entry, { external: peersOf(dir) })
        if (imports.length === 0) {
          console.log(`✓ ${label}: no Node built-in`)
          continue
        }
        failed = true
        for (const i of imports) {
          console.error(`✗ ${label}: ${relative(root, i.importer)} imports '${i.specifier}' (${i.kind})`)
        }
      } catch (error) {
        failed = true
        console.error(`✗ ${label}: cannot be bundled for an edge runtime: ${String(error)}`)
      }
    }
  }
  if (failed)
    console.error('Edge packages must not import Node built-ins: they have to run on edge runtimes.')
  return !failed
}

// `tsx scripts/check-edge.ts [root]`: the repository by default; the tests point it at fixtures.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url))
  if (!(await checkRepository(root))) process.exit(1)
}
