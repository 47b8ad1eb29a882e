import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { memoryStore } from '@sluice/memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'

let url = ''
// A still clock: on the real one a window boundary mid-test would give every counter a fresh window.
const server = createServer(createApp(memoryStore(), { clock: () => 1_699_999_998_000 }))
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

describe('the Express example', () => {
  it('limits every route and reports it in draft-10 headers', async () => {
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(res.headers.get('ratelimit-policy')).toBe('"api";q=100;w=60')
    expect(res.headers.get('ratelimit')).toMatch(/^"api";r=99;t=\d+$/)
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
    expect(res.headers.get('ratelimit')).toMatch(/"upload-mb";r=7;t=\d+$/)
  })
})
