// The node-redis clients under test: one factory per major in the peer range (v4, v5, v6), each on
// the shared redis-server or the shared 3-master Cluster, closed after the file's tests.
import type {} from '@sluice/test-services/vitest'
import * as redis6 from 'redis'
import * as redis4 from 'redis4'
import * as redis5 from 'redis5'
import { afterAll, inject } from 'vitest'
import type { NodeRedisClient, NodeRedisCluster } from '../../src/index.ts'

/** A client as the tests use it: the store's view, plus connect/close. */
export interface TestClient extends NodeRedisClient {
  connect(): Promise<unknown>
  on(event: 'error', listener: (error: unknown) => void): unknown
  destroy?(): void
  disconnect?(): Promise<void> | void
  quit?(): Promise<unknown>
  close?(): Promise<unknown>
}

export interface TestCluster extends NodeRedisCluster {
  connect(): Promise<unknown>
  on(event: 'error', listener: (error: unknown) => void): unknown
  destroy?(): void
  disconnect?(): Promise<void> | void
  quit?(): Promise<unknown>
  close?(): Promise<unknown>
  readonly masters: readonly { readonly address: string; readonly host: string; readonly port: number }[]
}

/** The client options every major takes. */
export interface ClientOptions {
  readonly url?: string
  readonly disableOfflineQueue?: boolean
  readonly socket?: { readonly reconnectStrategy?: false | ((retries: number) => number | false) }
}

/** One major of node-redis: its createClient and createCluster. */
export interface Major {
  readonly name: 'v4' | 'v5' | 'v6'
  createClient(options: ClientOptions): TestClient
  createCluster(options: { rootNodes: { url: string }[] }): TestCluster
}

export const MAJORS: readonly Major[] = [
  {
    name: 'v4',
    createClient: (o) => redis4.createClient(o as never) as never,
    createCluster: (o) => redis4.createCluster(o) as never,
  },
  {
    name: 'v5',
    createClient: (o) => redis5.createClient(o as never) as never,
    createCluster: (o) => redis5.createCluster(o) as never,
  },
  {
    name: 'v6',
    createClient: (o) => redis6.createClient(o as never) as never,
    createCluster: (o) => redis6.createCluster(o) as never,
  },
]

/** The newest major: the one the whole suite and the chaos tests run on. */
export const V6 = MAJORS[2] as Major

const open: (TestClient | TestCluster)[] = []
afterAll(() => Promise.all(open.map(closeQuietly)))

/** A connected client of the shared single redis-server (or of `url`). */
export async function redisClient(major: Major, options: ClientOptions = {}): Promise<TestClient> {
  const client = track(major.createClient({ url: inject('redisUrl'), ...options }))
  await client.connect()
  return client
}

/** A connected client of the shared 3-master Cluster. */
export async function clusterClient(major: Major): Promise<TestCluster> {
  const rootNodes = inject('clusterNodes').map(({ host, port }) => ({ url: `redis://${host}:${port}` }))
  const client = track(major.createCluster({ rootNodes }))
  await client.connect()
  return client
}

/** Closes the client after the file's tests; its 'error' events (reconnect attempts) are expected. */
export function track<T extends TestClient | TestCluster>(client: T): T {
  client.on('error', () => undefined)
  open.push(client)
  return client
}

/** Closes at once, whatever the client's state; v4 calls it disconnect, v5 and v6 destroy. */
export async function closeQuietly(client: TestClient | TestCluster): Promise<void> {
  if (!client.isOpen) return
  try {
    if (typeof client.destroy === 'function') client.destroy()
    else await client.disconnect?.()
  } catch {
    // Already closing.
  }
}

let sequence = 0
/** A store prefix no other test uses: nothing is ever flushed. */
export function randomPrefix(area: string): string {
  return `t:${area}:${Math.random().toString(36).slice(2, 10)}${(sequence++).toString(36)}:`
}
