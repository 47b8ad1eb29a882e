/**
 * Where a Redis case sends its calls: one redis-server or a 3-master Redis Cluster, each started
 * for the case through @sluice/test-services on free 127.0.0.1 ports and stopped by it.
 *
 * A target is plain data (it crosses into worker threads); `connect` makes the client its users
 * would: `new Redis(url)` or `new Cluster(nodes)`, ioredis defaults.
 */
import type { NodeRedisClientOrCluster } from '@sluice/node-redis'
import { ensureRedisInstalled, startCluster, startRedis } from '@sluice/test-services'
import { GlideClient, GlideClusterClient } from '@valkey/valkey-glide'
import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster } from 'redis'
import { onCleanup } from '../cleanup.ts'

export type Topology = 'single' | 'cluster'

export interface RedisTarget {
  readonly topology: Topology
  /** Every node's address: one for a single server, the masters of a Cluster. */
  readonly nodes: readonly { readonly host: string; readonly port: number }[]
  /** The redis-server processes, for their CPU time (may be empty where unknown). */
  readonly pids: readonly number[]
}

export type RedisClient = Redis | Cluster

/** A node-redis (the `redis` package) client or cluster, as sluice's store takes it, and closable. */
export type NodeRedisClient = NodeRedisClientOrCluster & { destroy(): void }

/** A Valkey GLIDE client (`@valkey/valkey-glide`), standalone or cluster. */
export type ValkeyGlideClient = GlideClient | GlideClusterClient

/** Which client library a contender is handed. */
export type ClientKind = 'ioredis' | 'node-redis' | 'valkey-glide'

/** A fresh GLIDE client to the target (GLIDE connects as it makes one); a benchmark's long deadline. */
async function connectGlide(target: RedisTarget): Promise<ValkeyGlideClient> {
  const addresses = target.nodes.map(({ host, port }) => ({ host, port }))
  // GLIDE's default requestTimeout (250 ms) is meant for production, as sluice's 1 s deadline is.
  const requestTimeout = 30_000
  return target.topology === 'cluster'
    ? GlideClusterClient.createClient({ addresses, requestTimeout })
    : GlideClient.createClient({ addresses, requestTimeout })
}

/** A fresh node-redis client (a connection of its own) to the target, as its users would make it. */
async function connectNodeRedis(target: RedisTarget): Promise<NodeRedisClient> {
  const urls = target.nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` }))
  if (target.topology === 'cluster') {
    const cluster = createCluster({ rootNodes: urls })
    await cluster.connect()
    return cluster
  }
  const client = createClient(urls[0] ?? {})
  await client.connect()
  return client
}

/** A fresh client of `kind` to the target, connected (ioredis connects on its own). */
export async function connectAs(
  kind: ClientKind,
  target: RedisTarget,
): Promise<RedisClient | NodeRedisClient | ValkeyGlideClient> {
  if (kind === 'valkey-glide') return connectGlide(target)
  return kind === 'node-redis' ? connectNodeRedis(target) : connect(target)
}

/** Closes a client of any kind at once. */
export function disconnect(client: RedisClient | NodeRedisClient | ValkeyGlideClient): void {
  if (client instanceof Redis || client instanceof Cluster) client.disconnect()
  else if (client instanceof GlideClient || client instanceof GlideClusterClient) client.close()
  else client.destroy()
}

/** A fresh client (a connection of its own) to the target, as its users would make it. */
function connect(target: RedisTarget): RedisClient {
  if (target.topology === 'cluster') return new Cluster(target.nodes.map((n) => ({ ...n })))
  const node = target.nodes[0]
  if (node === undefined) throw new Error('a single-node target needs one node')
  return new Redis({ host: node.host, port: node.port })
}

/** One plain connection per node (INFO is per node; a Cluster client would send it to one). */
export function connectEachNode(target: RedisTarget): Redis[] {
  return target.nodes.map((n) => new Redis({ host: n.host, port: n.port }))
}

export interface RunningTarget {
  readonly target: RedisTarget
  /** `redis_version` of the server, from INFO. */
  readonly version: string
  stop(): Promise<void>
}

/** Starts the target's servers; registered for cleanup at once, so Ctrl-C during a case stops them too. */
export async function startTarget(topology: Topology): Promise<RunningTarget> {
  await ensureRedisInstalled()
  if (topology === 'single') {
    const server = await startRedis()
    const release = onCleanup(() => server.stop())
    const target: RedisTarget = {
      topology,
      nodes: [{ host: server.host, port: server.port }],
      pids: server.pid === undefined ? [] : [server.pid],
    }
    return { target, version: await versionOf(target), stop: release }
  }
  const cluster = await startCluster()
  const release = onCleanup(() => cluster.stop())
  const target: RedisTarget = {
    topology,
    nodes: cluster.nodes.map(({ host, port }) => ({ host, port })),
    pids: cluster.servers.flatMap((s) => (s.pid === undefined ? [] : [s.pid])),
  }
  return { target, version: await versionOf(target), stop: release }
}

async function versionOf(target: RedisTarget): Promise<string> {
  const [admin, ...rest] = connectEachNode(target)
  for (const r of rest) r.disconnect()
  if (admin === undefined) return 'unknown'
  try {
    return /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown'
  } finally {
    admin.disconnect()
  }
}

/** How a target is named in tables: `one redis-server`, `3-master Cluster`. */
export function describeTopology(topology: Topology): string {
  return topology === 'single' ? 'one redis-server' : '3-master Redis Cluster'
}
