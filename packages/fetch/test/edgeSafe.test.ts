// No Node built-in in the sources: the package runs on edge runtimes.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// architecture.md: no Node built-in in @sluice/fetch, so it runs on Cloudflare Workers, Deno, Bun
// and Vercel Edge (scripts/check-edge.ts checks the built dist the same way).
const src = join(import.meta.dirname, '../src')
const files = readdirSync(src).filter((f) => f.endsWith('.ts'))

describe('edge-safe source', () => {
  it.each(files)('%s imports only the edge entries of @sluice/core and its own modules', (file) => {
    // Code only: TSDoc examples may show other packages.
    const code = readFileSync(join(src, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
    const specifiers = [...code.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'/g)].map(
      (m) => m[1] ?? m[2],
    )
    expect(specifiers.length).toBeGreaterThan(0)
    for (const s of specifiers) expect(s).toMatch(/^(@sluice\/core(\/http)?|\.\/[\w.]+)$/)
    expect(code).not.toMatch(/\b(process|Buffer|require|__dirname|setImmediate)\b/)
  })
})
