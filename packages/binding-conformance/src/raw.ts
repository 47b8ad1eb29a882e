// One HTTP/1.1 request over a plain socket: the header lines exactly as the server wrote them.
import { connect } from 'node:net'

/** A response as it came off the wire. */
export interface RawResponse {
  readonly statusLine: string
  /** Header lines in the order sent, e.g. `RateLimit: "api";r=2;t=42`. */
  readonly headerLines: readonly string[]
}

/**
 * Sends one `GET` over a fresh TCP connection, so a test sees each header line as sent: fetch would
 * merge two `RateLimit` lines into one value and hide that the binding sent two.
 */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port, pathname } = new URL(url)
  const lines = [`GET ${pathname} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(Number(port), hostname, () => socket.write(`${lines.join('\r\n')}\r\n\r\n`))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const [statusLine = '', ...headerLines] = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n')
      resolve({ statusLine, headerLines })
    })
  })
}

const RATE_LIMIT_FIELD = /^(ratelimit|ratelimit-policy|x-ratelimit-[a-z]+|retry-after|cache-control):/i

/**
 * The rate-limit lines of a response (RateLimit*, X-RateLimit-*, Retry-After, Cache-Control), names
 * lowercased and sorted: field names are case-insensitive and the order of different fields carries
 * no meaning, so bindings may differ in both.
 */
export function rateLimitLines(response: RawResponse): string[] {
  return response.headerLines
    .filter((line) => RATE_LIMIT_FIELD.test(line))
    .map((line) => {
      const colon = line.indexOf(':')
      return `${line.slice(0, colon).toLowerCase()}${line.slice(colon)}`
    })
    .sort()
}
