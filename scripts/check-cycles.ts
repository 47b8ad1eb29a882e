// Fails on an import cycle between the source files of any package, and on a file of core that
// imports one of a higher layer (algorithm ← decision ← store call ← limiter ← http). Type-only
// imports and re-exports count: a cycle of types still ties two modules so neither can change or
// move alone. Run: `tsx scripts/check-cycles.ts` (part of `pnpm check`).

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** Files by path (from one root, with `/`), each with the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>

/**
 * Core's layers, lowest first, as path prefixes under packages/core/src. A file may import files
 * of its own layer or of a lower one. A file no prefix names is an entry point (top layer): it may
 * import anything, and no layered file may import it.
 */
export const CORE_LAYERS: readonly (readonly string[])[] = [
  // Foundations: errors, option and duration rules, keys, the runtime's timers.
  [
    'errors.ts',
    'validate.ts',
    'suggest.ts',
    'duration.ts',
    'ratio.ts',
    'keys.ts',
    'clock.ts',
    'cost.ts',
    'resilience/runtime.ts',
  ],
  // Algorithms: pure steps.
  ['algorithm.ts', 'algorithms/', 'stepAll.ts', 'penalty.ts'],
  // Decisions and the Store contract (and the shape of a rule set, which events name).
  ['decision.ts', 'combine.ts', 'store.ts', 'reply.ts', 'plan.ts', 'rules/types.ts'],
  // Allow and deny lists (IP text, ranges) and the decisions they make without a store.
  ['access/'],
  // Events, logs and explanations: what every layer above reports through.
  ['events/'],
  // A call to the store: deadlines, breaker, deny cache, what to answer without the store.
  ['resilience/', 'storeCall.ts'],
  // One limiter pipeline, its refunds and waiting on it (wait, throttle), the rules planner, the limiter.
  [
    'callOptions.ts',
    'costs.ts',
    'callCost.ts',
    'refunds.ts',
    'pipeline.ts',
    'wait.ts',
    'throttle.ts',
    'charges.ts',
  ],
  ['rules/'],
  [
    'limiter.ts',
    'limiterChecks.ts',
    'perCaller.ts',
    'sharedCounters.ts',
    'penaltyOptions.ts',
    'penaltyCalls.ts',
  ],
  // HTTP: what bindings share.
  ['http/'],
]

/** The layer of a file of core (its path under packages/core/src), or `CORE_LAYERS.length` for an entry point. */
export function coreLayer(path: string): number {
  let found = CORE_LAYERS.length
  let longest = 0
  CORE_LAYERS.forEach((prefixes, layer) => {
    for (const prefix of prefixes) {
      const fits = prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix
      if (fits && prefix.length > longest) {
        found = layer
        longest = prefix.length
      }
    }
  })
  return found
}

/** The relative imports of `text` (static, type-only, re-exports and `import()`), as written. */
export function importsOf(text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true)
  return importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'))
}

/** Every cycle of `graph`, each as a path that starts and ends at the same file. */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = []
  for (const component of stronglyConnected(graph)) {
    const first = component[0] as string
    if (component.length > 1 || (graph.get(first) ?? []).includes(first)) {
      cycles.push(cycleThrough(graph, first, new Set(component)))
    }
  }
  return cycles
}

/** Tarjan's algorithm, iterative so a deep graph cannot overflow the stack. */
function stronglyConnected(graph: ImportGraph): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const components: string[][] = []
  let next = 0
  for (const root of graph.keys()) {
    if (index.has(root)) continue
    const work: [string, number][] = [[root, 0]]
    while (work.length > 0) {
      const frame = work[work.length - 1] as [string, number]
      const [node, i] = frame
      if (i === 0) {
        index.set(node, next)
        low.set(node, next)
        next++
        stack.push(node)
        onStack.add(node)
      }
      const edges = graph.get(node) ?? []
      if (i < edges.length) {
        frame[1] = i + 1
        const to = edges[i] as string
        if (!graph.has(to)) continue
        if (!index.has(to)) work.push([to, 0])
        else if (onStack.has(to)) low.set(node, Math.min(low.get(node) as number, index.get(to) as number))
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined) {
        low.set(parent[0], Math.min(low.get(parent[0]) as number, low.get(node) as number))
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = []
        let member: string
        do {
          member = stack.pop() as string
          onStack.delete(member)
          component.push(member)
        } while (member !== node)
        components.push(component.sort())
      }
    }
  }
  return components
}

/** A shortest cycle from `start` back to itself inside `members` (breadth-first). */
function cycleThrough(graph: ImportGraph, start: string, members: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>()
  const queue = [start]
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue
      if (to === start) {
        const path = [start]
        for (let at = node; at !== start; at = cameFrom.get(at) as string) path.unshift(at)
        path.unshift(start)
        return path
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node)
        queue.push(to)
      }
    }
  }
  return [start, start]
}

/** Imports of core that go from a lower layer to a higher one, as `from → to` (paths under src). */
export function layerViolations(graph: ImportGraph): string[] {
  const found: string[] = []
  for (const [from, edges] of graph) {
    for (const to of edges) {
      if (coreLayer(to) > coreLayer(from)) found.push(`${from} → ${to}`)
    }
  }
  return found
}

/** The import graph of every `.ts` file under `dir`, paths relative to `dir`. */
export function graphOf(dir: string): Map<string, string[]> {
  const files = sourceFiles(dir)
  const known = new Set(files)
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const edges: string[] = []
    for (const specifier of importsOf(readFileSync(join(dir, file), 'utf8'))) {
      const target = resolve(file, specifier, known)
      if (target !== undefined && !edges.includes(target)) edges.push(target)
    }
    graph.set(file, edges)
  }
  return graph
}

function sourceFiles(dir: string, under = ''): string[] {
  const out: string[] = []
  for (const name of readdirSync(join(dir, under)).sort()) {
    const path = under === '' ? name : `${under}/${name}`
    if (statSync(join(dir, path)).isDirectory()) for (const f of sourceFiles(dir, path)) out.push(f)
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** `./x.ts`, `./x.js` or `./x` from `file`, as a file of `known`. */
function resolve(file: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const base = normalize(join(dirname(file), specifier))
    .split('\\')
    .join('/')
  const stem = base.replace(/\.(ts|js|mjs|cjs)$/, '')
  for (const candidate of [base, `${stem}.ts`, `${stem}/index.ts`]) if (known.has(candidate)) return candidate
  return undefined
}

function main(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const problems: string[] = []
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const src = join(root, 'packages', name, 'src')
    if (!statSync(join(root, 'packages', name)).isDirectory()) continue
    let graph: Map<string, string[]>
    try {
      graph = graphOf(src)
    } catch {
      continue // no src folder
    }
    const where = relative(root, src)
    for (const cycle of findCycles(graph)) problems.push(`${where}: import cycle ${cycle.join(' → ')}`)
    if (name === 'core') {
      for (const v of layerViolations(graph))
        problems.push(`${where}: a lower layer imports a higher one: ${v}`)
    }
  }
  if (problems.length === 0) {
    console.log('check-cycles: no import cycle, and core imports only downwards')
    return
  }
  for (const p of problems) console.error(p)
  console.error(
    `check-cycles: ${problems.length} problem(s). Move what both files need into a lower module (types too); core's layers are CORE_LAYERS in scripts/check-cycles.ts.`,
  )
  process.exitCode = 1
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()
