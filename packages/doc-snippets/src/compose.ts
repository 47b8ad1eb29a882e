// Turns a document's blocks into files: each TypeScript block with its preludes before it and its
// epilogue after it, each data block (a rules.yaml) as it is, and the fixture files they name.

import { EPILOGUES, FIXTURE_FILES, PRELUDES } from './fixtures.ts'
import { isTypeScript, type Snippet } from './markdown.ts'

export interface ComposedFile {
  /** Relative to the document's folder. */
  readonly path: string
  readonly text: string
  /** The block this file holds (undefined for a fixture file). */
  readonly snippet: Snippet | undefined
  /** Lines before the block's first line: a diagnostic on line n (0-based) is block line n − offset. */
  readonly offset: number
}

const lineCount = (text: string) => text.split('\n').length

/** One block as a file. */
export function composeSnippet(snippet: Snippet): ComposedFile {
  if (!isTypeScript(snippet)) return { path: snippet.file, text: `${snippet.code}\n`, snippet, offset: 0 }
  const before = snippet.preludes.map((name) => (PRELUDES[name] as string).trim()).join('\n')
  const after = snippet.epilogue === undefined ? '' : (EPILOGUES[snippet.epilogue] as string).trim()
  // A block with no import or export is still a module, so its names stay its own.
  const head = `export {}\n${before === '' ? '' : `${before}\n`}`
  return {
    path: snippet.file,
    text: `${head}${snippet.code}\n${after}\n`,
    snippet,
    offset: lineCount(head) - 1,
  }
}

/** Every file of one document's blocks; throws if two blocks claim one path. */
export function composeDocument(snippets: readonly Snippet[]): ComposedFile[] {
  const files = new Map<string, ComposedFile>()
  const add = (file: ComposedFile, where: string) => {
    if (files.has(file.path)) throw new Error(`${where}: ${file.path} is written by another block too`)
    files.set(file.path, file)
  }
  for (const snippet of snippets) {
    const where = `${snippet.doc}:${snippet.line}`
    add(composeSnippet(snippet), where)
    for (const name of snippet.with) {
      const fixture = FIXTURE_FILES[name] as { path: string; code: string }
      if (!files.has(fixture.path))
        add({ path: fixture.path, text: fixture.code, snippet: undefined, offset: 0 }, where)
    }
  }
  return [...files.values()]
}

/** The folder name of a document's files: `packages/core/README.md` → `packages__core__README`. */
export function docFolder(doc: string): string {
  return doc.replace(/\.md$/, '').split('/').join('__')
}
