// A process that uses a limiter on ioredis and then shuts down: it must exit on its own.
// argv: <redis url> <healthy|down>. With "down", the URL points at a dead port: calls are
// pending in ioredis's offline queue when close() is called.
import { createRateLimiter, gcra } from '@sluice/core'
import { Redis } from 'ioredis'
import { ioredisStore } from '../../src/index.ts'

const [url = '', mode = 'healthy'] = process.argv.slice(2)
const client = new Redis(url, { retryStrategy: () => 50 })
client.on('error', () => undefined)
const store = ioredisStore({ client, timeoutMs: 300 })
const limiter = createRateLimiter({
  store,
  algorithm: gcra({ rate: 100, period: '1s' }),
  onStoreError: 'deny',
})

const pending = Array.from({ length: 50 }, (_, i) => limiter.limit(`exit:${i}`))
if (mode === 'healthy') await Promise.all(pending)
await limiter.close()
await store.close()
const decisions = await Promise.all(pending)
// The client is the user's: the store never closes it.
if (mode === 'healthy') await client.quit()
else client.disconnect()
// Give closed sockets a turn to go away, then list what could still hold the process open.
await new Promise((resolve) => setImmediate(resolve))
const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout')
process.stdout.write(
  `${JSON.stringify({ decided: decisions.length, degraded: decisions.filter((d) => d.degraded).length, timers: timers.length })}\n`,
)
