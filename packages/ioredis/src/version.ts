// The ioredis store's server version check: the shared check (@sluice/redis-scripts) through ioredis's INFO.
import { checkServerVersion } from '@sluice/redis-scripts'
import type { IoredisStoreClient } from './client.ts'

/**
 * The check, once per client, lazily on its first call, that the server runs a Redis the scripts
 * support; an ioredis `ReplyError` (an ACL refusing INFO) is the server's answer, not a lost connection.
 */
export function versionCheck(client: IoredisStoreClient): () => Promise<void> | undefined {
  const probe = {
    store: 'ioredis store',
    info: () => client.info('server'),
    refused: (error: unknown) => error instanceof Error && error.name === 'ReplyError',
  }
  return () => checkServerVersion(client, probe)
}
