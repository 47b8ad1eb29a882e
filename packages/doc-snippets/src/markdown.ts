// Finds the code blocks of the READMEs and docs and reads the `<!-- snippet: … -->` comment above
// each: what the checker does with it, which fixtures it needs, and what file it is.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { EPILOGUES, FIXTURE_FILES, PRELUDES } from './fixtures.ts'

/**
 * What happens to a TypeScript block:
 * - `run` (the default): type-checked, then run with Node against the test servers; it must finish
 *   without an error (and pass its `then=` checks).
 * - `vitest`: a test file: type-checked, then collected and run by vitest.
 * - `check`: type-checked only; the comment must say why in parentheses (it starts a server, it is
 *   a Workers handler …).
 */
type SnippetMode = 'run' | 'vitest' | 'check'

export interface Snippet {
  /** The markdown file, relative to the repository root (`packages/core/README.md`). */
  readonly doc: string
  /** 1-based line of the block's first code line in `doc`. */
  readonly line: number
  /** The fence's language: `ts`, `yaml` … */
  readonly lang: string
  readonly code: string
  readonly mode: SnippetMode
  /** Where the block is written, relative to its document's folder: `snippet-22.ts` by default. */
  readonly file: string
  /** Names of fixtures (fixtures.ts) whose code comes before the block. */
  readonly preludes: readonly string[]
  /** A fixture whose code comes after the block and checks what it built (`then=express-login`). */
  readonly epilogue: string | undefined
  /** Fixture files written next to the block (`with=my-store`). */
  readonly with: readonly string[]
  /** Why a `check` block is not run. */
  readonly reason: string | undefined
}

/** The markdown files whose blocks are checked, relative to the repository root. */
export function docFiles(root: string): string[] {
  const found: string[] = []
  const add = (path: string) => {
    if (existsSync(join(root, path))) found.push(path)
  }
  const walk = (dir: string) => {
    if (!existsSync(join(root, dir))) return
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.md')) found.push(path)
    }
  }
  add('README.md')
  add('benchmarks/README.md')
  walk('docs')
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      add(`${group}/${name}/README.md`)
      walk(`${group}/${name}/docs`)
    }
  }
  return found.map((path) => relative(root, join(root, path)).split('\\').join('/'))
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w-]*)/
const DIRECTIVE = /^<!--\s*snippet:(.*)-->$/
const TYPESCRIPT = new Set(['ts', 'typescript'])

/** Every fenced block of `text` that is TypeScript or carries a snippet comment. */
export function extractSnippets(doc: string, text: string): Snippet[] {
  const lines = text.split('\n')
  const snippets: Snippet[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string)
    if (open === null) continue
    const fence = open[1] as string
    const lang = (open[2] as string).toLowerCase()
    let end = i + 1
    while (end < lines.length && !(lines[end] as string).trimStart().startsWith(fence)) end++
    const code = lines.slice(i + 1, end).join('\n')
    const directive = directiveAbove(lines, i)
    if (TYPESCRIPT.has(lang) || directive !== undefined) {
      snippets.push(parseDirective(doc, i + 2, lang, code, directive ?? ''))
    }
    i = end
  }
  return snippets
}

/** The text of a `<!-- snippet: … -->` comment on the last non-blank line above line `at`. */
function directiveAbove(lines: readonly string[], at: number): string | undefined {
  let i = at - 1
  while (i >= 0 && (lines[i] as string).trim() === '') i--
  const match = i >= 0 ? DIRECTIVE.exec((lines[i] as string).trim()) : null
  return match === null ? undefined : (match[1] as string).trim()
}

const MODES: readonly SnippetMode[] = ['run', 'vitest', 'check']

/** Reads `check prelude=a,b file=x.ts then=y with=z (reason)`; throws naming the block on a mistake. */
function parseDirective(doc: string, line: number, lang: string, code: string, text: string): Snippet {
  const where = `${doc}:${line}`
  const reasonMatch = /\(([^)]*)\)\s*$/.exec(text)
  const reason = reasonMatch?.[1]?.trim()
  const tokens = (reasonMatch === null ? text : text.slice(0, reasonMatch.index)).split(/\s+/).filter(Boolean)
  let mode: SnippetMode = 'run'
  let file = `snippet-${line}.${TYPESCRIPT.has(lang) ? 'ts' : lang || 'txt'}`
  let preludes: string[] = []
  let epilogue: string | undefined
  let withFiles: string[] = []
  for (const token of tokens) {
    const [key, value] = token.includes('=') ? (token.split('=', 2) as [string, string]) : [token, undefined]
    if (value === undefined && (MODES as readonly string[]).includes(key)) mode = key as SnippetMode
    else if (key === 'file' && value) file = value
    else if (key === 'prelude' && value) preludes = value.split(',')
    else if (key === 'then' && value) epilogue = value
    else if (key === 'with' && value) withFiles = value.split(',')
    else throw new Error(`${where}: unknown snippet directive ${JSON.stringify(token)}`)
  }
  for (const name of preludes) {
    if (!Object.hasOwn(PRELUDES, name)) throw new Error(`${where}: no prelude named ${JSON.stringify(name)}`)
  }
  if (epilogue !== undefined && !Object.hasOwn(EPILOGUES, epilogue)) {
    throw new Error(`${where}: no epilogue named ${JSON.stringify(epilogue)}`)
  }
  for (const name of withFiles) {
    if (!Object.hasOwn(FIXTURE_FILES, name))
      throw new Error(`${where}: no fixture file ${JSON.stringify(name)}`)
  }
  if (mode === 'check' && (reason === undefined || reason === '')) {
    throw new Error(`${where}: a 'check' snippet says in parentheses why it is not run`)
  }
  if (epilogue !== undefined && mode !== 'run') throw new Error(`${where}: then= needs a 'run' snippet`)
  return {
    doc,
    line,
    lang,
    code,
    mode,
    file,
    preludes,
    epilogue,
    with: withFiles,
    reason: reason || undefined,
  }
}

/** Every snippet of every checked document under `root`. */
export function allSnippets(root: string): Snippet[] {
  return docFiles(root).flatMap((doc) => extractSnippets(doc, readFileSync(join(root, doc), 'utf8')))
}

/** Whether a snippet is TypeScript (type-checked) rather than a data file written for one. */
export function isTypeScript(snippet: Snippet): boolean {
  return TYPESCRIPT.has(snippet.lang)
}
