// Types of the values src/vitestSetup.ts provides. Test files get typed `inject('redisUrl')` /
// `inject('clusterNodes')` / `inject('upstash')` by loading this augmentation, e.g.
//   import type {} from '@sluice/test-services/vitest'
// (this package's own tests get it through their tsconfig, which includes src/).

import type {} from 'vitest'

export interface ClusterNode {
  host: string
  port: number
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://127.0.0.1:<port>` of the shared single redis-server. */
    redisUrl: string
    /** Every node of the shared 3-master Redis Cluster (seed list for a cluster client). */
    clusterNodes: ClusterNode[]
    /** The shared local Upstash REST server over `redisUrl`'s Redis: `new Redis({ url, token })`. */
    upstash: { url: string; token: string }
  }
}
