import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { END, renderLayoutTable, START, withLayoutTable } from '../scripts/layoutTable.ts'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe("README's KEYS/ARGV/reply table", () => {
  it('is what the code gives; after changing src/layout.ts run scripts/readme.ts (see "Changing a script")', () => {
    expect(withLayoutTable(readme, renderLayoutTable())).toBe(readme)
  })

  it("names each slot by what singleArgs puts there: the header fields, then the limit's params", () => {
    const table = renderLayoutTable()
    expect(table.startsWith(START) && table.endsWith(END)).toBe(true)
    expect(table).toMatch(/\| `ARGV\[2\]` \| cost/)
    expect(table).toMatch(/\| `ARGV\[3\]` \| the mode: .*`maxDelayMs`/)
    expect(table).toContain('| `KIND_SCRIPTS.tokenBucket` | `capacity` | `tokenUnits` | `refillUnitsPerMs` |')
    expect(table).toContain('| `KIND_SCRIPTS.gcra` | `intervalNum` | `intervalDen` | `burst` |')
    expect(table).toContain(
      "| `KIND_SCRIPTS.fixedWindow` | `limit` | `windowMs` | `align` (0: `'epoch'`, 1: `'first-request'`) |",
    )
    expect(table).toContain('| `KIND_SCRIPTS.slidingLog` | `limit` | `windowMs` | — |')
    expect(table).toContain(
      'Reply: 4 values, in order: `allowed` (1 or 0), `remaining`, `resetAfterMs`, the wait',
    )
  })

  it('is found stale when the README differs', () => {
    const stale = readme.replace(
      '`intervalNum` | `intervalDen` | `burst`',
      '`burst` | `intervalNum` | `intervalDen`',
    )
    expect(stale).not.toBe(readme)
    expect(withLayoutTable(stale, renderLayoutTable())).toBe(readme)
  })
})
