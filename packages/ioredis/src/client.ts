// What the ioredis store needs of its client: ioredis's `Redis` and `Cluster`, or a client with
// their API such as iovalkey's (Valkey's fork of ioredis), whose classes TypeScript would tell apart.

/** A client with ioredis's API, as the store uses it: script commands, DEL, INFO and its status. */
export interface IoredisLikeClient {
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void
  del(...keys: string[]): Promise<number>
  info(section: string): Promise<string>
  /** ioredis's connection status (`'ready'`, `'reconnecting'` …), for messages. */
  readonly status: string
}

/** A Cluster client with ioredis's API: its nodes, and each slot's master first. */
export interface IoredisLikeCluster extends IoredisLikeClient {
  nodes(role?: 'all' | 'master' | 'slave'): unknown[]
  readonly slots: readonly (readonly string[] | undefined)[]
}

/** An ioredis `Redis` or `Cluster`, or a client of a fork with the same API (iovalkey). */
export type IoredisStoreClient = IoredisLikeClient | IoredisLikeCluster
