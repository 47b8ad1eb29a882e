import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startRedis } from '@sluice/test-services'
import type {} from '@sluice/test-services/vitest'
import { expect, inject, it } from 'vitest'

const root = fileURLToPath(new URL('../../../..', import.meta.url))
const childScript = fileURLToPath(new URL('./exitChild.ts', import.meta.url))

/** Runs the child and resolves with its exit code, stdout and how long it took; kills it after 10 s. */
function runChild(args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(
      process.execPath,
      ['--conditions=@sluice/source', '--import', 'tsx', childScript, ...args],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => {
      out += String(chunk)
    })
    child.stderr.on('data', (chunk) => {
      err += String(chunk)
    })
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.on('exit', (code) => {
      clearTimeout(killer)
      resolve({ code, out, err, ms: performance.now() - started })
    })
  })
}

it('a process using a limiter on ioredis exits by itself (code 0) after limiter.close(), store.close() and quitting its client', async () => {
  const { code, out, err } = await runChild([inject('redisUrl'), 'healthy'])
  expect(err).toBe('')
  expect(code).toBe(0)
  expect(JSON.parse(out)).toEqual({ decided: 50, degraded: 0, timers: 0 })
}, 120_000)

it('…also while Redis is down and calls wait in the offline queue: close() settles them by policy first', async () => {
  const dead = await startRedis()
  const url = dead.url
  await dead.stop()
  const { code, out, err } = await runChild([url, 'down'])
  expect(err).toBe('')
  expect(code).toBe(0)
  // (ioredis itself may keep an unref'd reconnect timer after disconnect() mid-reconnect: not counted.)
  expect(JSON.parse(out)).toMatchObject({ decided: 50, degraded: 50 })
}, 120_000)
