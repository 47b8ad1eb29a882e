// Decision batching on a Redis Cluster: one call per master whatever the slots, exact decisions,
// and slots that move behind the client's back (a decision the node no longer serves goes again alone).
import { fixedWindow } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import { keySlot, storeKeys } from '@sluice/redis-scripts'
import { type RedisCluster, startCluster } from '@sluice/test-services'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { closeQuietly } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000
const NOW = 1_700_000_000_000
const limits = [fixedWindow({ limit: 3, window: '1h' })]

// A Cluster of this file's own: its slots are moved here, and its command counts are this file's.
let cluster: RedisCluster
let client: Cluster
/** A connection to each master, by "host:port". */
const masters = new Map<string, Redis>()
beforeAll(async () => {
  cluster = await startCluster()
  client = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })))
  await client.ping()
  for (const { host, port } of cluster.nodes) masters.set(`${host}:${port}`, new Redis({ host, port }))
})
afterAll(async () => {
  await Promise.all([closeQuietly(client), ...[...masters.values()].map(closeQuietly)])
  await cluster.stop()
})

const request = (key: string): StoreRequest => ({ key, limits, cost: 1, consume: true, now: NOW })
const storeKeyOf = (key: string): string => storeKeys('', key, limits)[0] as string
/** The master the client believes serves `key`'s slot. */
const nodeOf = (key: string): string => client.slots[keySlot(storeKeyOf(key))]?.[0] as string

async function scriptCalls(): Promise<number> {
  let calls = 0
  for (const node of masters.values()) {
    const info = await node.info('commandstats')
    for (const match of info.matchAll(/cmdstat_(?:eval|evalsha):calls=(\d+)/g)) calls += Number(match[1])
  }
  return calls
}
const resetStats = () => Promise.all([...masters.values()].map((node) => node.config('RESETSTAT')))

/** Moves `slot` with its keys from one master to another, telling every master but not the client. */
async function moveSlot(slot: number, from: string, to: string): Promise<void> {
  const source = masters.get(from) as Redis
  const target = masters.get(to) as Redis
  const [sourceId, targetId] = (await Promise.all([
    source.cluster('MYID'),
    target.cluster('MYID'),
  ])) as string[]
  await target.cluster('SETSLOT', slot, 'IMPORTING', sourceId as string)
  await source.cluster('SETSLOT', slot, 'MIGRATING', targetId as string)
  for (;;) {
    const keys = (await source.cluster('GETKEYSINSLOT', slot, 100)) as string[]
    if (keys.length === 0) break
    const [host, port] = to.split(':') as [string, string]
    await source.migrate(host, port, '', 0, 5000, 'KEYS', ...keys)
  }
  for (const node of masters.values()) await node.cluster('SETSLOT', slot, 'NODE', targetId as string)
}

/** `count` user keys whose slots the client believes `node` serves, each in a slot of its own. */
function keysOn(node: string, count: number, tag: string): string[] {
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

describe('batching on a Cluster', () => {
  it("computes each key's slot as the Cluster does", async () => {
    const node = masters.values().next().value as Redis
    for (const key of ['a', 'user:42', 'ü{x}', 'tag{}', '😀', `${Math.random()}`]) {
      const stored = storeKeyOf(key)
      expect(keySlot(stored), stored).toBe(await node.cluster('KEYSLOT', stored))
    }
  })

  it('decisions on one master share a call whatever their slots, each exact, in issue order', async () => {
    const store = ioredisStore({ client, timeoutMs: SLOW_MACHINE_MS })
    const node = [...masters.keys()][0] as string
    const keys = keysOn(node, 5, 'same-node')
    await Promise.all(keys.map((key) => store.apply({ ...request(key), consume: false }))) // loads the scripts
    await resetStats()
    // 5 keys × 4 decisions, interleaved, in one turn: one engine call (fewer than 16 decisions per call).
    const order = [0, 1, 2, 3].flatMap(() => keys)
    const decisions = await Promise.all(order.map((key) => store.apply(request(key))))
    expect(await scriptCalls()).toBeLessThanOrEqual(2)
    for (let i = 0; i < order.length; i++) {
      const round = Math.floor(i / keys.length)
      expect(decisions[i]?.[0]?.allowed, `${order[i]} round ${round}`).toBe(round < 3)
      expect(decisions[i]?.[0]?.remaining).toBe(Math.max(0, 2 - round))
    }
  })

  it('a slot moved behind the client: its decisions go again alone, follow the redirect, and count exactly', async () => {
    const store = ioredisStore({ client, timeoutMs: SLOW_MACHINE_MS })
    const [from, to] = [...masters.keys()] as [string, string]
    const [stays, moves, movesFirst] = keysOn(from, 3, 'moving') as [string, string, string]
    for (const key of [stays, moves, movesFirst])
      expect((await store.apply(request(key)))[0]?.remaining).toBe(2)

    // The moved slot's decision is not the call's first: the node refuses its key, it goes alone.
    await moveSlot(keySlot(storeKeyOf(moves)), from, to)
    expect(nodeOf(moves)).toBe(from) // the client has not noticed
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
    const target = masters.get(to) as Redis
    const source = masters.get(from) as Redis
    for (const key of [moves, movesFirst]) {
      expect(await target.exists(storeKeyOf(key))).toBe(1)
      expect(await source.exists(storeKeyOf(key)).catch((error: Error) => error.message)).toMatch(/^MOVED /)
    }
    const denied = await Promise.all([moves, movesFirst].map((key) => store.apply(request(key))))
    expect(denied.map((d) => d[0]?.allowed)).toEqual([false, false])
  })
})
