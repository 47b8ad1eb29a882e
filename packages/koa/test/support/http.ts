import { connect } from 'node:net'

/** A response as it came off the wire: status line and header lines exactly as sent. */
export interface RawResponse {
  readonly statusLine: string
  readonly headerLines: readonly string[]
  readonly body: string
}

/**
 * Sends one `GET` over a fresh TCP connection and returns the response bytes, so tests can compare
 * header lines byte for byte (fetch would normalise names and merge lines).
 */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port, pathname } = new URL(url)
  const lines = [`GET ${pathname} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n')
      resolve({ statusLine, headerLines, body: text.slice(split + 4) })
    })
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  })
}

/** The header lines whose name is one of `names` (any case), in the order sent. */
export function linesOf(response: RawResponse, names: readonly string[]): string[] {
  const wanted = new Set(names.map((n) => n.toLowerCase()))
  return response.headerLines.filter((line) => wanted.has(line.slice(0, line.indexOf(':')).toLowerCase()))
}
