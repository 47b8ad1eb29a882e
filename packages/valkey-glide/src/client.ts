// The GLIDE clients the store takes, and what it asks of them: scripts, DEL, INFO and the Cluster's slots.
import type { GlideClient, GlideClusterClient } from '@valkey/valkey-glide'

/** A GLIDE client: `GlideClient.createClient()` (one server) or `GlideClusterClient.createClient()`. */
export type ValkeyGlideClient = GlideClient | GlideClusterClient

/** Whether `client` is a cluster client: only it routes a script by a key of the caller's choice. */
export function isClusterClient(client: ValkeyGlideClient): client is GlideClusterClient {
  return typeof (client as Partial<GlideClusterClient>).invokeScriptWithRoute === 'function'
}

/**
 * Whether the client was closed (`client.close()`, or by GLIDE after a fatal error). GLIDE keeps it
 * in a protected field; a client without the field reads as open.
 */
export function isClosed(client: ValkeyGlideClient): boolean {
  return (client as unknown as { isClosed?: unknown }).isClosed === true
}

/** `INFO server` as text: on a cluster from one node (GLIDE would ask every primary otherwise). */
export async function serverInfo(client: ValkeyGlideClient): Promise<string> {
  const reply = isClusterClient(client)
    ? await client.customCommand(['INFO', 'server'], { route: 'randomNode' })
    : await client.customCommand(['INFO', 'server'])
  return String(reply)
}
