// What the scripts take and answer: the ARGV of a kind's script and of the engine for store
// requests, and their replies as decisions. Numbers travel as `String(n)`, the shortest text that
// reads back as the same double, so Lua's `tonumber` sees exactly the numbers core's steps see.
import type { Algorithm, AlgorithmKind, LimitDecision } from '@sluice/core'
import { ALGORITHM_KINDS, type Penalty, type StoreRequest } from '@sluice/core/store'

/** Every algorithm kind the scripts run: all of them, each with its Lua twin. */
export const SCRIPT_ALGORITHMS: readonly AlgorithmKind[] = ALGORITHM_KINDS

/** Each kind's params, in the order its Lua step reads them (p1, p2, p3). */
const PARAM_NAMES: Readonly<Record<AlgorithmKind, readonly string[]>> = {
  fixedWindow: ['limit', 'windowMs', 'align'],
  slidingLog: ['limit', 'windowMs'],
  slidingWindow: ['limit', 'windowMs'],
  tokenBucket: ['capacity', 'tokenUnits', 'refillUnitsPerMs'],
  gcra: ['intervalNum', 'intervalDen', 'burst'],
  leakyBucket: ['capacity', 'intervalNum', 'intervalDen'],
  concurrency: ['limit', 'leaseMs'],
}

/** Params that are words, not numbers: each travels as its index here; an absent one as index 0. */
export const PARAM_WORDS: Readonly<Record<string, readonly string[]>> = {
  align: ['epoch', 'first-request'],
}

/**
 * The ARGV text of param `name` of a `kind` limit: `String(value)` for a number (the shortest text
 * that reads back as the same double), the index of a word param's value (see `PARAM_WORDS`).
 * Throws a TypeError for anything else.
 */
export function paramText(kind: AlgorithmKind, name: string, value: unknown): string {
  const words = PARAM_WORDS[name]
  if (words !== undefined) {
    const index = value === undefined ? 0 : words.indexOf(value as string)
    if (index < 0) {
      throw new TypeError(
        `redis-scripts: ${kind} param ${name} must be one of ${words.join(', ')}, got ${String(value)}`,
      )
    }
    return String(index)
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`redis-scripts: ${kind} param ${name} must be a finite number, got ${String(value)}`)
  }
  return String(value)
}

/** Whose clock decides when a request carries no `now`. */
export type ScriptClock = 'server' | 'client'

/** One limit as the scripts know it, made once per `Algorithm` object. */
export interface Spec {
  /** A short id, unique in this process: how the engine's decisions name their limits. */
  readonly id: string
  readonly kind: AlgorithmKind
  /** The params, in the order the Lua step reads them; two or three. */
  readonly params: readonly string[]
  /** The `limit` every decision of this limit reports (the step's own: burst, capacity + 1 …). */
  readonly limit: number
  /** The engine call that last listed this spec (see `engineArgs`). */
  listedIn: number
}

const specs = new WeakMap<Algorithm, Spec>()
let specCount = 0

/** The spec of a limit, computed on its first use: algorithms never change. */
export function specOf(limit: Algorithm): Spec {
  let spec = specs.get(limit)
  if (spec === undefined) {
    spec = buildSpec(limit)
    specs.set(limit, spec)
  }
  return spec
}

function buildSpec(limit: Algorithm): Spec {
  const names = PARAM_NAMES[limit.kind]
  if (names === undefined)
    throw new TypeError(`redis-scripts: no Lua twin for algorithm kind ${String(limit.kind)}`)
  const values = limit.params as Readonly<Record<string, unknown>>
  const params = names.map((name) => paramText(limit.kind, name, values[name]))
  // The limit a step reports, from its params as the step computes it.
  const first = Number(params[0])
  const reported =
    limit.kind === 'tokenBucket'
      ? first
      : limit.kind === 'gcra'
        ? Number(params[2])
        : limit.kind === 'leakyBucket'
          ? first + 1
          : first
  return { id: (specCount++).toString(36), kind: limit.kind, params, limit: reported, listedIn: -1 }
}

/** ARGV now: `request.now` when defined (it always wins), else `Date.now()` for the client clock, or `''` (the script reads TIME). */
function nowArg(request: StoreRequest, clock: ScriptClock): string {
  return request.now !== undefined ? String(request.now) : clock === 'client' ? String(Date.now()) : ''
}

/**
 * ARGV mode: `'1'` consume, `'0'` peek, either followed by `:` and `maxDelayMs` when the request has
 * one; with a penalty, then `|` and its text (see `penaltyText`): the engine alone reads that.
 */
function modeArg(request: StoreRequest): string {
  const mode = request.consume ? '1' : '0'
  const text = request.maxDelayMs === undefined ? mode : `${mode}:${request.maxDelayMs}`
  return request.penalty === undefined ? text : `${text}|${penaltyText(request.penalty)}`
}

const penaltyTexts = new WeakMap<Penalty, string>()

/** A penalty as the engine reads it, `blockMs:factor:maxBlockMs:forgetAfterMs`, made once per limiter. */
function penaltyText(penalty: Penalty): string {
  let text = penaltyTexts.get(penalty)
  if (text === undefined) {
    const { blockMs, factor, maxBlockMs, forgetAfterMs } = penalty
    text = `${blockMs}:${factor}:${maxBlockMs}:${forgetAfterMs}`
    penaltyTexts.set(penalty, text)
  }
  return text
}

/**
 * The ARGV of a kind's script (`KIND_SCRIPTS[kind]`) for a request on one limit, whose key is
 * `KEYS[1]`: now, cost, mode, then the limit's two or three params.
 */
export function singleArgs(request: StoreRequest, clock: ScriptClock): string[] {
  const { params } = specOf(request.limits[0] as Algorithm)
  const args = [
    nowArg(request, clock),
    String(request.cost),
    modeArg(request),
    params[0] as string,
    params[1] as string,
  ]
  if (params.length === 3) args.push(params[2] as string)
  return args
}

/** Values per limit in a reply: allowed (1/0), remaining, resetAfterMs, the wait. */
/** How many values a script replies per limit (see `parseSingleReply`). */
export const PER_LIMIT = 4

/** A kind's script's reply (allowed 1/0, remaining, resetAfterMs, the wait) as one decision. Throws a TypeError on any other shape. */
export function parseSingleReply(reply: unknown, limit: Algorithm): LimitDecision {
  if (!Array.isArray(reply) || reply.length !== PER_LIMIT) {
    throw new TypeError(`redis-scripts: expected ${PER_LIMIT} values from the script, got ${describe(reply)}`)
  }
  return decision(specOf(limit).limit, reply, 0)
}

/** One limit's decision from its four values at `at` (with `blockedUntil` for a blocked key). */
function decision(
  limit: number,
  reply: readonly unknown[],
  at: number,
  blockedUntil?: number,
): LimitDecision {
  const allowed = reply[at] === 1
  const wait = number(reply[at + 3])
  if (blockedUntil !== undefined) {
    return {
      allowed,
      limit,
      remaining: number(reply[at + 1]),
      resetAfterMs: number(reply[at + 2]),
      retryAfterMs: allowed ? 0 : wait,
      delayMs: allowed ? wait : 0,
      blockedUntil,
    }
  }
  return {
    allowed,
    limit,
    remaining: number(reply[at + 1]),
    resetAfterMs: number(reply[at + 2]),
    retryAfterMs: allowed ? 0 : wait,
    delayMs: allowed ? wait : 0,
  }
}

/** One decision of an engine call: its request and its keys (`storeKeys`), one per limit. */
export interface EngineDecision {
  readonly request: StoreRequest
  readonly keys: readonly string[]
}

/** The KEYS and ARGV of one engine call. */
export interface EngineCall {
  readonly keys: string[]
  readonly args: string[]
}

/** Plans (spec ids joined by ',') of limit lists, made once per list. */
const plans = new WeakMap<readonly Algorithm[], string>()

function planOf(limits: readonly Algorithm[]): string {
  if (limits.length === 1) return specOf(limits[0] as Algorithm).id
  let plan = plans.get(limits)
  if (plan === undefined) {
    plan = limits.map((limit) => specOf(limit).id).join(',')
    plans.set(limits, plan)
  }
  return plan
}

let calls = 0

/**
 * The KEYS and ARGV of one call of `ENGINE_SCRIPT` deciding `decisions` in order. The keys of the
 * first `declared` decisions go in KEYS (all in one Cluster slot); those of the rest follow the
 * decisions in ARGV (on a Cluster: other slots of the same node, see engine.lua).
 *
 * ARGV: the count of declared keys, of decisions and of specs; each spec (id, kind, params);
 * one text of every decision, each `plan now cost mode` and a newline (cost: per-limit costs joined
 * by ',' when they differ; now '' for the server's clock); the keys past the declared ones.
 */
export function engineCall(
  decisions: readonly EngineDecision[],
  declared: number,
  clock: ScriptClock,
): EngineCall {
  const call = calls++
  const keys: string[] = []
  const args = ['', String(decisions.length), '']
  let listed = 0
  for (const { request } of decisions) {
    for (const limit of request.limits) {
      const spec = specOf(limit)
      if (spec.listedIn === call) continue
      spec.listedIn = call
      listed++
      args.push(spec.id, spec.kind, spec.params[0] as string, spec.params[1] as string, spec.params[2] ?? '')
    }
  }
  args[2] = String(listed)
  // One argument for all the decisions (engine.lua says why); no field holds a space or a newline.
  let text = ''
  for (const { request } of decisions) {
    // Per-limit costs (only when they differ) travel joined by ',': '1,1200' (see engine.lua).
    const cost = request.costs === undefined ? String(request.cost) : request.costs.join(',')
    text += `${planOf(request.limits)} ${nowArg(request, clock)} ${cost} ${modeArg(request)}\n`
  }
  args.push(text)
  for (let i = 0; i < decisions.length; i++) {
    const into = i < declared ? keys : args
    for (const key of (decisions[i] as EngineDecision).keys) into.push(key)
  }
  args[0] = String(keys.length)
  return { keys, args }
}

/**
 * The engine's reply as one outcome per decision of the call, in order: its decisions (one per limit), or
 * Redis's error text for a decision that failed and wrote nothing. The reply is the engine's text
 * of numbers, or (when some decision failed) an array of that text and the error texts (see
 * engine.lua). Throws a TypeError on any other shape.
 */
export function parseEngineReply(
  engineReply: unknown,
  decisions: readonly { readonly request: StoreRequest }[],
): (readonly LimitDecision[] | string)[] {
  const withErrors = Array.isArray(engineReply)
  const text: unknown = withErrors ? engineReply[0] : engineReply
  if (typeof text !== 'string')
    throw new TypeError(`redis-scripts: expected the engine's text, got ${describe(engineReply)}`)
  const reply = numbersOf(text)
  const outcomes: (readonly LimitDecision[] | string)[] = []
  let at = 0
  for (const { request } of decisions) {
    const status = reply[at]
    if (status === 0) {
      // 0, then the number of its error among the texts after the numbers.
      const error: unknown = withErrors ? engineReply[reply[at + 1] as number] : undefined
      if (typeof error !== 'string')
        throw new TypeError(`redis-scripts: the engine's error ${reply[at + 1]} is not in its reply`)
      outcomes.push(error)
      at += 2
      continue
    }
    const n = request.limits.length
    // 2: a blocked key, its blockedUntil next (only a request with a penalty gets one).
    const head = status === 2 && request.penalty !== undefined ? 2 : 1
    if ((status !== 1 && head !== 2) || at + head + PER_LIMIT * n > reply.length) {
      throw new TypeError(
        `redis-scripts: the engine's reply ends or breaks at value ${at} of ${reply.length}`,
      )
    }
    const blockedUntil = head === 2 ? number(reply[at + 1]) : undefined
    at += head
    const limits: LimitDecision[] = []
    for (const limit of request.limits) {
      limits.push(decision(specOf(limit).limit, reply, at, blockedUntil))
      at += PER_LIMIT
    }
    outcomes.push(limits)
  }
  if (at !== reply.length)
    throw new TypeError(`redis-scripts: the engine replied ${reply.length - at} values too many`)
  return outcomes
}

const NON_FINITE = /^-?(nan|inf)$/

/**
 * The engine's text reply as its numbers; a word that is no number (`'OK'`) is a TypeError. Reads
 * whole numbers digit by digit (the usual words: replyNumber's integers have at most 14 digits, so
 * the sum stays exact) without cutting the text into strings; any other word goes through Number.
 */
function numbersOf(text: string): number[] {
  const numbers: number[] = []
  const length = text.length
  let start = 0
  for (;;) {
    const negative = text.charCodeAt(start) === 45 // '-'
    const digitsFrom = negative ? start + 1 : start
    let end = digitsFrom
    let value = 0
    let whole = true
    for (; end < length; end++) {
      const c = text.charCodeAt(end)
      if (c === 32) break // ' '
      const digit = c - 48
      if (digit >= 0 && digit <= 9) value = value * 10 + digit
      else whole = false
    }
    if (whole && end > digitsFrom && end - digitsFrom <= 15) numbers.push(negative ? -value : value)
    else numbers.push(wordNumber(text.slice(start, end)))
    if (end >= length) return numbers
    start = end + 1
  }
}

/** A word of the engine's text that is not a plain whole number: a fraction, an exponent, C's 'nan' or 'inf'. */
function wordNumber(word: string): number {
  const n = Number(word)
  // C's texts of the non-finite ('nan', '-inf', …) read as NaN, as in a kind script's array reply.
  if (word === '' || (Number.isNaN(n) && !NON_FINITE.test(word)))
    throw new TypeError(`redis-scripts: expected numbers from the engine, got ${JSON.stringify(word)}`)
  return n
}

function number(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') return Number(value)
  throw new TypeError(`redis-scripts: expected a number in the script's reply, got ${describe(value)}`)
}

function describe(value: unknown): string {
  return Array.isArray(value) ? `an array of ${value.length}` : typeof value
}
