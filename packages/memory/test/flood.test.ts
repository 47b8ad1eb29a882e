/// <reference types="node" />
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createRateLimiter, gcra } from '@sluice/core'
import { expect, it } from 'vitest'
import { memoryStore } from '../src/index.ts'

const KEYS = 1_000_000
const MAX_KEYS = 100_000
const BATCH = 100_000

// A full collection before each heap reading, so the figures are live memory, not garbage.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const liveHeapMb = () => {
  gc()
  return process.memoryUsage().heapUsed / 1024 / 1024
}

it('a flood of 1 million distinct keys keeps memoryStore({ maxKeys: 100_000 }) bounded: heap flat, evictions counted, decisions still correct', async () => {
  const store = memoryStore({ maxKeys: MAX_KEYS })
  // A frozen clock: nothing expires during the flood however long a loaded machine takes (a key
  // lives 6 s here), so every key past the first 100k evicts a live entry, never a spent one.
  const now = Date.now()
  const limiter = createRateLimiter({
    store,
    algorithm: gcra({ rate: 10, period: '1m', burst: 5 }),
    clock: () => now,
  })
  // The victim: a key the attacker does not control, over its limit before the flood.
  for (let i = 0; i < 6; i++) await limiter.limit('victim')
  expect((await limiter.peek('victim', { cost: 1 })).allowed).toBe(false)

  const heapStart = liveHeapMb()
  const batchMs: number[] = []
  const heapMb: number[] = []
  let allowed = 0
  for (let b = 0; b < KEYS / BATCH; b++) {
    const started = performance.now()
    for (let i = b * BATCH; i < (b + 1) * BATCH; i++) {
      if ((await limiter.limit(`attacker:${i}`)).allowed) allowed++
    }
    batchMs.push(performance.now() - started)
    heapMb.push(liveHeapMb())
  }
  const ratio = (batchMs.at(-1) as number) / (batchMs[0] as number)
  console.info(
    `[flood] ${KEYS} keys into maxKeys ${MAX_KEYS}: evictions ${store.evictions}, size ${store.size}; ` +
      `ms per 100k batch ${batchMs.map(Math.round).join(' ')} (last/first ${ratio.toFixed(2)}); ` +
      `live heap MB start ${heapStart.toFixed(1)}, after each batch ${heapMb.map((h) => h.toFixed(1)).join(' ')}`,
  )
  // Every fresh key is admitted: a key flood cannot make the store deny anyone.
  expect(allowed).toBe(KEYS)
  expect(store.size).toBeLessThanOrEqual(MAX_KEYS)
  // The first 100k fill the store; each key after that evicts one live entry.
  expect(store.evictions).toBeGreaterThanOrEqual(KEYS - MAX_KEYS)
  // Bounded: the heap once full stays where it was after the first batch (generous slack for V8).
  const full = heapMb[0] as number
  expect(heapMb.reduce((most, mb) => Math.max(most, mb), 0)).toBeLessThan(full + 20)
  // What the flood does achieve: the victim's counter was evicted, so it starts afresh.
  expect((await limiter.peek('victim', { cost: 1 })).allowed).toBe(true)
}, 120_000)
