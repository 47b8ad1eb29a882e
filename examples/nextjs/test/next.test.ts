// The app built and served by Next.js itself: the route handler and the middleware, over HTTP.
import { type ChildProcess, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const app = join(import.meta.dirname, '..')
const next = join(app, 'node_modules/.bin/next')
// Its own build folder (inside the app, as Next requires), so a developer's .next is left alone.
const DIST = '.next-test'
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: DIST, NO_COLOR: '1' }
// A build on a loaded 2-core machine: a bound that catches a hang, not slowness.
const BUILD_MS = 300_000

let server: ChildProcess | undefined
let base = ''

/** Runs `next args…` to its end; rejects with its output if it fails. */
function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(next, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`next ${args.join(' ')}: exit ${code}\n${output}`)),
    )
  })
}

/** Starts `next start` on a free port (-p 0) and resolves with its base URL once it says where. */
function start(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(next, ['start', '-p', '0', '-H', '127.0.0.1'], {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    server = child
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const url = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (url !== null && Number(url[1]) > 0 && /Ready/.test(output)) resolve(`http://127.0.0.1:${url[1]}`)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('error', reject)
    child.once('exit', (code) =>
      reject(new Error(`next start exited (${code}) before it was ready\n${output}`)),
    )
  })
}

beforeAll(async () => {
  await run(['build', '--webpack'])
  base = await start()
}, BUILD_MS)

afterAll(() => {
  server?.kill('SIGKILL')
  rmSync(join(app, DIST), { recursive: true, force: true })
})

/** A request from `address`, as Vercel names the client in x-real-ip. */
const from = (path: string, address: string) => fetch(`${base}${path}`, { headers: { 'x-real-ip': address } })

describe('Next.js (next build, next start)', () => {
  it('a route handler wrapped by withRateLimit: 200, 200, then 429 with the headers', async () => {
    const first = await from('/api/hello', '203.0.113.5')
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ hello: 'world', remaining: 1 })
    expect(first.headers.get('ratelimit-policy')).toBe('"api";q=2;w=7200')
    expect(first.headers.get('ratelimit')).toMatch(/^"api";r=1;t=\d+$/)
    expect((await from('/api/hello', '203.0.113.5')).status).toBe(200)
    const refused = await from('/api/hello', '203.0.113.5')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000)
    expect(await refused.json()).toMatchObject({ status: 429, 'violated-policies': ['api'] })
    // Another client, its own budget.
    expect((await from('/api/hello', '203.0.113.6')).status).toBe(200)
  })

  it('middleware: NextResponse.next with rateLimitHeaders, then the refusal from check', async () => {
    const first = await from('/mw', '198.51.100.5')
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ through: 'middleware' })
    expect(first.headers.get('ratelimit')).toMatch(/^"edge";r=1;t=\d+$/)
    expect(first.headers.get('ratelimit-policy')).toBe('"edge";q=2;w=7200')
    expect((await from('/mw', '198.51.100.5')).headers.get('ratelimit')).toMatch(/^"edge";r=0;t=\d+$/)
    const refused = await from('/mw', '198.51.100.5')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('cache-control')).toBe('no-store')
    expect(await refused.json()).toMatchObject({ status: 429, 'violated-policies': ['edge'] })
  })
})
