import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { allSnippets, extractSnippets } from '../src/markdown.ts'
import { type SnippetProblem, typecheckSnippets } from '../src/typecheck.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))

// Two mistakes a strict project refuses, checked in the same program as the docs (one program
// for both: building it is most of the time).
const bad = extractSnippets(
  'bad.md',
  [
    'Intro',
    '```ts',
    "import { Redis } from 'ioredis'",
    'const client = new Redis(process.env.REDIS_URL)',
    '```',
    '<!-- snippet: prelude=express-app -->',
    '```ts',
    "app.get('/', (req, res) => res.json({ id: req.user.id }))",
    '```',
  ].join('\n'),
)

let problems: SnippetProblem[] = []
// One TypeScript program over every snippet: CPU-bound, it took over 120 s at load 20 on 2 cores.
beforeAll(() => {
  problems = typecheckSnippets(root, [...allSnippets(root), ...bad])
}, 600_000)

describe('the TypeScript blocks of every README and docs page', () => {
  it('type-check under strict and exactOptionalPropertyTypes', () => {
    expect(allSnippets(root).length).toBeGreaterThan(30)
    const inDocs = problems.filter((p) => !p.where.startsWith('bad.md'))
    expect(inDocs.map((p) => `${p.where}: ${p.message}`)).toEqual([])
  })
})

describe('typecheckSnippets', () => {
  it('reports what a strict project refuses, at its line in the document', () => {
    const inBad = problems.filter((p) => p.where.startsWith('bad.md'))
    expect(inBad.map((p) => p.where)).toEqual(['bad.md:4', 'bad.md:8'])
    expect(inBad[0]?.message).toMatch(/^TS2769: No overload matches this call/)
    expect(inBad[1]?.message).toMatch(/^TS2339: Property 'user' does not exist/)
  })
})
