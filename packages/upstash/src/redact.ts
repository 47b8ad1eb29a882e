// Keeps the client's secrets (its token, its URL's credentials) out of every error the store gives.

/**
 * A `scheme://user:password@` prefix anywhere in a text: the userinfo part is a credential. A
 * scheme is matched from the start of its run only (the lookbehind), so a long run of scheme
 * characters costs one pass, not one per character.
 */
const URL_CREDENTIALS = /(?<![a-z\d+.-])([a-z][a-z\d+.-]*:\/\/)[^\s/?#@]+@/gi
/** Secrets shorter than this are not cut out of texts: they would garble every message. */
const SHORTEST_SECRET = 4
/**
 * Any run of this many characters of a secret is cut out too: a text cut off in the middle of a
 * token (the client keeps 200 characters of a reply that is no JSON) still carries part of it.
 */
const PIECE = 8
/** Nesting followed into an error (its cause chain, objects on it); deeper is replaced. */
const DEEPEST = 16

/** What must never appear in an error, in the form `scrubText` looks for it. */
export interface Secrets {
  /** The secrets, longest first. */
  readonly texts: readonly string[]
  /** Every PIECE-long run of characters of a secret. */
  readonly pieces: ReadonlySet<string>
}

/**
 * The texts that must never appear in an error: the token the client sends
 * (`Authorization: Bearer <token>`, in plain and URL-encoded form) and the password of its URL, if
 * it has one (`https://user:password@…`), longest first.
 *
 * @example const secrets = clientSecrets(new Redis({ url, token })) // texts: [token], pieces: …
 */
export function clientSecrets(client: object): Secrets {
  const http = (client as { client?: { headers?: Record<string, unknown>; baseUrl?: unknown } }).client
  const found = new Set<string>()
  const authorization = http?.headers?.authorization
  if (typeof authorization === 'string') {
    const token = authorization.replace(/^Bearer\s+/i, '')
    found.add(token)
    found.add(encodeURIComponent(token))
  }
  const password = urlPassword(http?.baseUrl)
  if (password !== undefined) {
    found.add(password)
    found.add(safeDecode(password))
  }
  const texts = [...found].filter((s) => s.length >= SHORTEST_SECRET).sort((a, b) => b.length - a.length)
  const pieces = new Set<string>()
  for (const text of texts)
    for (let i = 0; i + PIECE <= text.length; i++) pieces.add(text.slice(i, i + PIECE))
  return { texts, pieces }
}

/** `text` with every secret, every piece of one and every URL's userinfo cut out. */
export function scrubText(text: string, secrets: Secrets): string {
  let out = text.replace(URL_CREDENTIALS, '$1[credentials]@')
  for (const secret of secrets.texts) if (out.includes(secret)) out = out.split(secret).join('[redacted]')
  return secrets.pieces.size > 0 ? cutPieces(out, secrets.pieces) : out
}

/** `text` with every run of characters covered by overlapping `pieces` replaced by `[redacted]`. */
function cutPieces(text: string, pieces: ReadonlySet<string>): string {
  let out = ''
  let copied = 0 // text before this index is in `out`
  let runStart = -1
  let runEnd = -1
  for (let i = 0; i + PIECE <= text.length; i++) {
    if (!pieces.has(text.slice(i, i + PIECE))) continue
    if (i > runEnd) {
      // A new run: the one before it (if any) goes into `out`.
      if (runStart >= 0) {
        out += `${text.slice(copied, runStart)}[redacted]`
        copied = runEnd
      }
      runStart = i
    }
    runEnd = i + PIECE
  }
  if (runStart < 0) return text
  return `${out}${text.slice(copied, runStart)}[redacted]${text.slice(runEnd)}`
}

/**
 * A copy of `value` (an error and all it carries: message, stack, `cause` chain, any other own
 * property, enumerable or not) with every string scrubbed by `scrubText`. An error stays an
 * error of its class, with its name, code, status and the like; an object that is neither an
 * error nor plain data (a `Headers`, a `Request`: they can hold the token out of sight) becomes
 * its description, `[object Headers]`.
 *
 * @example throw new StoreError(scrubText(message, secrets), { cause: redacted(error, secrets) })
 */
export function redacted<T>(value: T, secrets: Secrets): T {
  return copy(value, secrets, new Map(), 0) as T
}

function copy(value: unknown, secrets: Secrets, seen: Map<object, unknown>, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value, secrets)
  if (typeof value === 'function') return `[function ${scrubText(value.name, secrets)}]`
  if (typeof value !== 'object' || value === null) return value
  const known = seen.get(value)
  if (known !== undefined) return known
  if (depth >= DEEPEST) return '[nested too deep]'
  const error = value instanceof Error || Object.prototype.toString.call(value) === '[object Error]'
  if (!error && !Array.isArray(value) && !isPlain(value)) {
    return Object.prototype.toString.call(value)
  }
  const out = newLike(value, error)
  seen.set(value, out)
  for (const key of Reflect.ownKeys(value)) {
    if (Array.isArray(value) && key === 'length') continue
    const descriptor = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor
    Object.defineProperty(out, key, {
      value: copy(read(value, descriptor), secrets, seen, depth + 1),
      enumerable: descriptor.enumerable ?? false,
      writable: true,
      configurable: true,
    })
  }
  // Where a runtime keeps `stack` on the prototype, the copy still gets the original's, scrubbed.
  if (error && !Object.hasOwn(value, 'stack')) {
    const stack = (value as Error).stack
    Object.defineProperty(out, 'stack', {
      value: copy(stack, secrets, seen, depth + 1),
      writable: true,
      configurable: true,
    })
  }
  return out
}

/** An empty object of `value`'s kind: an error of its class (a real one, so runtimes show it as one). */
function newLike(value: object, error: boolean): object {
  if (Array.isArray(value)) return []
  const proto = Object.getPrototypeOf(value) as object | null
  if (!error) return Object.create(proto) as object
  const out = new Error('')
  Object.setPrototypeOf(out, proto)
  return out
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** A property's value; a getter that throws reads as undefined. */
function read(owner: object, descriptor: PropertyDescriptor): unknown {
  if ('value' in descriptor) return descriptor.value
  try {
    return descriptor.get?.call(owner)
  } catch {
    return undefined
  }
}

/** The password in a URL's userinfo (`https://user:password@host`), as written (percent-encoded). */
function urlPassword(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined
  const userinfo = /^[a-z][a-z\d+.-]*:\/\/([^\s/?#@]*)@/i.exec(url)?.[1]
  const colon = userinfo?.indexOf(':') ?? -1
  return colon < 0 ? undefined : (userinfo as string).slice(colon + 1) || undefined
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
