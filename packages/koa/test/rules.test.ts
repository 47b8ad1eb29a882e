import { ConfigError, createRateLimiter, InputError, parseRules } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import Koa from 'koa'
import { describe, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { appErrors, serve } from './support/servers.ts'

const RULES = `domain: api
descriptors:
  - key: route
    value: /login
    rate_limit: { unit: minute, requests_per_unit: 2, name: login }
  - key: user
    rate_limit: { unit: hour, requests_per_unit: 100 }
  - key: ip
    rate_limit: { unit: second, requests_per_unit: 1 }
    shadow_mode: true
`

type Ctx = Koa.ParameterizedContext
const descriptors = (ctx: Ctx) => [
  [{ key: 'route', value: ctx.path }],
  [{ key: 'user', value: ctx.get('x-user') || 'anonymous' }],
  [{ key: 'ip', value: ctx.ip }],
]

async function app(options: Record<string, unknown> = {}) {
  const limiter = createRateLimiter({
    store: memoryStore(),
    rules: parseRules(RULES),
    clock: () => 1_700_000_000_000,
  })
  const a = new Koa()
  const errors = appErrors(a)
  a.use(rateLimit({ limiter, descriptors, ...options }))
  a.use((ctx) => {
    ctx.body = { shadow: ctx.state.rateLimit?.shadow?.map((p) => [p.policy, p.allowed]) ?? null }
  })
  return { url: await serve(a), errors }
}

describe('@sluice/koa with rules: rateLimit({ limiter, descriptors })', () => {
  it('headers list every enforced policy; the one that denies is named in the 429', async () => {
    const { url } = await app()
    const first = await fetch(`${url}/login`, { headers: { 'x-user': '42' } })
    expect(first.status).toBe(200)
    // An unnamed per-user rule's policy never names the user (the value may be an e-mail address).
    expect(first.headers.get('ratelimit-policy')).toMatch(/^"login";q=2;w=60, "[^"]+";q=100;w=3600$/)
    expect(first.headers.get('ratelimit-policy')).not.toContain('42')
    expect(await first.json()).toEqual({ shadow: [[expect.not.stringContaining('127.0.0.1'), true]] })
    await fetch(`${url}/login`, { headers: { 'x-user': '42' } })
    const third = await fetch(`${url}/login`, { headers: { 'x-user': '42' } })
    expect(third.status).toBe(429)
    expect(((await third.json()) as Record<string, unknown>)['violated-policies']).toEqual(['login'])
    const other = await fetch(`${url}/other`, { headers: { 'x-user': '42' } })
    expect(other.headers.get('ratelimit')).toMatch(/^"[^"]+";r=97;/)
    expect(other.headers.get('ratelimit')).not.toContain('42')
  })

  it('an empty or malformed descriptor list is a 400 problem body, never let through and never a 500', async () => {
    const fromHeader = (ctx: Ctx) => [[{ key: 'user', value: ctx.get('x-user') }]]
    for (const bad of [() => [], () => [[{ key: 'user', value: 7 }]], fromHeader]) {
      const { url, errors } = await app({ descriptors: bad })
      const res = await fetch(url)
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(res.headers.get('ratelimit')).toBeNull()
      expect(((await res.json()) as { title: string }).title).toBe('Bad Request')
      expect(errors).toEqual([])
    }
  })

  it("a descriptors function that throws goes to Koa's error handling as an InputError", async () => {
    const { url, errors } = await app({
      descriptors: () => {
        throw new Error('session store down')
      },
    })
    expect((await fetch(url)).status).toBe(500)
    expect(errors[0]).toBeInstanceOf(InputError)
    expect(errors[0]?.message).toMatch(/the descriptors function threw \(Error: session store down\)/)
  })

  it('construction: a rules limiter needs descriptors', () => {
    const limiter = createRateLimiter({ store: memoryStore(), rules: parseRules(RULES) })
    expect(() => rateLimit({ limiter })).toThrow(ConfigError)
    expect(() => rateLimit({ limiter, descriptors, policyName: 'x' })).toThrow(/policyName does not apply/)
  })
})
