import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRateLimiter, type Descriptor, type Store } from '@sluice/core'
import { parseRules, watchRules } from '@sluice/core/yaml'
import { rateLimit } from '@sluice/express'
import express, { type ErrorRequestHandler, type Request } from 'express'

export interface RulesServerOptions {
  readonly store: Store
  /** The rules file; it is watched and reloaded while the server runs. */
  readonly rulesPath: string
  readonly port?: number
  /** Where reloads and shadow denials are reported. Default: the console. */
  readonly log?: (line: string) => void
  /** The limiter's clock (epoch ms). Default: the store's. Tests pass a still one. */
  readonly clock?: () => number
}

export interface RulesServer {
  readonly url: string
  close(): Promise<void>
}

/** What each request is, for the rules: its address, route, user and plan. */
function descriptors(req: Request): Descriptor[] {
  const user = req.get('x-user') ?? 'anonymous'
  const list: Descriptor[] = [
    [{ key: 'remote_address', value: req.ip ?? 'unknown' }],
    [{ key: 'route', value: req.path }],
    [
      { key: 'route', value: req.path },
      { key: 'user', value: user },
    ],
  ]
  if (req.path === '/report') {
    list.push([
      { key: 'plan', value: req.get('x-plan') ?? 'free' },
      { key: 'user', value: user },
    ])
  }
  return list
}

/**
 * The example server: limits from `rulesPath`, reloaded when the file changes. Listens on
 * 127.0.0.1 (`port` 0: a free one).
 */
export async function startServer(options: RulesServerOptions): Promise<RulesServer> {
  const log = options.log ?? ((line: string) => console.log(line))
  const limiter = createRateLimiter({
    store: options.store,
    rules: parseRules(readFileSync(options.rulesPath, 'utf8')),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    onShadowDeny: ({ policy }) => log(`shadow: ${policy.policy} would have refused this request`),
  })
  const watcher = watchRules(
    options.rulesPath,
    (rules) => {
      limiter.setRules(rules)
      log(`rules reloaded from ${options.rulesPath}`)
    },
    { onError: (error) => log(`rules NOT reloaded, the old ones stay: ${(error as Error).message}`) },
  )

  const app = express()
  app.use(rateLimit({ limiter, descriptors }))
  app.use((req, res) => {
    res.json({
      path: req.path,
      policies: req.rateLimit?.policies.map((p) => `${p.policy}: ${p.remaining}/${p.limit} left`),
      shadow: req.rateLimit?.shadow?.map((p) => `${p.policy}: ${p.allowed ? 'ok' : 'would refuse'}`),
    })
  })
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(500).json({ error: (err as Error).message })
  }
  app.use(onError)

  const server: Server = createServer(app)
  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      watcher.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await limiter.close()
    },
  }
}
