// What a reader of a published README follows: every relative link leads to a file of this
// repository (npm shows them as links into it), and none points at the design notes kept outside.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { docFiles } from '../src/markdown.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const LINK = /\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g

describe('READMEs and docs', () => {
  it('link only to files that exist', () => {
    const broken: string[] = []
    for (const doc of docFiles(root)) {
      const text = readFileSync(join(root, doc), 'utf8')
      for (const [, target] of text.matchAll(LINK)) {
        if (/^[a-z]+:/i.test(target as string)) continue
        if (!existsSync(join(root, dirname(doc), target as string))) broken.push(`${doc}: ${target}`)
      }
    }
    expect(broken).toEqual([])
  })

  it('name no path of the design notes outside the repository (shared/…) in a published README', () => {
    const published = docFiles(root).filter((doc) => /^packages\/[^/]+\/(README\.md|docs\/)/.test(doc))
    expect(published.length).toBeGreaterThan(9)
    const naming = published.filter((doc) =>
      /(^|[\s`'"(/])shared\//.test(readFileSync(join(root, doc), 'utf8')),
    )
    expect(naming).toEqual([])
  })
})
