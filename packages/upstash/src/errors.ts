import { SluiceError, StoreError } from '@sluice/core'
import { redacted, type Secrets, scrubText } from './redact.ts'

/**
 * Turns what the `@upstash/redis` client threw into a `StoreError` whose message says what went
 * wrong: the server's own error text (a script error, `NOSCRIPT` …), a refused token, a reply that
 * is no JSON, a request that never got an answer. The client's error stays as `cause`.
 *
 * `secrets` (the client's token, its URL's password) are cut out of everything the error carries,
 * its `cause` chain included, and so is any URL's userinfo: a server or proxy may echo the token
 * in its reply, and fetch puts a URL with credentials in its own error, but an error that reaches
 * a log must never carry them.
 */
export function toStoreError(error: unknown, operation: string, secrets: Secrets): SluiceError {
  if (error instanceof SluiceError) return redacted(error, secrets)
  const message = `upstash store: ${operation} failed: ${describe(error)}`
  return new StoreError(scrubText(message, secrets), { cause: redacted(error, secrets) })
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
  if (error.name === 'TypeError' && /URL that includes credentials/i.test(text)) {
    return "fetch refuses the client's URL because it carries credentials (user:password@); give the client the URL without them and the token as its token option"
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
