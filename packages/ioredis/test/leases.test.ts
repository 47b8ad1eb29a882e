// Concurrency leases across two real processes on one redis-server: never more than the limit held.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type {} from '@sluice/test-services/vitest'
import { expect, inject, it } from 'vitest'
import { randomPrefix } from './support/clients.ts'

const LIMIT = 3
const HOLDERS = 6
const ROUNDS = 8
const root = fileURLToPath(new URL('../../..', import.meta.url))
const childScript = fileURLToPath(new URL('./support/leaseChild.ts', import.meta.url))

/** A child process on support/leaseChild.ts, driven line by line over its stdin and stdout. */
function startChild(settings: object) {
  const child = spawn(process.execPath, ['--conditions=@sluice/source', '--import', 'tsx', childScript], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk)
  })
  const exited = new Promise<never>((_, reject) => {
    child.on('exit', (code) => reject(new Error(`child exited with ${code}: ${stderr}`)))
  })
  exited.catch(() => undefined)
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const line = (): Promise<string> =>
    Promise.race([lines.next().then((r) => (r.done ? Promise.race([exited]) : (r.value as string))), exited])
  child.stdin.write(`${JSON.stringify(settings)}\n`)
  return { child, line, send: (text: string) => child.stdin.write(`${text}\n`) }
}

it(`2 processes × ${HOLDERS} holders sharing concurrency({ limit: ${LIMIT} }) on redis-server never hold more than ${LIMIT} leases`, async () => {
  const settings = {
    url: inject('redisUrl'),
    prefix: randomPrefix('leases'),
    limit: LIMIT,
    holders: HOLDERS,
    rounds: ROUNDS,
  }
  const children = [startChild(settings), startChild(settings)]
  try {
    for (const c of children) expect(await c.line()).toBe('ready')
    for (const c of children) c.send('go')
    const results = await Promise.all(
      children.map(async (c) => JSON.parse(await c.line()) as { most: number; done: number; denied: number }),
    )
    // Every holder got all its rounds (releases freed the slots: the day-long leases never expired).
    expect(results.map((r) => r.done)).toStrictEqual([HOLDERS * ROUNDS, HOLDERS * ROUNDS])
    // The shared counter of holders in flight, across both processes, never passed the limit.
    const most = results.reduce((top, r) => Math.max(top, r.most), 0)
    expect(most).toBeLessThanOrEqual(LIMIT)
    expect(most).toBeGreaterThan(0)
    // 12 holders on 3 slots: some were refused while the limit was full.
    expect(results.reduce((sum, r) => sum + r.denied, 0)).toBeGreaterThan(0)
  } finally {
    for (const c of children) c.child.kill()
  }
}, 120_000)
