import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { EDGE_PACKAGES, nodeImportsOf, peersOf } from '../../../scripts/check-edge.ts'

// scripts/check-edge.ts (run by `pnpm check`) must really fail on a Node built-in, however it is
// imported, in a package's own files or in a dependency it pulls in; and pass on what is clean.

const root = fileURLToPath(new URL('../../..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'sluice-check-edge-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(path: string, text: string): string {
  const full = join(dir, path)
  mkdirSync(dirname(full), { recursive: true })
  writeFileSync(full, text)
  return full
}

// A dependency with a Node build and a browser build, as lru-cache has.
file(
  'node_modules/split-dep/package.json',
  JSON.stringify({ name: 'split-dep', exports: { browser: './web.js', default: './node.js' } }),
)
file('node_modules/split-dep/node.js', "export { channel } from 'node:diagnostics_channel'\n")
file('node_modules/split-dep/web.js', 'export const channel = () => undefined\n')
// A dependency that needs a built-in whatever the conditions.
file('node_modules/fs-dep/package.json', JSON.stringify({ name: 'fs-dep', main: './index.js' }))
file('node_modules/fs-dep/index.js', "export { readFile } from 'fs/promises'\n")

const cases: [string, string, string, string][] = [
  [
    'a node: import',
    'a.mjs',
    "import { readFileSync } from 'node:fs'\nexport const x = readFileSync\n",
    'node:fs',
  ],
  [
    'a bare built-in',
    'b.mjs',
    "import { createHash } from 'crypto'\nexport const h = createHash\n",
    'crypto',
  ],
  [
    'a require() of a built-in',
    'c.cjs',
    "const { Buffer } = require('buffer')\nmodule.exports = Buffer\n",
    'buffer',
  ],
  [
    'a dynamic import',
    'd.mjs',
    "export const load = () => import('node:diagnostics_channel')\n",
    'node:diagnostics_channel',
  ],
  ['a built-in inside a dependency', 'e.mjs', "export { readFile } from 'fs-dep'\n", 'fs/promises'],
]

describe('scripts/check-edge.ts', () => {
  it.each(cases)('finds %s', async (_, name, text, specifier) => {
    const found = await nodeImportsOf(file(name, text))
    expect(found.map((i) => i.specifier)).toEqual([specifier])
  })

  it('passes clean code, a dependency whose edge build is clean, and peers it leaves out', async () => {
    const clean = file('clean.mjs', "export { channel } from 'split-dep'\nexport { peer } from 'some-peer'\n")
    expect(await nodeImportsOf(clean, { external: ['some-peer'] })).toEqual([])
  })

  it('fails on what an edge bundler could not resolve at all', async () => {
    await expect(nodeImportsOf(file('missing.mjs', "export { x } from 'not-installed'\n"))).rejects.toThrow(
      /not-installed/,
    )
  })

  it.each(EDGE_PACKAGES)(
    '@sluice/%s imports no Node built-in, in its sources and their dependencies',
    async (name) => {
      const packageDir = join(root, 'packages', name)
      const found = await nodeImportsOf(join(packageDir, 'src/index.ts'), {
        external: peersOf(packageDir),
        conditions: ['@sluice/source'],
      })
      expect(found).toEqual([])
    },
  )

  it('as a command: exits 1 naming the package, file and import; 0 once it is clean', async () => {
    // A repository of built edge packages; one dist file imports a built-in.
    const repo = join(dir, 'repo')
    for (const name of EDGE_PACKAGES) {
      file(`repo/packages/${name}/package.json`, JSON.stringify({ name: `@sluice/${name}` }))
      file(`repo/packages/${name}/dist/index.mjs`, 'export const ok = 1\n')
      file(`repo/packages/${name}/dist/index.cjs`, 'exports.ok = 1\n')
    }
    file('repo/packages/memory/dist/index.cjs', "exports.hash = require('crypto').createHash\n")
    const command = (cwd: string) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'scripts/check-edge.ts'), cwd], {
        cwd: root,
      })
    const failed = await command(repo).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stderr).toContain(
      "✗ @sluice/memory dist/index.cjs: packages/memory/dist/index.cjs imports 'crypto'",
    )
    file('repo/packages/memory/dist/index.cjs', 'exports.ok = 1\n')
    const passed = await command(repo)
    expect(passed.stdout).toContain('✓ @sluice/memory dist/index.cjs: no Node built-in')
  }, 120_000)
})
