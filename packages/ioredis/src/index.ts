export type { IoredisLikeClient, IoredisLikeCluster, IoredisStoreClient } from './client.ts'
export type { IoredisStoreOptions } from './options.ts'
export { type IoredisStore, ioredisStore } from './store.ts'
