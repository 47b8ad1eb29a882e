// One Fastify hook per set of options: the shared check per request, its outcome sent on the reply.
import {
  type AbortSignalLike,
  applyHeaders,
  type BindingEvents,
  type BindingSpec,
  createRateLimitCheck,
  type HeaderTarget,
  onResponseEnd,
  type RateLimited,
  type RateLimitOutcome,
  type Settle,
} from '@sluice/core/http'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { OnLimited, RateLimitHookOptions } from './options.ts'

/** A callback-style `onRequest` / `preHandler` hook: no async function, so no extra promise per request. */
export type RateLimitHook = ((
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void) & {
  /** The hook's event stream (`request`, `refund`: docs/observability.md). */
  readonly events: BindingEvents
}

const spec: BindingSpec<FastifyRequest> = {
  factory: 'rateLimit',
  // request.ip follows Fastify's `trustProxy` option: X-Forwarded-For counts only when it is set.
  clientAddress: (request) => request.ip,
  clientAddressSource: 'request.ip',
  binding: 'fastify',
}

/**
 * A Fastify hook that rate-limits requests with a sluice limiter, for a route's own `onRequest` or
 * `preHandler`, or `setNotFoundHandler({ preHandler })` (the plugin does not see the 404 handler).
 * The plugin builds its hooks with it; it validates the options at once (a `ConfigError`).
 *
 * @example
 * const limited = rateLimitHook({ limiter })
 * app.setNotFoundHandler({ preHandler: limited }, (request, reply) => reply.code(404).send())
 */
export function rateLimitHook(options: RateLimitHookOptions): RateLimitHook {
  const {
    check,
    options: resolved,
    settle,
    events,
  } = createRateLimitCheck<FastifyRequest, FastifyReply>(options, spec)
  const onLimited = resolved.onLimited as OnLimited | undefined
  function rateLimit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    check(request, closeSignal).then((outcome) => {
      try {
        respond(outcome, request, reply, done, onLimited, settle)
      } catch (error) {
        done(error as Error)
      }
    }, done)
  }
  return Object.assign(rateLimit, { events })
}

function respond(
  outcome: RateLimitOutcome,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  onLimited: OnLimited | undefined,
  settle: Settle<FastifyRequest, FastifyReply> | undefined,
): void {
  switch (outcome.action) {
    case 'skip':
      done()
      return
    case 'drop':
      // The client went away while waiting its turn: the handler does not run, nothing is sent.
      return
    case 'invalid':
      // The request's key, cost, address or descriptors cannot be used: the client's fault, a 400.
      send(reply, outcome.invalid)
      return
    case 'allow':
      request.rateLimit = outcome.decision
      applyHeaders(outcome.headers, new ReplyHeaders(reply))
      // Counting by outcome: the units go back, or not, once the response has closed.
      if (settle !== undefined) {
        const { decision } = outcome
        onResponseEnd(reply.raw, (end) => settle(decision, request, reply, end))
      }
      done()
      return
    case 'limit':
      request.rateLimit = outcome.decision
      applyHeaders(outcome.headers, new ReplyHeaders(reply))
      if (onLimited === undefined) send(reply, outcome.limited)
      else sendLimited(onLimited, outcome.limited, request, reply, done)
  }
}

/** Runs `onLimited` as Fastify runs a handler: a returned payload is sent, a returned `reply` was. */
function sendLimited(
  onLimited: OnLimited,
  limited: RateLimited,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  reply.code(limited.status)
  new Promise((resolve) => resolve(onLimited(request, reply, limited))).then(
    (payload) => {
      if (payload !== undefined && payload !== reply && !reply.sent) reply.send(payload)
    },
    (error: Error) => {
      // Fastify's error handler keeps a status of 400 or more: the refusal's would hide the failure.
      reply.code(500)
      done(error)
    },
  )
}

function send(reply: FastifyReply, problem: Pick<RateLimited, 'status' | 'contentType' | 'body'>): void {
  // A Buffer: Fastify 5 would add "; charset=utf-8" to the content type of a string.
  reply.code(problem.status).header('content-type', problem.contentType).send(Buffer.from(problem.body))
}

/** A reply as a header target: a class, so a request costs one small object and no closures. */
class ReplyHeaders implements HeaderTarget {
  readonly #reply: FastifyReply
  constructor(reply: FastifyReply) {
    this.#reply = reply
  }
  get(name: string): unknown {
    return this.#reply.getHeader(name)
  }
  set(name: string, value: string): void {
    this.#reply.header(name, value)
  }
}

/**
 * Aborts when the client goes away before its response is sent (already aborted if it has). Made
 * only for a request that must wait its turn. Fastify's request has no link to its reply, so this
 * listens on the socket: while a request waits unanswered, its socket closes only if the client
 * leaves. The wait removes its `close` listener when it runs out: a kept-alive socket keeps none.
 */
function closeSignal(request: FastifyRequest): AbortSignalLike {
  const { socket } = request.raw
  return {
    get aborted() {
      return socket.destroyed
    },
    addEventListener(_type, listener) {
      socket.once('close', listener)
    },
    removeEventListener(_type, listener) {
      socket.off('close', listener)
    },
  }
}
