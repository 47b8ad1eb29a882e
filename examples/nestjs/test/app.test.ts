import type { INestApplication } from '@nestjs/common'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Platform } from '../src/app.ts'

describe.each<Platform>(['express', 'fastify'])('the NestJS example on %s', (platform) => {
  let app: INestApplication
  let url = ''
  beforeAll(async () => {
    // A still clock for the memory store: on the real one a window boundary mid-test would give
    // every counter a fresh window. Only Date is faked; timers and sockets run as usual.
    vi.useFakeTimers({ toFake: ['Date'], now: 1_699_999_998_000 })
    // A fresh module graph per platform, so each app has its own limiters and store.
    vi.resetModules()
    const { createApp } = await import('../src/app.ts')
    app = await createApp(platform, { logger: false })
    await app.listen(0, '127.0.0.1')
    url = await app.getUrl()
  })
  afterAll(async () => {
    await app.close()
    vi.useRealTimers()
  })

  it('limits every route and reports it in draft-10 headers; /health is skipped', async () => {
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(res.headers.get('ratelimit-policy')).toBe('"api";q=100;w=60')
    expect(res.headers.get('ratelimit')).toMatch(/^"api";r=99;t=\d+$/)
    expect(await res.json()).toEqual({ hello: 'world', remaining: 99 })
    expect((await fetch(`${url}/health`)).headers.get('ratelimit')).toBeNull()
  })

  it('allows 3 logins per email, then answers 429 naming the login policy', async () => {
    const signIn = (email: string) =>
      fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      })
    for (let i = 0; i < 3; i++) expect((await signIn('Ann@example.com')).status).toBe(401)
    const refused = await signIn('ann@example.com')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('ratelimit')).toMatch(/^"api";r=\d+;t=\d+, "login";r=0;t=\d+$/)
    expect(((await refused.json()) as { 'violated-policies': string[] })['violated-policies']).toEqual([
      'login',
    ])
    expect((await signIn('bob@example.com')).status).toBe(401)
  })

  it('charges an export 10 units of the app-wide limit', async () => {
    const before = Number(/r=(\d+)/.exec((await fetch(url)).headers.get('ratelimit') ?? '')?.[1])
    const res = await fetch(`${url}/export`)
    expect(res.status).toBe(200)
    expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"api";r=${before - 10};t=\\d+$`))
  })
})
