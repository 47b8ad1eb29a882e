// scriptStore: a sluice Store over any Redis-protocol client, given a small adapter (ScriptClient).
import {
  type Algorithm,
  ConfigError,
  type LimitDecision,
  StoreError,
  type StoreTimeoutError,
} from '@sluice/core'
import {
  BLOCK_ID,
  createStoreDeadlines,
  MAX_LIMITS_PER_REQUEST,
  type Store,
  type StoreRequest,
} from '@sluice/core/store'
import { createBatcher, minBatchProblem } from './batch.ts'
import { chargeArgs, parseChargeReply } from './charge.ts'
import type { ScriptClient } from './client.ts'
import { storeKey, storeKeys } from './keys.ts'
import {
  engineCall,
  parseEngineReply,
  parseSingleReply,
  SCRIPT_ALGORITHMS,
  type ScriptClock,
  singleArgs,
  specOf,
} from './layout.ts'
import { refundArgs } from './refund.ts'
import { BAN_SCRIPT, CHARGE_SCRIPT, ENGINE_SCRIPT, KIND_SCRIPTS, REFUND_SCRIPT } from './scripts.ts'

export interface ScriptStoreOptions {
  /** The store's name in messages and `store.name`: `'ioredis'`, `'upstash'`. */
  readonly name: string
  /** The client, through its adapter. */
  readonly client: ScriptClient
  /** Put before every key, as given (checked by the caller: see `storePrefixProblem`). */
  readonly prefix: string
  /** Whose clock decides when a request carries no `now`. */
  readonly clock: ScriptClock
  /** Deadline of every call, in ms. */
  readonly timeoutMs: number
  /**
   * Decisions issued in one event-loop turn share one script call per Redis node (default true);
   * `false` sends each alone.
   */
  readonly batch?: boolean
  /**
   * Internal (sluice's own tests and benchmarks; may change without notice): the fewest decisions
   * of one node's turn that share an engine call, a whole number ≥ 2 (default 2). A node's turn of
   * fewer goes as one call per decision, its kind's script. A full batch (16) always goes at once.
   */
  readonly minBatch?: number | undefined
  /** The error for a call that got no answer within `timeoutMs`. Default: core's. */
  timeoutError?(operation: string): StoreTimeoutError
  /** The error a failure of the client becomes. Default: the failure as it is. */
  storeError?(error: unknown, operation: string): unknown
}

/** A store `scriptStore` made: a `Store` whose own deadline and `close()` are always there. */
export interface ScriptStore extends Store {
  readonly timeoutMs: number
  /** Lets pending calls settle (each within `timeoutMs`) and stops the store's timer. Never closes the client. */
  close(): Promise<void>
}

/**
 * A sluice store on any Redis-protocol client: the scripts of this package, run through the
 * client's adapter. A decision on one limit runs its algorithm's script; a composite, or the
 * decisions of one event-loop turn on one Redis node (`batch`, the default), run the engine, each
 * decision atomic and all-or-nothing on its own, in order. Every call settles within `timeoutMs`.
 *
 * @example
 * import { Redis } from 'ioredis'
 * const client = new Redis()
 * const store = scriptStore({
 *   name: 'my-redis',
 *   client: {
 *     run: (script, keys, args) =>
 *       client.eval(script.lua, keys.length, ...keys, ...args), // a real adapter uses EVALSHA first
 *     del: (keys) => client.del(...keys),
 *   },
 *   prefix: '',
 *   clock: 'server',
 *   timeoutMs: 1000,
 * })
 */
export function scriptStore(options: ScriptStoreOptions): ScriptStore {
  const { name, client, prefix, clock, timeoutMs, minBatch } = options
  const minBatchWrong = minBatchProblem(minBatch)
  if (minBatchWrong !== undefined) throw new ConfigError(`${name} store: ${minBatchWrong}`)
  const deadlines = createStoreDeadlines({
    store: name,
    timeoutMs,
    ...(options.timeoutError === undefined ? {} : { timeoutError: options.timeoutError }),
    ...(options.storeError === undefined ? {} : { storeError: options.storeError }),
  })
  const badReply = (error: unknown): StoreError =>
    new StoreError(
      `${name} store: unexpected reply from the rate-limit script: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )

  /** One decision in its own call: its kind's script for one limit, the engine for a composite. */
  async function alone(request: StoreRequest, keys: readonly string[]): Promise<readonly LimitDecision[]> {
    const limit = request.limits[0] as Algorithm
    // A penalty is the engine's: the kinds' scripts know no blocks (and pay nothing for them).
    if (request.limits.length === 1 && request.penalty === undefined) {
      const reply = await client.run(
        KIND_SCRIPTS[limit.kind],
        [keys[0] as string],
        singleArgs(request, clock),
      )
      try {
        return [parseSingleReply(reply, limit)]
      } catch (error) {
        throw badReply(error)
      }
    }
    const call = engineCall([{ request, keys }], 1, clock)
    const reply = await client.run(ENGINE_SCRIPT, call.keys, call.args)
    let outcome: readonly LimitDecision[] | string
    try {
      outcome = parseEngineReply(reply, [{ request }])[0] as readonly LimitDecision[] | string
    } catch (error) {
      throw badReply(error)
    }
    if (typeof outcome === 'string') throw new Error(outcome)
    return outcome
  }

  const send = options.batch === false ? alone : createBatcher({ client, clock, alone, badReply, minBatch })

  function start(request: StoreRequest): Promise<readonly LimitDecision[]> {
    const { limits } = request
    if (limits.length > MAX_LIMITS_PER_REQUEST) {
      throw new ConfigError(
        `${name} store: a composite of ${limits.length} limits is more than the ${MAX_LIMITS_PER_REQUEST} one script call takes; split the limiter`,
      )
    }
    // Checks every limit before the request joins a batch: a limit the scripts cannot run fails
    // this decision alone.
    for (const limit of limits) specOf(limit)
    const keys = storeKeys(prefix, request.key, limits)
    // With a penalty, the block key follows the limits' keys (same hash tag: same Cluster slot).
    if (request.penalty !== undefined) keys.push(storeKey(prefix, request.key, BLOCK_BY_ID))
    const ready = client.ready?.()
    return ready === undefined ? send(request, keys) : ready.then(() => send(request, keys))
  }

  return {
    name,
    capabilities: {
      algorithms: SCRIPT_ALGORITHMS,
      composite: true,
      penalties: true,
      costs: true,
      charge: true,
    },
    timeoutMs,
    apply: (request) => deadlines.run('apply', () => start(request)),
    // One script call, not batched: refunds are few, and each is atomic over its limiter key.
    refund: (request) =>
      deadlines.run('refund', async () => {
        const keys = storeKeys(prefix, request.key, request.limits)
        const args = refundArgs(request, clock)
        await client.ready?.()
        const reply = await client.run(REFUND_SCRIPT, keys, args)
        if (reply !== 1)
          throw badReply(new TypeError(`expected 1 from the refund script, got ${String(reply)}`))
      }),
    // One script call, not batched, as a refund: core's chargeAll on the limiter key's limits.
    charge: (request) =>
      deadlines.run('charge', async () => {
        for (const limit of request.limits) specOf(limit)
        const keys = storeKeys(prefix, request.key, request.limits)
        const args = chargeArgs(request, clock)
        await client.ready?.()
        const reply = await client.run(CHARGE_SCRIPT, keys, args)
        try {
          return parseChargeReply(reply, request)
        } catch (error) {
          throw badReply(error)
        }
      }),
    // One script call: core's banState on the block key, atomic.
    ban: (request) =>
      deadlines.run('ban', async () => {
        const key = storeKey(prefix, request.key, BLOCK_BY_ID)
        const now =
          request.now !== undefined ? String(request.now) : clock === 'client' ? String(Date.now()) : ''
        await client.ready?.()
        const reply = await client.run(BAN_SCRIPT, [key], [now, String(request.durationMs)])
        if (reply !== 1) throw badReply(new TypeError(`expected 1 from the ban script, got ${String(reply)}`))
      }),
    unban: (key) =>
      deadlines.run('unban', async () => {
        await client.del([storeKey(prefix, key, BLOCK_BY_ID)])
      }),
    reset: (key, limits) =>
      deadlines.run('reset', async () => {
        if (limits.length > 0) await client.del(storeKeys(prefix, key, limits))
      }),
    // Settles this store's calls and stops its timer; the client is the caller's to close.
    close: () => deadlines.close(),
  }
}

/** Where a limiter key's block state is kept: `{limiterKey}:!block`, beside its counters. */
const BLOCK_BY_ID = { id: BLOCK_ID }
