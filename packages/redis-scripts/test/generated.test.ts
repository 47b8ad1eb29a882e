import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { LUA_FILES, type LuaFile, renderGenerated } from '../scripts/render.ts'
import { LUA_SOURCES } from '../src/index.ts'

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')

it('src/scripts.generated.ts is up to date with lua/*.lua (else run `pnpm --filter @sluice/redis-scripts generate`)', () => {
  const sources = Object.fromEntries(LUA_FILES.map((name) => [name, read(`lua/${name}.lua`)])) as Record<
    LuaFile,
    string
  >
  expect(read('src/scripts.generated.ts')).toBe(renderGenerated(sources))
  for (const name of LUA_FILES) expect(LUA_SOURCES[name]).toBe(sources[name])
})

it('has one .lua file per core algorithm module, named alike', () => {
  const core = ['fixedWindow', 'slidingLog', 'slidingWindow', 'tokenBucket', 'gcra', 'leakyBucket']
  for (const name of core) {
    expect(LUA_FILES).toContain(name)
    expect(() => read(`../core/src/algorithms/${name}.ts`)).not.toThrow()
  }
})

it('renders text with backticks, ${ and backslashes back exactly', () => {
  const tricky = ['a `b` ', '$', '{c} \\d \\` end'].join('')
  const sources = Object.fromEntries(LUA_FILES.map((name) => [name, tricky])) as Record<LuaFile, string>
  const body = renderGenerated(sources).replace(/^[\s\S]*?export const LUA_SOURCES[^=]*= /, 'return ')
  const evaluated = new Function(body) as () => Record<string, string>
  expect(evaluated().engine).toBe(tricky)
})

it('uses no Node built-in at run time, so it runs on edge runtimes', () => {
  for (const file of [
    'batch.ts',
    'client.ts',
    'index.ts',
    'keys.ts',
    'layout.ts',
    'scripts.ts',
    'version.ts',
    'scripts.generated.ts',
    'slot.ts',
    'store.ts',
  ]) {
    expect(read(`src/${file}`), file).not.toMatch(/from '(node:|fs|path|crypto)/)
  }
})
