import { createRateLimiter } from '@sluice/core'
import { parseRules } from '@sluice/core/yaml'
import { describe, expect, it } from 'vitest'
import { envoyCurrentExamples } from '../../core/test/rules/envoyCurrentExamples.ts'
import { envoyExamples } from '../../core/test/rules/envoyExamples.ts'
import { ioredisStore } from '../src/index.ts'
import { clusterClient, randomPrefix, redisClient } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000

const redis = redisClient()
const cluster = clusterClient()

envoyExamples('ioredis on Redis', () =>
  ioredisStore({ client: redis, prefix: randomPrefix('rules'), timeoutMs: SLOW_MACHINE_MS }),
)
envoyExamples('ioredis on Redis Cluster', () =>
  ioredisStore({ client: cluster, prefix: randomPrefix('rules'), timeoutMs: SLOW_MACHINE_MS }),
)
envoyCurrentExamples('ioredis on Redis', () =>
  ioredisStore({ client: redis, prefix: randomPrefix('rules'), timeoutMs: SLOW_MACHINE_MS }),
)
envoyCurrentExamples('ioredis on Redis Cluster', () =>
  ioredisStore({ client: cluster, prefix: randomPrefix('rules'), timeoutMs: SLOW_MACHINE_MS }),
)

describe('rules on Redis', () => {
  // The script calls a store makes, as its client's sendCommand sees them (every ioredis command
  // passes there; MONITOR, on a server other test files share, made ioredis lose track of its
  // replies under load). Recorded once answered, so an EVALSHA refused NOSCRIPT is not counted.
  const recorded = redisClient()
  const calls: string[][] = []
  const send = recorded.sendCommand.bind(recorded)
  recorded.sendCommand = (command, stream) => {
    const args = [command.name, ...command.args.map(String)]
    if (/^eval/i.test(command.name))
      command.promise.then(
        () => calls.push(args),
        () => undefined,
      )
    return send(command, stream)
  }

  it('every matched limit of a request goes to Redis in one script call, under one hash slot', async () => {
    const prefix = randomPrefix('rules-slot')
    const limiter = createRateLimiter({
      store: ioredisStore({ client: recorded, prefix, timeoutMs: SLOW_MACHINE_MS }),
      rules: parseRules(`domain: api
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 10 }
  - key: route
    rate_limit: { unit: minute, requests_per_unit: 3, algorithm: sliding_log }
`),
    })
    const descriptors = [[{ key: 'user', value: '{42}' }], [{ key: 'route', value: '/a|b' }]]
    for (let i = 0; i < 3; i++) expect((await limiter.limit({ descriptors })).allowed).toBe(true)
    const denied = await limiter.limit({ descriptors })
    expect(denied).toMatchObject({ allowed: false, policy: 'route' })
    expect(denied.policies.find((p) => p.policy === 'user')?.remaining).toBe(7)
    // One script call per decision, each naming both counters' keys under the domain's hash tag.
    expect(calls).toHaveLength(4)
    const keys = (calls[0] as string[]).filter((a) => a.startsWith(prefix))
    expect(keys).toHaveLength(2)
    expect(keys.map((k) => k.slice(prefix.length, k.indexOf('}') + 1))).toEqual([
      '{sluice:api}',
      '{sluice:api}',
    ])
    // Separators inside values are escaped, so ids stay unambiguous.
    expect(keys[0]).toContain('user=%7B42%7D')
    expect(keys[1]).toContain('route=/a%7Cb')
  })
})
