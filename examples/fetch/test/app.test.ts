import { type ServerType, serve } from '@hono/node-server'
import { eventLoopLag } from '@sluice/test-services'
import type {} from '@sluice/test-services/vitest'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createApp, type NodeEnv } from '../src/app.ts'
import { storeFor } from '../src/store.ts'

/** Where the limiters' clock stands still: 42 s before a minute boundary. */
const NOW = 1_699_999_998_000
const servers: ServerType[] = []
const closers: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const server of servers) {
    if ('closeAllConnections' in server) server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  await Promise.all(closers.map((close) => close()))
})

async function start(redisUrl: string | undefined): Promise<string> {
  const { store, close } = storeFor(redisUrl)
  closers.push(close)
  // A still clock: on the real one a minute boundary mid-test would give every counter a fresh window.
  const fetch = createApp<NodeEnv>(
    store,
    { clientAddress: (_request, env) => env.incoming.socket.remoteAddress },
    { prefix: `test-${Math.random().toString(36).slice(2)}`, clock: () => NOW },
  )
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    )
    servers.push(server)
  })
}

describe.each([
  ['memory', () => undefined],
  ['Redis', () => inject('redisUrl')],
])('the example on the %s store', (_name, redisUrl) => {
  it('limits every route, adds the login policy, and shapes /report', async () => {
    const base = await start(redisUrl())
    const home = await fetch(base, { headers: { 'x-forwarded-for': '203.0.113.9' } })
    expect(home.headers.get('ratelimit')).toBe('"api";r=19;t=42')
    expect(await home.json()).toMatchObject({ hello: 'world', remaining: 19 })

    const login = (email: string) =>
      fetch(`${base}/login`, {
        method: 'POST',
        body: JSON.stringify({ email }),
        headers: { 'content-type': 'application/json' },
      })
    const first = await login('ada@example.com')
    expect(first.headers.get('ratelimit')).toBe('"api";r=18;t=42, "login";r=2;t=42')
    expect(await first.json()).toEqual({ loggedIn: false, email: 'ada@example.com', attemptsLeft: 2 })
    await login('ada@example.com')
    await login('ada@example.com')
    const refused = await login('ADA@example.com')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(refused.headers.get('ratelimit')).toBe('"api";r=15;t=42, "login";r=0;t=42')
    expect((await login('bob@example.com')).status).toBe(200)

    const lag = eventLoopLag()
    const reports = await Promise.all([fetch(`${base}/report`), fetch(`${base}/report`)])
    lag.stop()
    const waited = await Promise.all(reports.map((r) => r.json() as Promise<{ waitedMs: number }>))
    // Its turn, 500 ms after the first, less the time between the two arrivals (a few ms, or as
    // long as this process's event loop was held up).
    expect(waited.map((w) => w.waitedMs).sort((a, b) => a - b)[1]).toBeGreaterThan(500 - 100 - lag.maxMs())

    // 8 of the 20 per minute are spent: 1 + 5 logins (the refused one too) + 2 reports.
    const statuses: number[] = []
    for (let i = 0; i < 13; i++) statuses.push((await fetch(base)).status)
    expect(statuses).toEqual([...Array(12).fill(200), 429])
    expect((await fetch(`${base}/nowhere`)).status).toBe(429)
  })
})
