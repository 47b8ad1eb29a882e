import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { coreLayer, findCycles, graphOf, importsOf, layerViolations } from '../check-cycles.ts'

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

/** A source folder holding `files` (path → text). */
function folder(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), 'check-cycles-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

describe('check-cycles', () => {
  it('reads static, type-only, re-export and dynamic imports, relative ones only', () => {
    const text = [
      "import { a } from './a.ts'",
      "import type { B } from '../b.ts'",
      "export { c } from './c/index.ts'",
      "export type { D } from './d'",
      "const e = await import('./e.js')",
      "import ts from 'typescript'",
    ].join('\n')
    expect(importsOf(text)).toEqual(['./a.ts', '../b.ts', './c/index.ts', './d', './e.js'])
  })

  it('finds a cycle made of a type-only import, through folders, and names its path', () => {
    const src = folder({
      'limiter.ts': "import { plan } from './rules/planner.ts'\nexport const limiter = plan",
      'rules/planner.ts': "import type { Limiter } from '../limiter.ts'\nexport const plan = 1",
      'errors.ts': 'export class E {}',
    })
    expect(findCycles(graphOf(src))).toEqual([['limiter.ts', 'rules/planner.ts', 'limiter.ts']])
  })

  it('finds a longer cycle and a file that imports itself; a graph without one passes', () => {
    const src = folder({
      'a.ts': "import './b.ts'",
      'b.ts': "import './c'",
      'c.ts': "import './a.js'",
      'self.ts': "export * from './self.ts'",
      'leaf.ts': "import './a.ts'",
    })
    const cycles = findCycles(graphOf(src))
    expect(cycles).toHaveLength(2)
    expect(cycles).toContainEqual(['self.ts', 'self.ts'])
    const abc = cycles.find((c) => c.length === 4) as string[]
    expect(new Set(abc)).toEqual(new Set(['a.ts', 'b.ts', 'c.ts']))
    expect(abc[0]).toBe(abc[3])
    expect(findCycles(graphOf(folder({ 'a.ts': "import './b.ts'", 'b.ts': '' })))).toEqual([])
  })

  it('refuses an import from a lower layer of core to a higher one, type-only included', () => {
    expect(coreLayer('errors.ts')).toBeLessThan(coreLayer('algorithm.ts'))
    expect(coreLayer('algorithms/gcra.ts')).toBeLessThan(coreLayer('decision.ts'))
    expect(coreLayer('decision.ts')).toBeLessThan(coreLayer('resilience/denyCache.ts'))
    expect(coreLayer('resilience/runtime.ts')).toBeLessThan(coreLayer('resilience/denyCache.ts'))
    expect(coreLayer('rules/match.ts')).toBeLessThan(coreLayer('limiter.ts'))
    expect(coreLayer('limiter.ts')).toBeLessThan(coreLayer('http/check.ts'))
    // Lists answer in the pipeline from decisions, so they sit between the two.
    expect(coreLayer('decision.ts')).toBeLessThan(coreLayer('access/listed.ts'))
    expect(coreLayer('access/ranges.ts')).toBeLessThan(coreLayer('pipeline.ts'))
    expect(coreLayer('index.ts')).toBeGreaterThan(coreLayer('http/check.ts'))
    const src = folder({
      'decision.ts': "import type { Degraded } from './resilience/degraded.ts'",
      'resilience/degraded.ts': "import type { Decision } from '../decision.ts'",
      'http/check.ts': "import { createRateLimiter } from '../limiter.ts'",
      'limiter.ts': '',
    })
    expect(layerViolations(graphOf(src))).toEqual(['decision.ts → resilience/degraded.ts'])
  })
})
