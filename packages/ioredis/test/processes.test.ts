import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type {} from '@sluice/test-services/vitest'
import { expect, inject, it } from 'vitest'
import { randomPrefix } from './support/clients.ts'

const CHILDREN = 4
const CALLS = 250
const root = fileURLToPath(new URL('../../..', import.meta.url))
const childScript = fileURLToPath(new URL('./support/child.ts', import.meta.url))

/** A child process on support/child.ts, driven line by line over its stdin and stdout. */
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

it(`${CHILDREN} processes × ${CALLS} concurrent calls on one key admit exactly the limit, every algorithm, on Redis and on the Cluster`, async () => {
  const targets = [inject('redisUrl'), inject('clusterNodes')]
  const settings = { targets, prefix: randomPrefix('processes'), calls: CALLS }
  const children = Array.from({ length: CHILDREN }, () => startChild(settings))
  try {
    for (const c of children) expect(await c.line()).toBe('ready')
    for (const target of ['Redis', 'Cluster']) {
      // Every child connected first, then all go at once: their calls overlap on the server.
      for (const c of children) c.send('go')
      const results = await Promise.all(
        children.map(async (c) => JSON.parse(await c.line()) as Record<string, number>),
      )
      const total: Record<string, number> = {}
      for (const result of results) {
        for (const [kind, count] of Object.entries(result)) total[kind] = (total[kind] ?? 0) + count
      }
      expect(total, target).toStrictEqual({
        fixedWindow: 100,
        slidingLog: 100,
        slidingWindow: 100,
        tokenBucket: 100,
        gcra: 100,
        leakyBucket: 100,
        concurrency: 100,
      })
    }
  } finally {
    for (const c of children) c.child.kill()
  }
}, 120_000)
