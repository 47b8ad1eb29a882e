export { type RedisCluster, type StartClusterOptions, startCluster } from './cluster.ts'
export { ensureRedisInstalled, redisInstallCommand } from './install.ts'
export { type EventLoopLag, eventLoopLag } from './lag.ts'
export {
  type CallRecord,
  endedSince,
  type LoadedLimiter,
  sleep,
  startLoad,
  until,
  worstLatency,
} from './load.ts'
export { type RedisServer, type StartRedisOptions, startRedis } from './redis.ts'
export { type RedisAddress, RespError, type RespReply, redisCommand } from './resp.ts'
export { type Services, startServices } from './services.ts'
export {
  type StartUpstashOptions,
  startUpstashServer,
  type UpstashFault,
  type UpstashServer,
} from './upstash/server.ts'
