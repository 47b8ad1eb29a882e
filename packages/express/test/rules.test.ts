import { ConfigError, createRateLimiter, fixedWindow, InputError, parseRules } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import express, { type ErrorRequestHandler, type Request } from 'express'
import { describe, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { serve } from './support/server.ts'

const RULES = `domain: api
descriptors:
  - key: route
    value: /login
    rate_limit: { unit: minute, requests_per_unit: 2, name: login }
  - key: user
    rate_limit: { unit: hour, requests_per_unit: 100, algorithm: gcra, burst: 5 }
  - key: ip
    rate_limit: { unit: second, requests_per_unit: 1 }
    shadow_mode: true
`

const descriptors = (req: Request) => [
  [{ key: 'route', value: req.path }],
  [{ key: 'user', value: req.get('x-user') ?? 'anonymous' }],
  [{ key: 'ip', value: req.ip ?? 'none' }],
]

async function app(options: Partial<Parameters<typeof rateLimit>[0]> = {}) {
  const limiter = createRateLimiter({
    store: memoryStore(),
    rules: parseRules(RULES),
    clock: () => 1_700_000_000_000,
  })
  const a = express()
  const errors: unknown[] = []
  a.use(rateLimit({ limiter, descriptors, ...options }))
  a.use((req, res) => {
    res.json({ shadow: req.rateLimit?.shadow?.map((p) => [p.policy, p.allowed]) ?? null })
  })
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    errors.push(err)
    res.status(500).json({ error: (err as Error).message })
  }
  a.use(onError)
  return { url: await serve(a), errors }
}

describe('@sluice/express with rules: rateLimit({ limiter, descriptors })', () => {
  it('headers list every enforced policy; the one that denies is named in the 429', async () => {
    const { url } = await app()
    const first = await fetch(`${url}/login`, { headers: { 'x-user': '42' } })
    expect(first.status).toBe(200)
    // An unnamed per-user rule's policy never names the user (the value may be an e-mail address).
    expect(first.headers.get('ratelimit-policy')).toMatch(/^"login";q=2;w=60, "[^"]+";q=5;w=180$/)
    expect(first.headers.get('ratelimit-policy')).not.toContain('42')
    expect(first.headers.get('ratelimit')).toMatch(/^"login";r=1;t=\d+, "[^"]+";r=4;t=\d+$/)
    // The shadow ip limit is evaluated but never advertised nor enforced.
    expect(await first.json()).toEqual({ shadow: [[expect.not.stringContaining('127.0.0.1'), true]] })
    const second = await fetch(`${url}/login`, { headers: { 'x-user': '42' } })
    expect(await second.json()).toEqual({ shadow: [[expect.not.stringContaining('127.0.0.1'), false]] })
    const third = await fetch(`${url}/login`, { headers: { 'x-user': '42' } })
    expect(third.status).toBe(429)
    expect(third.headers.get('retry-after')).not.toBeNull()
    expect(((await third.json()) as Record<string, unknown>)['violated-policies']).toEqual(['login'])
    // Atomic: the refused request took nothing from the user's limit.
    const other = await fetch(`${url}/other`, { headers: { 'x-user': '42' } })
    expect(other.headers.get('ratelimit')).toMatch(/^"[^"]+";r=2;/)
    expect(other.headers.get('ratelimit')).not.toContain('42')
  })

  it('an empty or malformed descriptor list is a 400 problem body, never through and never a 500', async () => {
    const fromHeader = (req: Request) => [[{ key: 'user', value: req.get('x-user') as string }]]
    for (const bad of [() => [], () => [[{ key: 'user' }]], () => 'user:42', fromHeader]) {
      const { url, errors } = await app({ descriptors: bad as never })
      const res = await fetch(url)
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(res.headers.get('ratelimit')).toBeNull()
      expect(((await res.json()) as { title: string }).title).toBe('Bad Request')
      expect(errors).toEqual([])
    }
  })

  it('a descriptors function that throws goes to next(err) as an InputError', async () => {
    const { url, errors } = await app({
      descriptors: () => {
        throw new Error('session store down')
      },
    })
    expect((await fetch(url)).status).toBe(500)
    expect(errors[0]).toBeInstanceOf(InputError)
    expect((errors[0] as Error).message).toMatch(
      /the descriptors function threw \(Error: session store down\)/,
    )
  })

  it('construction: descriptors need a rules limiter, and a rules limiter needs descriptors', () => {
    const rulesLimiter = createRateLimiter({ store: memoryStore(), rules: parseRules(RULES) })
    const plain = createRateLimiter({
      store: memoryStore(),
      algorithm: fixedWindow({ limit: 1, window: '1s' }),
    })
    expect(() => rateLimit({ limiter: rulesLimiter })).toThrow(ConfigError)
    expect(() => rateLimit({ limiter: rulesLimiter })).toThrow(/needs descriptors/)
    expect(() => rateLimit({ limiter: plain, descriptors })).toThrow(
      /descriptors need a limiter made from rules/,
    )
    expect(() => rateLimit({ limiter: rulesLimiter, descriptors, key: () => 'x' })).toThrow(
      /key and descriptors/,
    )
  })
})
