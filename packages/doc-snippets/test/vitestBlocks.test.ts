// The docs' `vitest` blocks (a test file a reader copies, the complete store of
// docs/writing-a-store.md under the conformance suite), written to disk and collected here as they
// are written: their tests run as tests of this file.
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { allSnippets } from '../src/markdown.ts'
import { removeDocument, writeDocument } from '../src/run.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const snippets = allSnippets(root)
const blocks = snippets.filter((s) => s.mode === 'vitest')
const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) removeDocument(dir)
})

it('finds the vitest blocks: the README test and the store of the store guide', () => {
  expect(blocks.map((s) => `${s.doc} ${s.file}`)).toEqual(
    expect.arrayContaining(['README.md limits.test.ts', 'docs/writing-a-store.md mapStore.test.ts']),
  )
})

for (const doc of new Set(blocks.map((s) => s.doc))) {
  const dir = writeDocument(
    doc,
    snippets.filter((s) => s.doc === doc),
  )
  dirs.push(dir)
  for (const block of blocks.filter((s) => s.doc === doc)) {
    describe(`${block.doc}:${block.line}`, async () => {
      await import(pathToFileURL(join(dir, block.file)).href)
    })
  }
}
