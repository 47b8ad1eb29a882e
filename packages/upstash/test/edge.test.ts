import { fileURLToPath } from 'node:url'
import { EdgeVM } from '@edge-runtime/vm'
import { createRateLimiter, slidingWindow, tokenBucket } from '@sluice/core'
import type {} from '@sluice/test-services/vitest'
import { build } from 'esbuild'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { randomPrefix, upstashClient } from './support/clients.ts'

// A limiter on upstashStore inside the Edge Runtime VM (Vercel's edge-runtime: a V8 context with
// only Web-standard globals, no process, require or Buffer), deciding over fetch against the
// local Upstash server. The bundle is built for the browser platform with the edge conditions,
// so a Node built-in anywhere in core, the store or @upstash/redis would fail the build.

const entry = fileURLToPath(new URL('./support/edgeEntry.ts', import.meta.url))

interface EdgeResult {
  runtime: string | undefined
  hasProcess: boolean
  hasRequire: boolean
  hasBuffer: boolean
  sequential: boolean[]
  remainingAfterReset: number
  concurrentAllowed: number
  refused: string
}

describe('upstashStore on an edge runtime', () => {
  let bundle = ''
  beforeAll(async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      conditions: ['@sluice/source', 'edge-light', 'worker', 'browser'],
      logLevel: 'silent',
    })
    bundle = result.outputFiles[0]?.text ?? ''
  }, 120_000)

  it('bundles with no Node built-in', () => {
    expect(bundle.length).toBeGreaterThan(10_000)
    expect(bundle).not.toMatch(/\brequire\(["']node:/)
    expect(bundle).not.toMatch(/from ["']node:/)
  })

  it('runs real decisions over fetch inside the Edge Runtime VM', async () => {
    const { url, token } = inject('upstash')
    const prefix = randomPrefix('edge')
    const vm = new EdgeVM()
    vm.evaluate(bundle)
    const json = await vm.evaluate<Promise<string>>(`runLimiter(${JSON.stringify({ url, token, prefix })})`)
    const result = JSON.parse(json) as EdgeResult
    expect(result.runtime).toBe('edge-runtime')
    expect({ process: result.hasProcess, require: result.hasRequire, Buffer: result.hasBuffer }).toEqual({
      process: false,
      require: false,
      Buffer: false,
    })
    expect(result.sequential).toEqual([true, true, true, false, false])
    expect(result.remainingAfterReset).toBe(3)
    // Composite of 10 tokens and 7 per window: the tighter one decides, exactly.
    expect(result.concurrentAllowed).toBe(7)
    expect(result.refused).toMatch(/^StoreError: upstash store: apply failed: HTTP 401 Unauthorized/)
    expect(result.refused).not.toContain('not-the-token')

    // The decisions live in Redis, not in the VM: the same limiter in this process finds the
    // composite spent, as the VM left it.
    const here = createRateLimiter({
      store: upstashStore({ client: upstashClient(), prefix }),
      algorithm: [
        tokenBucket({ capacity: 10, refillRate: 1, refillInterval: '1h' }),
        slidingWindow({ limit: 7, window: '1h' }),
      ],
    })
    expect((await here.peek('edge-hot')).remaining).toBe(0)
    expect((await here.limit('edge-hot')).allowed).toBe(false)
    expect((await here.limit('someone-else')).allowed).toBe(true)
  }, 120_000)
})
