import { readFileSync, writeFileSync } from 'node:fs'
import { LUA_FILES, type LuaFile, renderGenerated } from './render.ts'

const root = new URL('..', import.meta.url)
const sources = Object.fromEntries(
  LUA_FILES.map((name) => [name, readFileSync(new URL(`lua/${name}.lua`, root), 'utf8')]),
) as Record<LuaFile, string>
const target = new URL('src/scripts.generated.ts', root)
writeFileSync(target, renderGenerated(sources))
console.log(`wrote ${target.pathname}`)
