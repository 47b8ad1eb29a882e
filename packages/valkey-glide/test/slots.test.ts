// The store's Cluster slot table, on a stand-in for GlideClusterClient's CLUSTER SLOTS (no Lua runs
// here; the real cluster is in batching.test.ts): loaded once on the first call, read again only
// once stale (5 s, or after a failed call), a failed read leaves decisions to go alone.
import type { GlideClusterClient } from '@valkey/valkey-glide'
import { describe, expect, it } from 'vitest'
import { slotTable } from '../src/slots.ts'

/** CLUSTER SLOTS as Redis 7 answers it: [from, to, [host, port, id], ...replicas]. */
const threePrimaries = [
  [0, 5460, ['127.0.0.1', 7001, 'a'], ['127.0.0.1', 7004, 'd']],
  [5461, 10922, ['127.0.0.1', 7002, 'b']],
  [10923, 16383, ['127.0.0.1', 7003, 'c']],
]

function standIn(replies: (unknown[] | Error)[]) {
  let reads = 0
  const client = {
    customCommand: async (args: string[], options: { route: string }) => {
      expect(args).toEqual(['CLUSTER', 'SLOTS'])
      expect(options.route).toBe('randomNode')
      const reply = replies[Math.min(reads++, replies.length - 1)]
      if (reply instanceof Error) throw reply
      return reply
    },
  } as unknown as GlideClusterClient
  return { client, reads: () => reads }
}

describe('the slot table', () => {
  it('names each slot by its primary once the first load is done, and waits for that load once', async () => {
    const { client, reads } = standIn([threePrimaries])
    let now = 0
    const table = slotTable(client, () => now)
    expect(table.nodeOf(0)).toBeUndefined()
    const first = table.ready()
    expect(first).toBeInstanceOf(Promise)
    await first
    expect(table.ready()).toBeUndefined()
    expect([0, 5460, 5461, 10922, 10923, 16383].map((slot) => table.nodeOf(slot))).toEqual([
      '127.0.0.1:7001',
      '127.0.0.1:7001',
      '127.0.0.1:7002',
      '127.0.0.1:7002',
      '127.0.0.1:7003',
      '127.0.0.1:7003',
    ])
    now = 4999
    table.nodeOf(1)
    expect(reads()).toBe(1)
  })

  it('reads the table again once it is 5 s old, or after stale(), keeping the old one meanwhile', async () => {
    const moved = [
      [0, 100, ['127.0.0.1', 7002, 'b']],
      [101, 16383, ['127.0.0.1', 7003, 'c']],
    ]
    const { client, reads } = standIn([threePrimaries, moved, threePrimaries])
    let now = 0
    const table = slotTable(client, () => now)
    await table.ready()
    now = 5001
    expect(table.nodeOf(50)).toBe('127.0.0.1:7001') // the old table, while the new one loads
    expect(reads()).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(table.nodeOf(50)).toBe('127.0.0.1:7002')
    expect(table.nodeOf(5000)).toBe('127.0.0.1:7003')
    table.stale()
    table.nodeOf(0)
    expect(reads()).toBe(3)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(table.nodeOf(50)).toBe('127.0.0.1:7001')
  })

  it('a failed read fails no call: slots stay unknown (decisions go alone) and the next read is soon', async () => {
    const { client, reads } = standIn([new Error('connection lost'), threePrimaries])
    let now = 0
    const table = slotTable(client, () => now)
    await expect(table.ready()).resolves.toBeUndefined()
    expect(table.nodeOf(0)).toBeUndefined()
    expect(reads()).toBe(1)
    now = 2501 // half the refresh interval after a failure
    expect(table.nodeOf(0)).toBeUndefined()
    expect(reads()).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(table.nodeOf(0)).toBe('127.0.0.1:7001')
  })
})
