import { describe, expect, it } from 'vitest'
import { composeSnippet } from '../src/compose.ts'
import { extractSnippets } from '../src/markdown.ts'

const doc = (...lines: string[]) => lines.join('\n')

describe('extractSnippets', () => {
  it('finds TypeScript blocks, with their first code line, and defaults them to run', () => {
    const text = doc('# Title', '', '```ts', 'const a = 1', '```', '', '```sh', 'pnpm add x', '```')
    const [block, ...rest] = extractSnippets('README.md', text)
    expect(rest).toEqual([])
    expect(block).toMatchObject({ doc: 'README.md', line: 4, lang: 'ts', code: 'const a = 1', mode: 'run' })
    expect(block?.file).toBe('snippet-4.ts')
  })

  it('reads the comment above a block: mode, preludes, file, epilogue, fixture files, reason', () => {
    const text = doc(
      '<!-- snippet: check prelude=sluice,ioredis-client file=test/x.test.ts with=my-store (needs a Worker) -->',
      '```ts',
      'x',
      '```',
      '<!-- snippet: prelude=express-app then=express-login -->',
      '',
      '```typescript',
      'y',
      '```',
    )
    const [a, b] = extractSnippets('doc.md', text)
    expect(a).toMatchObject({
      mode: 'check',
      preludes: ['sluice', 'ioredis-client'],
      file: 'test/x.test.ts',
      with: ['my-store'],
      reason: 'needs a Worker',
    })
    expect(b).toMatchObject({ mode: 'run', preludes: ['express-app'], epilogue: 'express-login', line: 8 })
  })

  it('keeps a data block only when a comment names its file', () => {
    const text = doc(
      '<!-- snippet: file=rules.yaml -->',
      '```yaml',
      'domain: api',
      '```',
      '```yaml',
      'b: 1',
      '```',
    )
    expect(extractSnippets('doc.md', text).map((s) => [s.lang, s.file, s.code])).toEqual([
      ['yaml', 'rules.yaml', 'domain: api'],
    ])
  })

  it('refuses an unknown directive, prelude or epilogue, and a check without its reason', () => {
    const block = (directive: string) => doc(`<!-- snippet: ${directive} -->`, '```ts', 'x', '```')
    expect(() => extractSnippets('d.md', block('runs'))).toThrow('d.md:3: unknown snippet directive "runs"')
    expect(() => extractSnippets('d.md', block('prelude=nope'))).toThrow('no prelude named "nope"')
    expect(() => extractSnippets('d.md', block('then=nope'))).toThrow('no epilogue named "nope"')
    expect(() => extractSnippets('d.md', block('check'))).toThrow('says in parentheses why')
    expect(() => extractSnippets('d.md', block('vitest then=express-login'))).toThrow("then= needs a 'run'")
  })
})

describe('composeSnippet', () => {
  it('puts the preludes before the block and the epilogue after, and knows where the block starts', () => {
    const [block] = extractSnippets(
      'd.md',
      doc('<!-- snippet: prelude=metrics then=hono-root -->', '```ts', 'metrics.increment("x")', '```'),
    )
    const file = composeSnippet(block as NonNullable<typeof block>)
    const lines = file.text.split('\n')
    expect(lines[file.offset]).toBe('metrics.increment("x")')
    expect(lines.slice(0, file.offset).join('\n')).toContain('const metrics')
    expect(lines.slice(file.offset + 1).join('\n')).toContain('honoRootShowsWhatIsLeft')
  })
})
