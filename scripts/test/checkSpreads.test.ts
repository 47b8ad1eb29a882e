import { describe, expect, it } from 'vitest'
import { unboundedSpreads } from '../check-spreads.ts'

const lines = (text: string) => unboundedSpreads('x.ts', text).map((f) => f.line)

describe('check-spreads', () => {
  it('flags a spread into Math.min/max, push, unshift, splice and String.fromCharCode', () => {
    const text = [
      'const a = Math.min(...xs)',
      'const b = Math.max(0, ...xs.map((x) => x.n))',
      'list.push(...more)',
      'list.unshift(1, ...more)',
      'list.splice(0, 0, ...more)',
      'String.fromCharCode(...codes)',
      'const c = Math.min(',
      '  ...records.filter((r) => r.ok),',
      ')',
    ].join('\n')
    expect(lines(text)).toEqual([1, 2, 3, 4, 5, 6, 8])
  })

  it('leaves loops, array literals, forwarded rest parameters and other calls alone', () => {
    const text = [
      'let m = 0; for (const x of xs) if (x > m) m = x',
      'const b = Math.max(...[a, b])',
      'const f = (...args: number[]) => Math.max(...args)',
      'client.del(...keys)',
      'const all = [...xs, ...ys]',
      'list.push(a, b)',
    ].join('\n')
    expect(lines(text)).toEqual([])
  })

  it('names the file, line and call', () => {
    expect(unboundedSpreads('src/a.ts', '\nMath.max(...xs)')).toEqual([
      { file: 'src/a.ts', line: 2, text: 'Math.max(...xs)' },
    ])
  })
})
