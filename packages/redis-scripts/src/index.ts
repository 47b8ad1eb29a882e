export { chargeArgs, parseChargeReply } from './charge.ts'
export type { ScriptCall, ScriptClient } from './client.ts'
export {
  encodeHashTag,
  FIXED_WINDOW_KEY_SUFFIX,
  type KeyedLimit,
  storeKey,
  storeKeys,
  storePrefixProblem,
} from './keys.ts'
export {
  type EngineCall,
  type EngineDecision,
  engineCall,
  parseEngineReply,
  parseSingleReply,
  SCRIPT_ALGORITHMS,
  type ScriptClock,
  singleArgs,
} from './layout.ts'
export {
  type RedisStoreClientRules,
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
  resolveRedisStoreOptions,
} from './options.ts'
export { refundArgs } from './refund.ts'
export { LUA_SOURCES } from './scripts.generated.ts'
export {
  BAN_SCRIPT,
  CHARGE_SCRIPT,
  ENGINE_SCRIPT,
  KIND_SCRIPTS,
  type LuaScript,
  REFUND_SCRIPT,
  scriptFingerprint,
} from './scripts.ts'
export { keySlot } from './slot.ts'
export { type ScriptStore, type ScriptStoreOptions, scriptStore } from './store.ts'
export {
  checkServerVersion,
  isSupportedRedisVersion,
  MINIMUM_REDIS_VERSION,
  redisVersionOf,
  type ServerVersionProbe,
} from './version.ts'
