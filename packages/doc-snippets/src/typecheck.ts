// Type-checks the TypeScript blocks as a user's strict project would: `strict` and
// `exactOptionalPropertyTypes`, with the workspace packages resolved to their sources. The blocks
// are files in memory, in a folder per document beside this package's node_modules.

import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { type ComposedFile, composeDocument, docFolder } from './compose.ts'
import { isTypeScript, type Snippet } from './markdown.ts'

/** Where the blocks of each document are (virtually, or for a run really) written. */
export const SNIPPETS_DIR = fileURLToPath(new URL('../.snippets/', import.meta.url))

export interface SnippetProblem {
  /** `README.md:27`: the line in the document. */
  readonly where: string
  readonly message: string
}

/**
 * The compiler options of a strict Node project (`NodeNext`, so the `node` export condition
 * applies as when the block runs), from the repository's base config.
 */
function compilerOptions(root: string): ts.CompilerOptions {
  const path = join(root, 'tsconfig.base.json')
  const { config } = ts.readConfigFile(path, ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, path)
  return {
    ...options,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    // The NestJS blocks use Nest's decorators, TypeScript's legacy ones (as a Nest project sets).
    experimentalDecorators: true,
  }
}

/** Every composed TypeScript file of `snippets`, by absolute path. */
function virtualFiles(snippets: readonly Snippet[], base = SNIPPETS_DIR): Map<string, ComposedFile> {
  const byDoc = new Map<string, Snippet[]>()
  for (const snippet of snippets) byDoc.set(snippet.doc, [...(byDoc.get(snippet.doc) ?? []), snippet])
  const files = new Map<string, ComposedFile>()
  for (const [doc, list] of byDoc) {
    for (const file of composeDocument(list)) files.set(resolve(base, docFolder(doc), file.path), file)
  }
  return files
}

/** Problems of the TypeScript blocks among `snippets`, each at its line in its document. */
export function typecheckSnippets(root: string, snippets: readonly Snippet[]): SnippetProblem[] {
  const files = virtualFiles(snippets)
  const options = compilerOptions(root)
  const host = ts.createCompilerHost(options)
  const { fileExists, readFile, getSourceFile, directoryExists } = host
  host.fileExists = (path) => files.has(resolve(path)) || fileExists.call(host, path)
  host.readFile = (path) => files.get(resolve(path))?.text ?? readFile.call(host, path)
  host.directoryExists = (path) =>
    [...files.keys()].some((file) => file.startsWith(`${resolve(path)}/`)) ||
    (directoryExists?.call(host, path) ?? ts.sys.directoryExists(path))
  host.getSourceFile = (path, language, onError, create) => {
    const file = files.get(resolve(path))
    return file === undefined
      ? getSourceFile.call(host, path, language, onError, create)
      : ts.createSourceFile(path, file.text, language)
  }
  const roots = [...files].filter(([, f]) => f.snippet !== undefined && isTypeScript(f.snippet))
  const program = ts.createProgram({
    rootNames: roots.map(([path]) => path),
    options,
    host,
  })
  const problems: SnippetProblem[] = []
  for (const [path, file] of roots) {
    const source = program.getSourceFile(path)
    if (source === undefined) continue
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ]
    for (const d of diagnostics) problems.push(locate(d, file))
  }
  return problems
}

/** A diagnostic at its document line; one in a prelude or epilogue says so. */
function locate(d: ts.Diagnostic, file: ComposedFile): SnippetProblem {
  const snippet = file.snippet as Snippet
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
  const line =
    d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0
  const inBlock = line - file.offset
  const blockLines = snippet.code.split('\n').length
  const where =
    inBlock < 0
      ? `${snippet.doc}:${snippet.line} (in prelude ${snippet.preludes.join(', ')})`
      : inBlock >= blockLines
        ? `${snippet.doc}:${snippet.line} (in epilogue ${snippet.epilogue ?? ''})`
        : `${snippet.doc}:${snippet.line + inBlock}`
  return { where, message: `TS${d.code}: ${message}` }
}
