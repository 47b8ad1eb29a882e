// Runs a `run` block as a user would: its document's files written to a folder of their own, then
// `node` (with tsx and the workspace's source condition) on the block in a child process, whose
// working directory is that folder (so a block reads the rules.yaml its document shows).

import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { composeDocument, docFolder } from './compose.ts'
import type { Snippet } from './markdown.ts'
import { SNIPPETS_DIR } from './typecheck.ts'

/** Writes one document's files (every block, fixture files) to a fresh folder; returns it. */
export function writeDocument(doc: string, snippets: readonly Snippet[]): string {
  mkdirSync(SNIPPETS_DIR, { recursive: true })
  const dir = mkdtempSync(join(SNIPPETS_DIR, `${docFolder(doc)}-`))
  // What tsx compiles the blocks with: Nest's decorators are TypeScript's legacy ones, as a Nest
  // project's tsconfig says (typecheck.ts sets the same).
  writeFileSync(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions: { experimentalDecorators: true } })}\n`,
  )
  for (const file of composeDocument(snippets)) {
    const path = join(dir, file.path)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, file.text)
  }
  return dir
}

/** Removes a folder `writeDocument` made. */
export function removeDocument(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly output: string
}

// Imports the block; once its top level has finished (and a rejection it left has surfaced),
// exits: a block may leave a client or a server open, as an app would.
const RUNNER = (file: string) => `process.on('unhandledRejection', (error) => {
  console.error(error)
  process.exit(1)
})
await import(${JSON.stringify(`./${file}`)})
await new Promise((resolve) => setImmediate(resolve))
process.exit(0)
`

/**
 * Runs `snippet` (already written to `dir`) in a child process with `env` added. `timeoutMs` only
 * bounds a block that hangs: it is killed and the result says so.
 */
export function runSnippet(
  dir: string,
  snippet: Snippet,
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<RunResult> {
  const runner = join(dir, `__run-${snippet.line}.mjs`)
  writeFileSync(runner, RUNNER(snippet.file))
  const child = spawn(process.execPath, ['--conditions=@sluice/source', '--import', 'tsx', runner], {
    cwd: dir,
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const timer = setTimeout(() => {
    output += `\n[killed: still running after ${timeoutMs} ms]`
    child.kill('SIGKILL')
  }, timeoutMs)
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output })
    })
  })
}
