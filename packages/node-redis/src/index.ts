export type { NodeRedisClient, NodeRedisClientOrCluster, NodeRedisCluster } from './client.ts'
export type { NodeRedisStoreOptions } from './options.ts'
export { type NodeRedisStore, nodeRedisStore } from './store.ts'
