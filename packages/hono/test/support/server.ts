import { connect } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { afterAll } from 'vitest'

// biome-ignore lint/suspicious/noExplicitAny: any app, whatever its Env
type AnyHono = Hono<any, any, any>

const servers: ServerType[] = []
afterAll(async () => {
  await Promise.all(servers.splice(0).map(close))
})

/** Serves `app` through @hono/node-server on a free loopback port; closed after the file's tests. */
export async function listen(app: AnyHono, hostname = '127.0.0.1'): Promise<string> {
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname }, (info) =>
      resolve({ server, port: info.port }),
    )
    server.once('error', reject)
  })
  servers.push(server)
  return `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`
}

function close(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections()
    server.close(() => resolve())
  })
}

/** The raw response of one HTTP/1.1 request, exactly as the server wrote it. */
export interface RawResponse {
  readonly statusLine: string
  /** Header lines in the order sent, e.g. `ratelimit: "api";r=2;t=60`. */
  readonly headerLines: readonly string[]
  readonly body: string
  header(name: string): string | undefined
}

/**
 * Sends one request over a plain TCP socket and returns the response bytes as they were on the
 * wire, so tests can assert exact header lines (fetch would parse and normalise them).
 */
export function rawRequest(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base)
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(Number(port), hostname, () => socket.write(`${lines.join('\r\n')}\r\n\r\n`))
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n')
      resolve({
        statusLine,
        headerLines,
        body: text.slice(split + 4),
        header: (name) =>
          headerLines
            .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
            ?.slice(name.length + 2),
      })
    })
  })
}
