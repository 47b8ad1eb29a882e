// The binding in real runtimes: Bun.serve, Deno.serve and a Cloudflare Worker in workerd (miniflare).
import { readFileSync } from 'node:fs'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundle, runtimeBinary, type Served, scratch, serveWith } from './support/runtimes.ts'

// Starting a runtime on a loaded 2-core machine: a bound that catches a hang, not slowness.
const START_MS = 60_000
const folder = scratch()
afterAll(() => folder.remove())

/** Three requests of one client: two admitted with the quota headers, the third a 429 problem body. */
async function expectTwoThenRefused(send: () => Promise<Response>, runtime: RegExp): Promise<void> {
  const first = await send()
  expect(first.status).toBe(200)
  expect(await first.json()).toEqual({ runtime: expect.stringMatching(runtime), remaining: 1 })
  expect(first.headers.get('ratelimit-policy')).toBe('"api";q=2;w=60')
  expect(first.headers.get('ratelimit')).toBe('"api";r=1;t=42')
  expect(first.headers.get('x-ratelimit-remaining')).toBe('1')
  const second = await send()
  expect(second.status).toBe(200)
  expect(second.headers.get('ratelimit')).toBe('"api";r=0;t=42')
  await second.arrayBuffer()
  const third = await send()
  expect(third.status).toBe(429)
  expect(third.headers.get('content-type')).toBe('application/problem+json')
  expect(third.headers.get('retry-after')).toBe('42')
  expect(third.headers.get('cache-control')).toBe('no-store')
  expect(third.headers.get('ratelimit')).toBe('"api";r=0;t=42')
  expect(await third.json()).toMatchObject({ status: 429, 'violated-policies': ['api'] })
}

describe.each([
  ['Bun.serve', /^Bun\/1\./, 'bun.ts', (file: string) => [runtimeBinary('bun-npm'), ['run', file]] as const],
  [
    'Deno.serve',
    /^Deno\/2\./,
    'deno.ts',
    (file: string) =>
      [runtimeBinary('deno-npm'), ['run', '--quiet', '--no-config', '--allow-net', file]] as const,
  ],
])('%s', (_name, runtime, fixture, command) => {
  let served: Served
  beforeAll(async () => {
    const [binary, args] = command(await bundle(fixture, folder.dir))
    served = await serveWith(binary, args, folder.dir, START_MS)
  }, START_MS + 30_000)
  afterAll(() => served?.stop())

  it('withRateLimit: the peer address is the client; 200, 200, then 429 with the headers', async () => {
    // Spoofed forwarding headers change nothing: the runtime's own peer address is the key.
    let n = 0
    await expectTwoThenRefused(
      () => fetch(served.url, { headers: { 'x-forwarded-for': `203.0.113.${n++}` } }),
      runtime,
    )
  })
})

describe('Cloudflare Worker (workerd through miniflare)', () => {
  let mf: Miniflare
  beforeAll(async () => {
    const script = readFileSync(await bundle('worker.ts', folder.dir), 'utf8')
    mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-07-01' })
    await mf.ready
  }, START_MS + 30_000)
  afterAll(() => mf?.dispose())

  // A spoofed forwarding header beside it changes nothing: cf-connecting-ip is the key.
  let n = 0
  const from = (address: string) =>
    mf.dispatchFetch('http://worker.test/', {
      headers: { 'cf-connecting-ip': address, 'x-forwarded-for': `198.51.100.${n++}` },
    }) as unknown as Promise<Response>

  it("ipHeader: 'cf-connecting-ip': each address is a client; 200, 200, then 429 with the headers", async () => {
    await expectTwoThenRefused(() => from('203.0.113.5'), /^Cloudflare-Workers$/)
    const other = await from('2001:db8:1:2::7')
    expect(other.status).toBe(200)
    expect(await other.json()).toEqual({ runtime: 'Cloudflare-Workers', remaining: 1 })
  })
})
