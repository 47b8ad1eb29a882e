// Decision batching: the decisions issued in one event-loop turn go to each Redis node in one
// engine call, decided in order, each answered on its own. No timer: the turn ends, the batch goes.
import type { LimitDecision } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import type { ScriptCall, ScriptClient } from './client.ts'
import { type EngineDecision, engineCall, parseEngineReply, type ScriptClock } from './layout.ts'
import { ENGINE_SCRIPT } from './scripts.ts'
import { keySlot } from './slot.ts'

/** Keys one engine call carries at most (a lone decision may have up to MAX_LIMITS_PER_REQUEST). */
const MAX_BATCH_KEYS = 256

/**
 * A node's batch of this many decisions leaves at once rather than at the end of the turn: Redis
 * decides it while this process is still making the turn's next decisions, instead of each
 * waiting for the other.
 */
const EARLY_BATCH = 16

/**
 * The default `minBatch`: any two decisions of a turn on one node share an engine call. Sending a
 * turn's remainder under EARLY_BATCH as single calls instead (`minBatch: 16`) lets a client that
 * pipelines (ioredis, node-redis, GLIDE) overlap Node's work with Redis's; measured interleaved on
 * a loaded 2-core machine it lost to batching at 4 and 8 in flight (single calls cost about twice
 * the CPU per decision on both sides), so small turns stay batched (benchmarks/MISSED.md).
 */
const DEFAULT_MIN_BATCH = 2

const resolved = Promise.resolve()

/**
 * What is wrong with `minBatch` as an option (undefined when nothing is): a whole number ≥ 2.
 *
 * @example
 * minBatchProblem(1) // 'minBatch must be a whole number ≥ 2 (…), got 1'
 */
export function minBatchProblem(minBatch: unknown): string | undefined {
  if (minBatch === undefined || (Number.isSafeInteger(minBatch) && (minBatch as number) >= 2))
    return undefined
  const shown =
    typeof minBatch === 'number' ? String(minBatch) : (JSON.stringify(minBatch) ?? typeof minBatch)
  return `minBatch must be a whole number ≥ 2 (the fewest decisions of one node's turn sent as one engine call; internal, default ${DEFAULT_MIN_BATCH}), got ${shown}`
}

/** A decision waiting for its batch. */
interface Waiting extends EngineDecision {
  /** Its Cluster slot, when the client names nodes. */
  readonly slot: number
  readonly resolve: (decisions: readonly LimitDecision[]) => void
  readonly reject: (error: unknown) => void
}

export interface BatcherOptions {
  readonly client: ScriptClient
  readonly clock: ScriptClock
  /** Sends one decision alone (no batch to join): a kind's script, or the engine for a composite. */
  readonly alone: (request: StoreRequest, keys: readonly string[]) => Promise<readonly LimitDecision[]>
  /** Turns a reply that is not the engine's into the error every decision of the call gets. */
  readonly badReply: (error: unknown) => Error
  /**
   * The fewest decisions of one node's turn that run the engine together (at least 2); a node's
   * turn of fewer goes as one call per decision (`alone`). Default DEFAULT_MIN_BATCH.
   */
  readonly minBatch?: number | undefined
}

/** Sends a decision with the others of its turn and node; resolves to its decisions, one per limit. */
export type Batcher = (request: StoreRequest, keys: readonly string[]) => Promise<readonly LimitDecision[]>

/**
 * Collects decisions per Redis node until the current turn's microtasks have run (a microtask, no
 * timer: a lone decision leaves at once), then sends each node's in engine calls of at most
 * MAX_BATCH_KEYS keys and `maxRequestBytes`; a node's batch of EARLY_BATCH decisions (or
 * `minBatch`, if larger) leaves at once. A node's turn of fewer than `minBatch` decisions, and any
 * chunk of one, goes one call per decision (its kind's script), in issue order on the client's
 * connection.
 *
 * On a Cluster the keys of the decisions in the first decision's slot are declared, the others
 * (other slots of the same node) follow in ARGV. A decision whose key the node turns out not to
 * serve (a slot moved since the client last looked) fails in the script before it writes anything,
 * and is sent again alone, which the client routes (and redirects) by its declared keys.
 */
export function createBatcher(options: BatcherOptions): Batcher {
  const { client, clock, alone, badReply } = options
  const minBatch = options.minBatch ?? DEFAULT_MIN_BATCH
  const early = Math.max(EARLY_BATCH, minBatch)
  const nodeOf = client.nodeOf?.bind(client)
  const cluster = nodeOf !== undefined
  const maxBytes = client.maxRequestBytes ?? Number.POSITIVE_INFINITY
  /** Each node's waiting decisions ('' names the one server of a client without nodes). */
  const queues = new Map<string, Waiting[]>()
  let scheduled = false

  function flush(): void {
    scheduled = false
    for (const queue of queues.values()) send(queue)
    queues.clear()
  }

  function goAlone(w: Waiting): void {
    alone(w.request, w.keys).then(w.resolve, w.reject)
  }

  /** Sends one node's decisions in calls of at most MAX_BATCH_KEYS keys and `maxBytes`. */
  function send(queue: Waiting[]): void {
    if (queue.length < minBatch) {
      // Fewer than minBatch: one call each, which the client pipelines on its connection, in order.
      for (const w of queue) goAlone(w)
      return
    }
    const calls: Call[] = []
    let from = 0
    let keys = 0
    let bytes = 0
    for (let i = 0; i < queue.length; i++) {
      const w = queue[i] as Waiting
      const size = maxBytes === Number.POSITIVE_INFINITY ? 0 : sizeOf(w)
      if (i > from && (keys + w.keys.length > MAX_BATCH_KEYS || bytes + size > maxBytes)) {
        call(queue.slice(from, i), calls)
        from = i
        keys = 0
        bytes = 0
      }
      keys += w.keys.length
      bytes += size
    }
    call(from === 0 ? queue : queue.slice(from), calls)
    for (const c of calls) {
      client.run(c.call.script, c.call.keys, c.call.args).then(
        (reply) => settle(c.decisions, reply),
        (error: unknown) => fail(c.decisions, error),
      )
    }
  }

  /** Adds the engine call of `chunk` to `calls`, or sends a chunk of one alone. */
  function call(chunk: Waiting[], calls: Call[]): void {
    if (chunk.length === 1) {
      goAlone(chunk[0] as Waiting)
      return
    }
    const ordered = cluster ? firstSlotFirst(chunk) : chunk
    const declared = cluster ? countInSlot(ordered) : ordered.length
    const { keys, args } = engineCall(ordered, declared, clock)
    calls.push({ call: { script: ENGINE_SCRIPT, keys, args }, decisions: ordered })
  }

  /** Hands each decision its outcome; one the node does not serve goes again, alone. */
  function settle(decisions: readonly Waiting[], reply: unknown): void {
    let outcomes: (readonly LimitDecision[] | string)[]
    try {
      outcomes = parseEngineReply(reply, decisions)
    } catch (error) {
      fail(decisions, badReply(error))
      return
    }
    for (let i = 0; i < decisions.length; i++) {
      const w = decisions[i] as Waiting
      const outcome = outcomes[i] as readonly LimitDecision[] | string
      if (typeof outcome !== 'string') w.resolve(outcome)
      else if (cluster && elsewhere(outcome)) goAlone(w)
      else w.reject(new Error(outcome))
    }
  }

  function fail(decisions: readonly Waiting[], error: unknown): void {
    for (const w of decisions) w.reject(error)
  }

  return (request, keys) =>
    new Promise((resolve, reject) => {
      const slot = cluster ? keySlot(keys[0] as string) : 0
      const w: Waiting = { request, keys, slot, resolve, reject }
      const node = cluster ? nodeOf(slot) : ''
      if (node === undefined) {
        // The client does not know the slot's node yet: alone, the client routes it.
        goAlone(w)
        return
      }
      const queue = queues.get(node)
      if (queue === undefined) {
        queues.set(node, [w])
      } else {
        queue.push(w)
        if (queue.length >= early) {
          queues.delete(node)
          send(queue)
        }
      }
      if (!scheduled) {
        scheduled = true
        // A microtask, not a timer: it runs once the turn's current microtasks have queued theirs.
        resolved.then(flush)
      }
    })
}

/** One engine call of a batch: what it sends and the decisions it answers. */
interface Call {
  readonly call: ScriptCall
  readonly decisions: readonly Waiting[]
}

/** Redis's errors for a key this node does not serve (now): the script ran nothing of that decision. */
function elsewhere(error: string): boolean {
  return /non local key|^MOVED |^ASK |^TRYAGAIN|^CLUSTERDOWN/.test(error)
}

/** The decisions in the first one's slot, then the rest, each part in its own order. */
function firstSlotFirst(chunk: readonly Waiting[]): Waiting[] {
  const slot = (chunk[0] as Waiting).slot
  const same: Waiting[] = []
  const other: Waiting[] = []
  for (const w of chunk) (w.slot === slot ? same : other).push(w)
  for (const w of other) same.push(w)
  return same
}

function countInSlot(ordered: readonly Waiting[]): number {
  const slot = (ordered[0] as Waiting).slot
  let n = 0
  while (n < ordered.length && (ordered[n] as Waiting).slot === slot) n++
  return n
}

/** An upper bound of a decision's bytes in a request: 3 UTF-8 bytes per UTF-16 unit, plus its arguments. */
function sizeOf(w: Waiting): number {
  let chars = 64
  for (const key of w.keys) chars += key.length + 8
  return 3 * chars + 48 * w.request.limits.length
}
