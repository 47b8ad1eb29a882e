// The GLIDE clients under test, on the shared redis-server or the shared 3-master Cluster: made once
// per file (GLIDE takes a while to create one) and closed after the file's tests.
import type {} from '@sluice/test-services/vitest'
import { GlideClient, GlideClusterClient } from '@valkey/valkey-glide'
import { afterAll, inject } from 'vitest'

/** GLIDE's request timeout in the tests: far above a loaded machine's stalls (default 250 ms). */
export const REQUEST_TIMEOUT_MS = 20_000

const open: (GlideClient | GlideClusterClient)[] = []
afterAll(() => {
  for (const client of open) client.close()
})

/** The shared redis-server's address. */
export function redisAddress(): { host: string; port: number } {
  const url = new URL(inject('redisUrl'))
  return { host: url.hostname, port: Number(url.port) }
}

/**
 * GLIDE's in-flight bound for the unbatched suites, whose concurrency tests send 1000 calls at once
 * (GLIDE refuses past 1000 unless told otherwise; batched, those are about 63 calls).
 */
export const UNBATCHED_INFLIGHT = 4000

/** A client of the shared single redis-server (or of `address`), closed after the file. */
export async function glideClient(
  address = redisAddress(),
  options: { requestTimeout?: number; inflightRequestsLimit?: number } = {},
): Promise<GlideClient> {
  const client = await GlideClient.createClient({
    addresses: [address],
    requestTimeout: REQUEST_TIMEOUT_MS,
    ...options,
  })
  open.push(client)
  return client
}

/** A client of the shared 3-master Cluster, closed after the file. */
export async function glideClusterClient(
  options: { inflightRequestsLimit?: number } = {},
): Promise<GlideClusterClient> {
  const client = await GlideClusterClient.createClient({
    addresses: inject('clusterNodes').map(({ host, port }) => ({ host, port })),
    requestTimeout: REQUEST_TIMEOUT_MS,
    ...options,
  })
  open.push(client)
  return client
}

let sequence = 0
/** A store prefix no other test uses: nothing is ever flushed. */
export function randomPrefix(area: string): string {
  return `t:${area}:${Math.random().toString(36).slice(2, 10)}${(sequence++).toString(36)}:`
}
