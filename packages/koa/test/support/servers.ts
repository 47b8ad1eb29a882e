import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import Koa2 from 'koa2'
import { afterEach } from 'vitest'

/** Every test file runs on the newest Koa and on the older major. */
export const koaVersions = [
  { version: 'Koa 3', Koa },
  { version: 'Koa 2', Koa: Koa2 },
] as const

const open = new Set<Server>()

afterEach(async () => {
  const servers = [...open]
  open.clear()
  await Promise.all(
    servers.map((server) => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    }),
  )
})

/** Listens on a free loopback port (closed after the test) and returns its base URL. */
export async function serve(app: Pick<Koa, 'listen'>): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  open.add(server)
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Errors that reach Koa's error handling (`app.on('error')`); listening also keeps Koa from logging them. */
export function appErrors(app: Koa): Error[] {
  const errors: Error[] = []
  app.on('error', (error: Error) => errors.push(error))
  return errors
}

/** The response headers a test asserts on, by lowercase name. */
export function headersOf(res: Response, ...names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((n) => [n, res.headers.get(n)]))
}
