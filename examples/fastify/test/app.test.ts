import type { AddressInfo } from 'node:net'
import { memoryStore } from '@sluice/memory'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'

let url = ''
let app: FastifyInstance
beforeAll(async () => {
  // A still clock: on the real one a window boundary mid-test would give every counter a fresh window.
  app = await createApp(memoryStore(), { clock: () => 1_699_999_998_000 })
  await app.listen({ port: 0, host: '127.0.0.1' })
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
})
afterAll(() => app.close())

describe('the Fastify example', () => {
  it('limits every route and reports it in draft-10 headers; /health is exempt', async () => {
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(res.headers.get('ratelimit-policy')).toBe('"api";q=100;w=60')
    expect(res.headers.get('ratelimit')).toMatch(/^"api";r=99;t=\d+$/)
    expect(await res.json()).toEqual({ hello: 'world', remaining: 99 })
    expect((await fetch(`${url}/health`)).headers.get('ratelimit')).toBeNull()
  })

  it('allows 3 logins per email, then answers 429 with both policies', async () => {
    const login = (email: string) =>
      fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      })
    for (let i = 0; i < 3; i++) expect((await login('Ann@example.com')).status).toBe(401)
    const refused = await login('ann@example.com')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('ratelimit')).toMatch(/^"api";r=\d+;t=\d+, "login";r=0;t=\d+$/)
    expect(((await refused.json()) as { 'violated-policies': string[] })['violated-policies']).toEqual([
      'login',
    ])
    expect((await login('bob@example.com')).status).toBe(401)
  })

  it('charges uploads per megabyte, on their own budget in place of the api one', async () => {
    const upload = () =>
      fetch(`${url}/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(2_500_000),
      })
    const res = await upload()
    expect(res.status).toBe(200)
    expect(res.headers.get('ratelimit')).toMatch(/^"upload-mb";r=7;t=\d+$/)
    expect(await res.json()).toEqual({ stored: 2_500_000 })
    expect((await upload()).headers.get('ratelimit')).toMatch(/^"upload-mb";r=4;/)
    expect((await upload()).headers.get('ratelimit')).toMatch(/^"upload-mb";r=1;/)
    expect((await upload()).status).toBe(429)
  })

  it('shapes reports: the first at once, the next held for its turn', async () => {
    const first = await fetch(`${url}/report`)
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ report: 'ready', waitedMs: 0 })
    expect(first.headers.get('ratelimit')).toMatch(/^"report";/)
    // The clock stands still, so the second's turn is exactly one leak away: 500 ms.
    const started = Date.now()
    const second = await fetch(`${url}/report`)
    expect(await second.json()).toEqual({ report: 'ready', waitedMs: 500 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(495)
  })
})
