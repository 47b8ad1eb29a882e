import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { memoryStore } from '@sluice/memory'
import { eventLoopLag } from '@sluice/test-services'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'

let url = ''
let server: Server
beforeAll(async () => {
  // A still clock: on the real one a window boundary mid-test would give every counter a fresh window.
  const app = createApp(memoryStore(), { clock: () => 1_699_999_998_000 })
  app.silent = true
  server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

describe('the Koa example', () => {
  it('limits every route and reports it in draft-10 headers', async () => {
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

  it('charges uploads per megabyte', async () => {
    const res = await fetch(`${url}/upload`, { method: 'POST', body: new Uint8Array(2_500_000) })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ stored: 2_500_000 })
    expect(res.headers.get('ratelimit')).toMatch(/"upload-mb";r=7;t=\d+$/)
  })

  it('shapes reports: the first runs at once, two wait their turn, a fourth is refused', async () => {
    const lag = eventLoopLag()
    const results = await Promise.all([1, 2, 3, 4].map(() => fetch(`${url}/report`)))
    lag.stop()
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 200, 429])
    const served = results.filter((r) => r.status === 200)
    const waits = await Promise.all(
      served.map(async (r) => ((await r.json()) as { waitedMs: number }).waitedMs),
    )
    const [first, second, third] = waits.sort((a, b) => a - b)
    expect(first).toBe(0)
    // 0.5 s and 1 s after the first, less the time between the requests' arrivals: a few ms, or
    // as long as this process's event loop was held up on a loaded machine.
    const spread = 100 + lag.maxMs()
    expect(second).toBeGreaterThan(500 - spread)
    expect(second).toBeLessThanOrEqual(500)
    expect(third).toBeGreaterThan(1000 - spread)
    expect(third).toBeLessThanOrEqual(1000)
  })
})
