import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import {
  type App,
  BROWSER,
  bundle,
  checkApps,
  checkEntries,
  NODE_CJS,
  NODE_ESM,
  runBundle,
} from '../check-bundles.ts'

// scripts/check-bundles.ts (run by `pnpm check` on the packed @sluice/core) must fail the way
// core's bundles used to: a Node ESM bundle that crashes at start-up on a CommonJS dependency's
// require of a built-in, a package the app does not use, a size over the bound, a wrong output.

const dir = mkdtempSync(join(tmpdir(), 'sluice-check-bundles-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true })
  writeFileSync(join(dir, path), text)
}

// A library whose Node build pulls in a CommonJS dependency that requires `process` (as the yaml
// package's Node build does), and whose other build is clean.
file(
  'node_modules/lib/package.json',
  JSON.stringify({ name: 'lib', type: 'module', exports: { node: './node.js', default: './web.js' } }),
)
file('node_modules/lib/node.js', "import dep from 'cjs-dep'\nexport const answer = () => dep.answer\n")
file('node_modules/lib/web.js', 'export const answer = () => 42\n')
file('node_modules/cjs-dep/package.json', JSON.stringify({ name: 'cjs-dep', main: './index.js' }))
file('node_modules/cjs-dep/index.js', "const p = require('process')\nexports.answer = p.pid > 0 ? 42 : 0\n")

const app: App = {
  name: 'fixture',
  mjs: "import { answer } from 'lib'\nconsole.log(answer())\n",
  cjs: "const { answer } = require('lib')\nconsole.log(answer())\n",
  prints: '42',
  targets: [NODE_ESM, NODE_CJS, BROWSER],
  maxBytes: 10_000,
  without: [],
}

/** Runs a check, returning whether it passed and what it printed to stderr. */
async function quietly(run: () => boolean | Promise<boolean>): Promise<{ ok: boolean; errors: string }> {
  const errors: string[] = []
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line))
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
  try {
    return { ok: await run(), errors: errors.join('\n') }
  } finally {
    error.mockRestore()
    log.mockRestore()
  }
}

const check = (apps: readonly App[]) => quietly(() => checkApps(dir, apps))

// A package of two entries: `shared` takes its class from one module, `copy` defines its own.
const entry = (file: string) => ({ import: file, require: file })
file(
  'node_modules/two/package.json',
  JSON.stringify({
    name: 'two',
    exports: { '.': entry('./index.cjs'), './shared': entry('./shared.cjs'), './copy': entry('./copy.cjs') },
  }),
)
file('node_modules/two/chunk.cjs', 'exports.Thing = class Thing {}\n')
file('node_modules/two/index.cjs', "exports.Thing = require('./chunk.cjs').Thing\nexports.parse = () => 1\n")
file('node_modules/two/shared.cjs', "exports.Thing = require('./chunk.cjs').Thing\nexports.parse = () => 2\n")
file('node_modules/two/copy.cjs', 'exports.Thing = class Thing {}\n')

describe('scripts/check-bundles.ts', () => {
  it('names the packages a bundle holds, and measures it', async () => {
    writeFileSync(join(dir, 'app.mjs'), app.mjs)
    const node = await bundle(dir, NODE_ESM, 'names-node.mjs')
    expect(node.packages).toEqual(['cjs-dep', 'lib'])
    expect(node.bytes).toBeGreaterThan(0)
    expect((await bundle(dir, BROWSER, 'names-web.mjs')).packages).toEqual(['lib'])
  })

  it('runs a Node bundle, and reports the crash of one that requires a built-in from ESM', async () => {
    writeFileSync(join(dir, 'app.mjs'), app.mjs)
    writeFileSync(join(dir, 'app.cjs'), app.cjs)
    expect(runBundle((await bundle(dir, NODE_CJS, 'run.cjs')).file)).toEqual({ ok: true, output: '42' })
    const crashed = runBundle((await bundle(dir, NODE_ESM, 'run.mjs')).file)
    expect(crashed).toEqual({ ok: false, output: 'Error: Dynamic require of "process" is not supported' })
  })

  it('fails the crashing target and passes the others', async () => {
    const { ok, errors } = await check([app])
    expect(ok).toBe(false)
    expect(errors).toBe('✗ fixture, node-esm: crashed: Error: Dynamic require of "process" is not supported')
  })

  it('fails a bundle over its bound, one that holds a package it must not, and a wrong output', async () => {
    const strict: App = { ...app, targets: [NODE_CJS], maxBytes: 10, without: ['cjs-dep'], prints: '41' }
    const { ok, errors } = await check([strict])
    expect(ok).toBe(false)
    expect(errors).toMatch(/^✗ fixture, node-cjs: \d+ bytes, over the bound of 10$/m)
    expect(errors).toContain('✗ fixture, node-cjs: bundles cjs-dep, which this app does not use')
    expect(errors).toContain('✗ fixture, node-cjs: printed 42, expected 41')
  })

  it('passes an app whose every bundle runs, fits and holds only what it uses', async () => {
    expect(await check([{ ...app, targets: [NODE_CJS, BROWSER] }])).toEqual({ ok: true, errors: '' })
  })

  it('loads every entry with import and require, and fails on a name that is two values', async () => {
    const shared = await quietly(() => checkEntries(dir, 'two', ['parse']))
    expect(shared.errors).toBe(
      [
        '✗ two, every entry loaded with import: two values for two/copy Thing',
        '✗ two, every entry loaded with require: two values for two/copy Thing',
      ].join('\n'),
    )
    file(
      'node_modules/two/package.json',
      JSON.stringify({
        name: 'two',
        exports: { '.': entry('./index.cjs'), './shared': entry('./shared.cjs') },
      }),
    )
    expect(await quietly(() => checkEntries(dir, 'two', ['parse']))).toEqual({ ok: true, errors: '' })
    // `parse` differs between the entries: only on purpose.
    expect((await quietly(() => checkEntries(dir, 'two'))).errors).toContain(
      'two values for two/shared parse',
    )
  })
})
