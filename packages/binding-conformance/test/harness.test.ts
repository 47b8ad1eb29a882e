// The suite's own tools: raw header lines, servers closed with their test, the default faulty store.
import { StoreError } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { describe, expect, it } from 'vitest'
import { listen } from '../src/harness.ts'
import { BINDING_AREAS, resolveSuiteOptions } from '../src/options.ts'
import { rateLimitLines, rawGet } from '../src/raw.ts'

describe('rawGet and rateLimitLines', () => {
  it('keep each header line as sent, so two RateLimit lines are not read as one list', async () => {
    const url = await listen((_req, res) => {
      res.setHeader('RateLimit', ['"a";r=1;t=2', '"b";r=3;t=4'])
      res.setHeader('Retry-After', '4')
      res.setHeader('X-Request-Id', 'abc')
      res.end('ok')
    })
    const res = await rawGet(url)
    expect(res.statusLine).toBe('HTTP/1.1 200 OK')
    expect(rateLimitLines(res)).toEqual([
      'ratelimit: "a";r=1;t=2',
      'ratelimit: "b";r=3;t=4',
      'retry-after: 4',
    ])
    expect((await fetch(url)).headers.get('ratelimit')).toBe('"a";r=1;t=2, "b";r=3;t=4')
  })
})

describe('listen', () => {
  let url = ''
  it('serves until its test ends', async () => {
    url = await listen((_req, res) => res.end('ok'))
    expect(await (await fetch(url)).text()).toBe('ok')
  })

  it('closes the server when its test has ended', async () => {
    await expect(fetch(url)).rejects.toThrow()
  })
})

describe('suite options', () => {
  it('run every area by default, with a faulty store whose calls reject with a StoreError', async () => {
    const resolved = resolveSuiteOptions({ store: () => memoryStore() })
    expect([...resolved.areas]).toEqual([...BINDING_AREAS])
    const faulty = resolved.faultyStore()
    expect(faulty.capabilities).toEqual(memoryStore().capabilities)
    await expect(faulty.apply({ key: 'k', limits: [], cost: 1, consume: true, now: 0 })).rejects.toThrow(
      StoreError,
    )
  })
})
