import { createRateLimiter, fixedWindow, type HeaderMode } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { linesOf, rawGet } from './support/http.ts'
import { koaVersions, serve } from './support/servers.ts'

const RATE_HEADERS = [
  'RateLimit-Policy',
  'RateLimit',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'Cache-Control',
]
// 10.25 s into a minute: the fixed window resets in 49.75 s, sent as t=50; epoch reset 1735689660.
const NOW = Date.UTC(2025, 0, 1, 0, 0, 10, 250)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})
afterEach(() => {
  vi.useRealTimers()
})

describe.each(koaVersions)('header bytes on $version', ({ Koa }) => {
  async function threeRequests(headers: HeaderMode | undefined, policyName?: string) {
    const limiter = createRateLimiter({
      store: memoryStore(),
      algorithm: fixedWindow({ limit: 2, window: '1m' }),
    })
    const app = new Koa()
    app.use(rateLimit({ limiter, headers, policyName }))
    app.use((ctx) => {
      ctx.body = 'ok'
    })
    const url = await serve(app)
    const responses = []
    for (let i = 0; i < 3; i++) responses.push(await rawGet(url))
    return responses.map((r) => ({ status: r.statusLine, lines: linesOf(r, RATE_HEADERS) }))
  }

  it('draft-10 (the default): RateLimit-Policy and RateLimit as structured field lists', async () => {
    expect(await threeRequests(undefined)).toEqual([
      {
        status: 'HTTP/1.1 200 OK',
        lines: ['RateLimit-Policy: "fixedWindow:2/1m";q=2;w=60', 'RateLimit: "fixedWindow:2/1m";r=1;t=50'],
      },
      {
        status: 'HTTP/1.1 200 OK',
        lines: ['RateLimit-Policy: "fixedWindow:2/1m";q=2;w=60', 'RateLimit: "fixedWindow:2/1m";r=0;t=50'],
      },
      {
        status: 'HTTP/1.1 429 Too Many Requests',
        lines: [
          'RateLimit-Policy: "fixedWindow:2/1m";q=2;w=60',
          'RateLimit: "fixedWindow:2/1m";r=0;t=50',
          'Retry-After: 50',
          'Cache-Control: no-store',
        ],
      },
    ])
  })

  it('legacy: X-RateLimit-Limit, -Remaining and -Reset in epoch seconds', async () => {
    expect(await threeRequests('legacy')).toEqual([
      {
        status: 'HTTP/1.1 200 OK',
        lines: ['X-RateLimit-Limit: 2', 'X-RateLimit-Remaining: 1', 'X-RateLimit-Reset: 1735689660'],
      },
      {
        status: 'HTTP/1.1 200 OK',
        lines: ['X-RateLimit-Limit: 2', 'X-RateLimit-Remaining: 0', 'X-RateLimit-Reset: 1735689660'],
      },
      {
        status: 'HTTP/1.1 429 Too Many Requests',
        lines: [
          'X-RateLimit-Limit: 2',
          'X-RateLimit-Remaining: 0',
          'X-RateLimit-Reset: 1735689660',
          'Retry-After: 50',
          'Cache-Control: no-store',
        ],
      },
    ])
  })

  it('both: draft-10 then legacy', async () => {
    const [first] = await threeRequests('both')
    expect(first?.lines).toEqual([
      'RateLimit-Policy: "fixedWindow:2/1m";q=2;w=60',
      'RateLimit: "fixedWindow:2/1m";r=1;t=50',
      'X-RateLimit-Limit: 2',
      'X-RateLimit-Remaining: 1',
      'X-RateLimit-Reset: 1735689660',
    ])
  })

  it('false: no rate-limit headers, but a 429 still says when to retry', async () => {
    const responses = await threeRequests(false)
    expect(responses.map((r) => r.lines)).toEqual([[], [], ['Retry-After: 50', 'Cache-Control: no-store']])
  })

  it('policyName is serialised as an sf-string: quotes and backslashes escaped, non-ASCII and % percent-encoded once', async () => {
    const [first] = await threeRequests('draft-10', 'api "v2" \\ café 100%')
    expect(first?.lines).toEqual([
      'RateLimit-Policy: "api \\"v2\\" \\\\ caf%C3%A9 100%25";q=2;w=60',
      'RateLimit: "api \\"v2\\" \\\\ caf%C3%A9 100%25";r=1;t=50',
    ])
  })
})
