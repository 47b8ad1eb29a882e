// Fails on a spread of an array into the arguments of a function that folds or copies them
// (`Math.max(...xs)`, `list.push(...xs)`): every element becomes a stack slot, so a long enough
// array throws "Maximum call stack size exceeded", and how long is long enough depends on the
// machine (a chaos test broke this way only on a fast one). Use a loop or reduce. Calls of
// variadic APIs whose arguments are a protocol's (`client.del(...keys)`) are left alone, as are a
// forwarded rest parameter (`(...args) => Math.max(...args)`) and an array literal.
// Run: `tsx scripts/check-spreads.ts` (part of `pnpm check`).

import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** One spread argument the check refuses. */
export interface SpreadFinding {
  readonly file: string
  /** 1-based. */
  readonly line: number
  readonly text: string
}

/** Static functions that take any number of values only to fold them: a loop does the same. */
const FOLDING_FUNCTIONS = new Set([
  'Math.min',
  'Math.max',
  'Math.hypot',
  'String.fromCharCode',
  'String.fromCodePoint',
])
/** Array methods that copy their arguments in: a loop, or `concat`, does the same. */
const COPYING_METHODS = new Set(['push', 'unshift', 'splice'])

/** Whether `call` is one of the above. */
function isFoldingCall(call: ts.CallExpression, source: ts.SourceFile): boolean {
  const callee = call.expression
  if (!ts.isPropertyAccessExpression(callee)) return false
  return FOLDING_FUNCTIONS.has(callee.getText(source)) || COPYING_METHODS.has(callee.name.text)
}

/** Every spread argument of a folding call in `text` that is neither a forwarded rest parameter nor an array literal. */
export function unboundedSpreads(file: string, text: string): SpreadFinding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file))
  const restNames = new Set<string>()
  const spreads: ts.SpreadElement[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isParameter(node) && node.dotDotDotToken !== undefined && ts.isIdentifier(node.name)) {
      restNames.add(node.name.text)
    }
    if (ts.isCallExpression(node) && isFoldingCall(node, source)) {
      for (const argument of node.arguments) if (ts.isSpreadElement(argument)) spreads.push(argument)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  const findings: SpreadFinding[] = []
  for (const spread of spreads) {
    const spreadOf = spread.expression
    if (ts.isArrayLiteralExpression(spreadOf)) continue
    if (ts.isIdentifier(spreadOf) && restNames.has(spreadOf.text)) continue
    const { line } = source.getLineAndCharacterOfPosition(spread.getStart(source))
    const call = spread.parent
    findings.push({ file, line: line + 1, text: call.getText(source).split('\n')[0] as string })
  }
  return findings
}

function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX
  if (/\.[cm]?js$/.test(file)) return ts.ScriptKind.JS
  return ts.ScriptKind.TS
}

/** The repository's TypeScript and JavaScript files (tracked or new, not ignored), as paths from `root`. */
function trackedSources(root: string): string[] {
  const listed = execFileSync(
    'git',
    [
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      '*.ts',
      '*.tsx',
      '*.js',
      '*.mjs',
      '*.cjs',
    ],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  // Untracked files count (new work), deleted ones do not (a rename before it is committed).
  return listed
    .split('\0')
    .filter(
      (path) => path !== '' && !path.includes('/dist/') && existsSync(new URL(`../${path}`, import.meta.url)),
    )
}

function main(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const findings: SpreadFinding[] = []
  for (const file of trackedSources(root)) {
    for (const finding of unboundedSpreads(
      file,
      readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'),
    )) {
      findings.push(finding)
    }
  }
  if (findings.length === 0) {
    console.log('check-spreads: no array spread into call arguments')
    return
  }
  for (const f of findings) console.error(`${f.file}:${f.line}: ${f.text}`)
  console.error(
    `check-spreads: ${findings.length} spread(s) of an array into call arguments; a long array overflows the stack. Use a loop or reduce.`,
  )
  process.exitCode = 1
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()
