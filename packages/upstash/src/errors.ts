import { SluiceError, StoreError } from '@sluice/core'

/**
 * Turns what the `@upstash/redis` client threw into a `StoreError` whose message says what went
 * wrong: the server's own error text (a script error, `NOSCRIPT` …), a refused token, a reply that
 * is no JSON, a request that never got an answer. The client's error stays as `cause`.
 *
 * `secret` (the client's token) is cut out of every message: the client does not put it in
 * its errors today, but a message that reaches a log must never carry it.
 */
export function toStoreError(error: unknown, operation: string, secret: string | undefined): SluiceError {
  if (error instanceof SluiceError) return error
  const message = `upstash store: ${operation} failed: ${describe(error)}`
  return new StoreError(scrub(message, secret), { cause: error })
}

/** The client's error, in words: its own text, without the echo of the command it sent. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const text = serverText(error.message)
  if (error.name === 'UpstashJSONParseError') {
    return `the server's reply is not JSON (${text}); check that the URL points at an Upstash REST endpoint`
  }
  if (error.name === 'UpstashError') {
    if (isAuthFailure(text)) {
      return `HTTP 401 Unauthorized: the server refused the token (${text}); check the client's token (UPSTASH_REDIS_REST_TOKEN)`
    }
    return text
  }
  if (error.name === 'TypeError' && /fetch|network/i.test(text)) {
    // fetch() rejects with a bare "fetch failed"; the reason (refused, reset …) is its cause.
    const cause = (error as { cause?: unknown }).cause
    const reason = cause instanceof Error ? `: ${cause.message}` : ''
    return `the request got no HTTP answer (${text}${reason}); check that the Upstash URL is reachable`
  }
  if (error.name === 'TypeError') {
    // The client read a reply of the wrong shape (no result, not an array for a pipeline …).
    return `the server's reply is not an Upstash REST reply (${text})`
  }
  return `${error.name}: ${text}`
}

/**
 * The server's part of a client error message. The client appends `, command was: [...]` (every
 * key, argument and, for EVAL, the whole script) to errors of a single request, and prefixes
 * `Command failed: ` in an auto-pipeline.
 */
function serverText(message: string): string {
  const echo = message.indexOf(', command was: ')
  const text = echo >= 0 ? message.slice(0, echo) : message
  return text.replace(/^Command failed: /, '')
}

/**
 * Whether the server refused the credentials. `@upstash/redis` drops the HTTP status, so this
 * reads the body Upstash sends with its 401: `Unauthorized`, or Redis's WRONGPASS / NOAUTH.
 */
function isAuthFailure(text: string): boolean {
  return /^(Unauthorized|WRONGPASS|NOAUTH)\b/i.test(text)
}

function scrub(message: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 4) return message
  return message.split(secret).join('[token]')
}

/** The token the client sends (`Authorization: Bearer <token>`), to keep it out of messages. */
export function clientToken(client: object): string | undefined {
  const http = (client as { client?: { headers?: Record<string, unknown> } }).client
  const authorization = http?.headers?.authorization
  if (typeof authorization !== 'string') return undefined
  return authorization.replace(/^Bearer\s+/i, '')
}
