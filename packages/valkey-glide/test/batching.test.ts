// Decision batching through GLIDE: one script call per turn on one server; on a Cluster one call per
// primary whatever the slots (nodeOf reads the store's CLUSTER SLOTS table: batching per slot would
// make the 5-slot turn below 5 calls), and a slot moved behind the client's back (its decisions go
// again alone, GLIDE follows MOVED).
import { fixedWindow } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import { keySlot, storeKeys } from '@sluice/redis-scripts'
import {
  type RedisAddress,
  type RedisCluster,
  redisCommand,
  startCluster,
  startRedis,
} from '@sluice/test-services'
import { GlideClusterClient } from '@valkey/valkey-glide'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { valkeyGlideStore } from '../src/index.ts'
import { glideClient, REQUEST_TIMEOUT_MS, randomPrefix } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000
const NOW = 1_700_000_000_000
const limits = [fixedWindow({ limit: 3, window: '1h' })]
const request = (key: string, consume = true): StoreRequest => ({ key, limits, cost: 1, consume, now: NOW })
const storeKeyOf = (key: string): string => storeKeys('', key, limits)[0] as string

/** Script calls (EVAL and EVALSHA) the servers ran since their last RESETSTAT. */
async function scriptCalls(servers: readonly RedisAddress[]): Promise<number> {
  let calls = 0
  for (const server of servers) {
    const info = String(await redisCommand(server, ['INFO', 'commandstats']))
    for (const match of info.matchAll(/cmdstat_(?:eval|evalsha):calls=(\d+)/g)) calls += Number(match[1])
  }
  return calls
}
const resetStats = (servers: readonly RedisAddress[]) =>
  Promise.all(servers.map((server) => redisCommand(server, ['CONFIG', 'RESETSTAT'])))

describe('batching on one server', () => {
  // A server of this file's own: its command counts are this file's alone.
  let server: Awaited<ReturnType<typeof startRedis>>
  let address: RedisAddress
  beforeAll(async () => {
    server = await startRedis()
    address = { host: '127.0.0.1', port: server.port }
  })
  afterAll(() => server.stop())

  it('the decisions of one turn go in one call, in issue order; batch: false sends each alone', async () => {
    const client = await glideClient(address)
    const prefix = randomPrefix('batch')
    const store = valkeyGlideStore({ client, timeoutMs: SLOW_MACHINE_MS })
    // Loads both scripts (a lone decision's, then the engine's): no load after NOSCRIPT is counted.
    await store.apply(request(`${prefix}warm`, false))
    await Promise.all([0, 1].map(() => store.apply(request(`${prefix}warm`, false))))
    await resetStats([address])
    const decisions = await Promise.all(Array.from({ length: 6 }, () => store.apply(request(`${prefix}k`))))
    expect(await scriptCalls([address])).toBe(1)
    expect(decisions.map(([d]) => d?.remaining)).toEqual([2, 1, 0, 0, 0, 0])
    expect(decisions.map(([d]) => d?.allowed)).toEqual([true, true, true, false, false, false])

    const unbatched = valkeyGlideStore({ client, batch: false, timeoutMs: SLOW_MACHINE_MS })
    await resetStats([address])
    const alone = await Promise.all(Array.from({ length: 5 }, () => unbatched.apply(request(`${prefix}u`))))
    expect(await scriptCalls([address])).toBe(5)
    expect(alone.filter(([d]) => d?.allowed)).toHaveLength(3)
  })
})

describe('batching on a Cluster', () => {
  // A Cluster of this file's own: its slots are moved here, and its command counts are this file's.
  let cluster: RedisCluster
  let masters: RedisAddress[]
  beforeAll(async () => {
    cluster = await startCluster()
    masters = cluster.nodes.map(({ host, port }) => ({ host, port }))
  })
  afterAll(() => cluster.stop())

  const addressOf = (name: string): RedisAddress => {
    const [host, port] = name.split(':') as [string, string]
    return { host, port: Number(port) }
  }

  /** Moves `slot` with its keys from one master to another, telling every master but not the client. */
  async function moveSlot(slot: number, from: string, to: string): Promise<void> {
    const [source, target] = [addressOf(from), addressOf(to)]
    const sourceId = String(await redisCommand(source, ['CLUSTER', 'MYID']))
    const targetId = String(await redisCommand(target, ['CLUSTER', 'MYID']))
    await redisCommand(target, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId])
    await redisCommand(source, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId])
    for (;;) {
      const keys = (await redisCommand(source, ['CLUSTER', 'GETKEYSINSLOT', slot, 100])) as string[]
      if (keys.length === 0) break
      await redisCommand(source, ['MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', ...keys])
    }
    for (const node of masters) await redisCommand(node, ['CLUSTER', 'SETSLOT', slot, 'NODE', targetId])
  }

  // One client for both tests (GLIDE takes a while to create one); the second test moves slots.
  let client: GlideClusterClient
  beforeAll(async () => {
    client = await GlideClusterClient.createClient({
      addresses: cluster.nodes.map(({ host, port }) => ({ host, port })),
      requestTimeout: REQUEST_TIMEOUT_MS,
    })
  })
  afterAll(() => client.close())

  /** The primary of each slot, as CLUSTER SLOTS said before any slot moved (the store's view). */
  let owners: Map<number, string>
  beforeAll(async () => {
    owners = new Map()
    const ranges = (await redisCommand(masters[0] as RedisAddress, ['CLUSTER', 'SLOTS'])) as [
      number,
      number,
      [string, number],
    ][]
    for (const [from, to, [host, port]] of ranges) {
      for (let slot = from; slot <= to; slot++) owners.set(slot, `${host}:${port}`)
    }
  })
  const nodeOf = (key: string) => owners.get(keySlot(storeKeyOf(key))) as string

  it('decisions on one primary share a call whatever their slots, each exact, in issue order', async () => {
    const store = valkeyGlideStore({ client, timeoutMs: SLOW_MACHINE_MS })
    const node = owners.get(0) as string
    expect(masters.map(({ host, port }) => `${host}:${port}`)).toContain(node)
    const keys = keysOn(nodeOf, node, 5, 'same-node')
    await Promise.all(keys.map((key) => store.apply(request(key, false)))) // loads the scripts
    await resetStats(masters)
    // 5 keys × 4 decisions, interleaved, in one turn: 20 decisions, two engine calls (at most 16
    // decisions per call), where batching per slot would send 5.
    const order = [0, 1, 2, 3].flatMap(() => keys)
    const decisions = await Promise.all(order.map((key) => store.apply(request(key))))
    expect(await scriptCalls(masters)).toBeLessThanOrEqual(2)
    for (let i = 0; i < order.length; i++) {
      const round = Math.floor(i / keys.length)
      expect(decisions[i]?.[0]?.allowed, `${order[i]} round ${round}`).toBe(round < 3)
      expect(decisions[i]?.[0]?.remaining).toBe(Math.max(0, 2 - round))
    }
  })

  it('a slot moved behind the store: its decisions go again alone, follow the redirect, count exactly', async () => {
    const store = valkeyGlideStore({ client, timeoutMs: SLOW_MACHINE_MS })
    const [from, to] = masters.map(({ host, port }) => `${host}:${port}`) as [string, string]
    const [stays, moves, movesFirst] = keysOn(nodeOf, from, 3, 'moving') as [string, string, string]
    for (const key of [stays, moves, movesFirst])
      expect((await store.apply(request(key)))[0]?.remaining).toBe(2)

    // The moved slot's decision is not the call's first: the node refuses its key, it goes alone.
    await moveSlot(keySlot(storeKeyOf(moves)), from, to)
    // The store's table (read at its first call, fresh for 5 s) still names the old primary.
    const first = await Promise.all([stays, moves, stays, moves].map((key) => store.apply(request(key))))
    expect(first.map((d) => d[0]?.remaining)).toEqual([1, 1, 0, 0])
    expect(first.every((d) => d[0]?.allowed)).toBe(true)

    // The moved slot's decision comes first: the whole call is redirected, the other decision goes alone.
    await moveSlot(keySlot(storeKeyOf(movesFirst)), from, to)
    const second = await Promise.all([movesFirst, stays, movesFirst].map((key) => store.apply(request(key))))
    expect(second.map((d) => [d[0]?.allowed, d[0]?.remaining])).toEqual([
      [true, 1],
      [false, 0],
      [true, 0],
    ])
    // The counters live on the new master now, and nowhere else.
    for (const key of [moves, movesFirst]) {
      expect(await redisCommand(addressOf(to), ['EXISTS', storeKeyOf(key)])).toBe(1)
      await expect(redisCommand(addressOf(from), ['EXISTS', storeKeyOf(key)])).rejects.toThrow(/^MOVED /)
    }
    const denied = await Promise.all([moves, movesFirst].map((key) => store.apply(request(key))))
    expect(denied.map((d) => d[0]?.allowed)).toEqual([false, false])
  })
})

/** `count` user keys whose slots the client believes `node` serves, each in a slot of its own. */
function keysOn(nodeOf: (key: string) => string, node: string, count: number, tag: string): string[] {
  const keys: string[] = []
  const slots = new Set<number>()
  for (let i = 0; keys.length < count; i++) {
    const key = `${tag}:${i}`
    const slot = keySlot(storeKeyOf(key))
    if (nodeOf(key) === node && !slots.has(slot)) {
      slots.add(slot)
      keys.push(key)
    }
  }
  return keys
}
