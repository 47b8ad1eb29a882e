// limiter.events.parked: the requests the bindings' shared check holds for their shaping turn, summed over bindings.
import { describe, expect, it } from 'vitest'
import { type AbortSignalLike, createRateLimitCheck } from '../../src/entries/http.ts'
import { createRateLimiter, fixedWindow, leakyBucket } from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

interface Controller {
  readonly signal: AbortSignalLike
  abort(): void
}
const runtime = globalThis as unknown as { AbortController: new () => Controller }

const spec = {
  factory: 'rateLimit',
  clientAddress: (req: { ip?: string }) => req.ip,
  clientAddressSource: 'req.ip',
}

/** A check whose wait starts: the check asks for the abort signal right as it parks the request. */
function parkedCheck(check: ReturnType<typeof createRateLimitCheck<{ ip?: string }>>['check'], ip: string) {
  const controller = new runtime.AbortController()
  let parked!: () => void
  const waiting = new Promise<void>((resolve) => {
    parked = resolve
  })
  const outcome = check({ ip }, () => {
    parked()
    return controller.signal
  })
  return { waiting, outcome, leave: () => controller.abort() }
}

describe('limiter.events.parked', () => {
  // A still clock: turns are 0, 10 s and 20 s away, and no test waits for one (clients leave instead).
  const shaper = () =>
    createRateLimiter({
      store: testStore({ sync: true }).store,
      algorithm: leakyBucket({ capacity: 3, leakRate: 1, leakInterval: '10s' }),
      clock: () => 1_700_000_000_000,
      prefix: 'shaped',
    })

  it('counts the requests waiting their turn, over every binding of the limiter, and drops them when they end', async () => {
    const limiter = shaper()
    const a = createRateLimitCheck({ limiter, maxDelayMs: '1m' }, spec).check
    const b = createRateLimitCheck({ limiter, maxDelayMs: '1m' }, spec).check
    expect(limiter.events.parked).toBe(0)
    expect((await a({ ip: '192.0.2.1' })).action).toBe('allow')
    // Admitted at once: never parked.
    expect(limiter.events.parked).toBe(0)
    const first = parkedCheck(a, '192.0.2.1')
    await first.waiting
    expect(limiter.events.parked).toBe(1)
    const second = parkedCheck(b, '192.0.2.1')
    await second.waiting
    expect(limiter.events.parked).toBe(2)
    first.leave()
    expect((await first.outcome).action).toBe('drop')
    expect(limiter.events.parked).toBe(1)
    second.leave()
    expect((await second.outcome).action).toBe('drop')
    expect(limiter.events.parked).toBe(0)
    expect(limiter.events.limiter).toBe('shaped')
  })

  it('stays 0 for a limiter that does not shape, and for a refused wait', async () => {
    const plain = createRateLimiter({
      store: testStore({ sync: true }).store,
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
      clock: () => 1_700_000_000_000,
    })
    const { check } = createRateLimitCheck({ limiter: plain }, spec)
    expect((await check({ ip: '192.0.2.1' })).action).toBe('allow')
    expect((await check({ ip: '192.0.2.1' })).action).toBe('limit')
    expect(plain.events.parked).toBe(0)
    const limiter = shaper()
    const bounded = createRateLimitCheck({ limiter, maxDelayMs: '1s' }, spec).check
    expect((await bounded({ ip: '192.0.2.1' })).action).toBe('allow')
    // A 10 s turn over a 1 s bound: refused, never parked.
    expect((await bounded({ ip: '192.0.2.1' })).action).toBe('limit')
    expect(limiter.events.parked).toBe(0)
  })
})
